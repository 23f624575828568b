/**
 * Jest transform for PGlite's CommonJS build (node_modules/@electric-sql/pglite/dist/*.cjs): its
 * `import("fs/promises")`, `import("zlib")`, … (Node built-ins only) become `require` calls. Jest runs
 * a dynamic import() only under node's --experimental-vm-modules (`npm test` passes it), so without
 * this a plain `npx jest <path>` failed in every PGlite suite with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');

const DYNAMIC_IMPORT = /\bimport\((["'])([\w:/.-]+)\1\)/g;
const self = crypto.createHash('sha256').update(fs.readFileSync(__filename)).digest('hex');

module.exports = {
  process(source) {
    // The module's own `require`, kept under a name of its own: one of PGlite's functions declares a `var require`.
    const code = source.replace(DYNAMIC_IMPORT, (_m, _q, id) => `Promise.resolve().then(() => __requireForImport(${JSON.stringify(id)}))`);
    // After a leading "use strict" directive, which must stay first to keep its meaning.
    const directive = /^(["'])use strict\1;?/.exec(code)?.[0] ?? '';
    return { code: `${directive}const __requireForImport = require;${code.slice(directive.length)}` };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(self).update(filename).update(source).digest('hex');
  },
};
