#!/usr/bin/env node
/**
 * `node scripts/run-cli.js <path in dist without .js> [args…]`: what `npm start` and the CLIs
 * (`seed:demo`, `user:create`, `audit:*`, `projections:rebuild`, …) run. It compiles only when the
 * build is older than a source (an incremental `tsc -b`), then runs the compiled module in this
 * process, so a CLI starts in well under a second when nothing changed instead of recompiling.
 *
 * "Older than a source" is judged by modification times, generously: any TypeScript file or folder
 * under src/, scripts/ or test/, the tsconfig files or the lockfile newer than the build's
 * tsbuildinfo. A false alarm costs one `tsc -b`, which itself finds nothing to do; a folder's time
 * catches a deleted file.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const buildInfo = path.join(root, 'dist', 'tsconfig.build.tsbuildinfo');

function newestInput() {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    newest = Math.max(newest, fs.statSync(dir).mtimeMs);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['src', 'scripts', 'test']) visit(path.join(root, dir));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
    } catch {
      // Not there: nothing to compare.
    }
  }
  return newest;
}

function buildIfStale() {
  let built = 0;
  try {
    built = fs.statSync(buildInfo).mtimeMs;
  } catch {
    // Never built.
  }
  if (built >= newestInput()) return;
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    process.stderr.write('The build in dist/ is missing or older than the sources, and TypeScript is not installed: run `npm install` (or `npm ci`), then try again.\n');
    process.exit(1);
  }
  process.stderr.write('Compiling (sources changed since the last build)…\n');
  const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // Mark the build current even when tsc found nothing to rewrite, so the next run skips tsc.
  const now = new Date();
  fs.utimesSync(buildInfo, now, now);
}

const [target, ...args] = process.argv.slice(2);
if (!target) {
  process.stderr.write('usage: node scripts/run-cli.js <scripts/name | src/main> [args…]\n');
  process.exit(2);
}
buildIfStale();
const entry = path.join(root, 'dist', `${target}.js`);
// The module sees the same argv as `node dist/<target>.js args…` would give it.
process.argv = [process.argv[0], entry, ...args];
require(entry);
