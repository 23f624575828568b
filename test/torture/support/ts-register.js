/**
 * A minimal `node -r` hook that lets a plain node process run the TypeScript sources (no dist/):
 * every `.ts` file is transpiled on require with `ts.transpileModule`, using tsconfig.json's compiler
 * options (experimentalDecorators + emitDecoratorMetadata, which type-graphql needs) but CommonJS
 * output. No type check: `npm run typecheck` does that.
 *
 * Transpiled output is cached on disk (keyed by file content and options), so the crash torture test,
 * which restarts a server process many times, pays for the transpilation once.
 *
 *   node -r ./test/torture/support/ts-register.js src/main.ts
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..', '..');
const configPath = path.join(root, 'tsconfig.json');
const read = ts.readConfigFile(configPath, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
const parsed = ts.convertCompilerOptionsFromJson(read.config.compilerOptions ?? {}, root, configPath);
if (parsed.errors.length > 0) throw new Error(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));

const compilerOptions = {
  ...parsed.options,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  // Inline source maps would be nice for stack traces but cost time; keep the emit small.
  sourceMap: false,
  inlineSourceMap: false,
  declaration: false,
  noEmit: false,
};

const cacheDir = path.join(os.tmpdir(), `slotstream-ts-register-${ts.version}`);
const optionsKey = crypto.createHash('sha256').update(JSON.stringify(compilerOptions)).digest('hex').slice(0, 16);
try {
  fs.mkdirSync(cacheDir, { recursive: true });
} catch {
  // No cache then.
}

function transpile(source, filename) {
  const key = crypto.createHash('sha256').update(optionsKey).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet.
  }
  const out = ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false }).outputText;
  try {
    // Write then rename: a concurrent reader never sees half a file.
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, cached);
  } catch {
    // A read-only temp folder only costs speed.
  }
  return out;
}

require.extensions['.ts'] = function registerTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(transpile(source, filename), filename);
};
