/**
 * What this machine offers the test suite, decided once per run by jest.config.js: a PostgreSQL
 * server (DATABASE_URL, or the default local one) and a Chromium for the browser test. Suites that
 * need what is missing are left out by path and named in one line; everything else runs. Plain
 * CommonJS, because jest reads its config before any TypeScript is compiled.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The PostgreSQL server test databases are created on. */
function serverUrl() {
  return process.env.DATABASE_URL || DEFAULT_SERVER_URL;
}

/** The server URL without its password, for messages. */
function shownUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Null when the server answers `SELECT 1` within a few seconds, else why not. */
async function probePostgres(url) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    const inner = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
    return (inner && (inner.code || inner.message)) || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The Chromium the browser test drives: CHROMIUM_PATH, or Debian's package. */
function chromiumPath() {
  const candidate = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    return null;
  }
}

/** A suite needs the server when it asks for a server database itself (test/support/test-database.ts). */
const NEEDS_SERVER = /createTestPostgres\(|(?:openTestDatabase|openFixture|startTestApp)\(\s*'postgres'/;
/** A suite needs Chromium when it drives a browser. */
const NEEDS_BROWSER = /from 'playwright-core'/;

function testFiles(dir, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) testFiles(full, found);
    else if (/\.(unit|int|e2e)\.test\.ts$/.test(entry.name)) found.push(full);
  }
  return found;
}

/** The test files under `rootDir`'s src/ and test/ whose source matches `pattern`, relative to rootDir. */
function suitesMatching(rootDir, pattern) {
  return ['src', 'test']
    .flatMap((top) => testFiles(path.join(rootDir, top)))
    .filter((file) => pattern.test(fs.readFileSync(file, 'utf8')))
    .map((file) => path.relative(rootDir, file))
    .sort();
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Decides what runs: returns the paths to leave out (as testPathIgnorePatterns) and sets
 * TEST_BACKENDS=pglite when no server answers, so suites that run on both backends use PGlite only.
 * Prints one line when something is left out.
 */
async function decideTestEnvironment(rootDir) {
  const ignored = [];
  const notes = [];
  const backends = (process.env.TEST_BACKENDS || 'postgres,pglite').split(',').map((s) => s.trim());
  if (backends.includes('postgres')) {
    const url = serverUrl();
    const problem = await probePostgres(url);
    if (problem !== null) {
      process.env.TEST_BACKENDS = backends.filter((b) => b !== 'postgres').join(',') || 'pglite';
      const suites = suitesMatching(rootDir, NEEDS_SERVER);
      ignored.push(...suites);
      notes.push(
        `no PostgreSQL server at ${shownUrl(url)} (${problem}): running on PGlite only, leaving out ${suites.length} suites that need a server (${suites.join(', ')}); ` +
          'to run them, start one or point DATABASE_URL at one (postgres://user:password@host:5432/db; each suite creates and drops its own database there)',
      );
    }
  } else {
    const suites = suitesMatching(rootDir, NEEDS_SERVER);
    ignored.push(...suites);
    notes.push(`TEST_BACKENDS=${backends.join(',')}: leaving out ${suites.length} suites that need a PostgreSQL server (${suites.join(', ')})`);
  }
  if (chromiumPath() === null) {
    const suites = suitesMatching(rootDir, NEEDS_BROWSER);
    ignored.push(...suites);
    if (suites.length > 0) notes.push(`no Chromium at ${process.env.CHROMIUM_PATH || '/usr/bin/chromium'}: leaving out ${suites.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  if (notes.length > 0) process.stderr.write(`${notes.join('; ')}\n`);
  return ignored.map((file) => `^${escapeRegExp(path.join(rootDir, file))}$`);
}

module.exports = { DEFAULT_SERVER_URL, serverUrl, chromiumPath, decideTestEnvironment };
