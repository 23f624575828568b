/**
 * Tests sit next to the code with a tier suffix: .unit / .int / .e2e. ts-jest transpiles each file on
 * its own (no type check here: `npm run typecheck` does that once for the whole tree).
 *
 * Before anything runs, test/support/test-environment.js looks once for a PostgreSQL server and a
 * Chromium: suites that need one that is missing are left out (named in one line), the rest run.
 */
const { decideTestEnvironment } = require('./test/support/test-environment');

const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  // PGlite's dynamic imports of Node built-ins as require calls, so `npx jest <path>` needs no node flags.
  '/node_modules/@electric-sql/pglite/dist/.+\\.cjs$': '<rootDir>/test/support/require-for-import.transform.js',
};

module.exports = async () => {
  const testPathIgnorePatterns = ['/node_modules/', ...(await decideTestEnvironment(__dirname))];
  // PGlite boots a WASM PostgreSQL (seconds on a busy 2-core machine): hooks that start one need room.
  const common = {
    testEnvironment: 'node',
    transform,
    transformIgnorePatterns: ['/node_modules/(?!@electric-sql/pglite/)'],
    setupFiles: ['reflect-metadata'],
    testPathIgnorePatterns,
  };
  return {
    maxWorkers: 2,
    testTimeout: 60_000,
    projects: [
      { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.unit.test.ts', '<rootDir>/test/**/*.unit.test.ts'] },
      { ...common, displayName: 'int', testMatch: ['<rootDir>/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'] },
      { ...common, displayName: 'e2e', testMatch: ['<rootDir>/src/**/*.e2e.test.ts', '<rootDir>/test/**/*.e2e.test.ts'] },
    ],
  };
};
