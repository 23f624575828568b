/** Tests sit next to the code with a tier suffix: .unit / .int / .e2e. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' }, module: { type: 'commonjs' } }];
const common = { testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, setupFiles: ['reflect-metadata'] };
module.exports = {
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.unit.test.ts', '<rootDir>/test/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/src/**/*.e2e.test.ts', '<rootDir>/test/**/*.e2e.test.ts'] },
  ],
};
