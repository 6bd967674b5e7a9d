// One jest run, one project per layer: each project starts only the real parts it needs.
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
// ESM-only dependencies (middy, etc.) are transformed to CommonJS like our own code.
const transformIgnorePatterns = ['/node_modules/(?!(@middy)/)'];
// Middy 7 publishes ESM only (an `import`-only exports map) and jest resolves with `require`
// conditions: point it at the entry files, which the transform above turns into CommonJS.
const moduleNameMapper = { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' };
const common = { transform, transformIgnorePatterns, moduleNameMapper, testEnvironment: 'node' };

/** @type {import('jest').Config} */
// The bench smoke run (test/bench) has its own config, jest.bench.config.js: `npm run test:bench`.
module.exports = {
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'engine', testMatch: ['<rootDir>/test/engine/**/*.test.ts'] },
    {
      ...common,
      displayName: 'domain',
      testMatch: ['<rootDir>/test/domain/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/engine-setup.ts',
      globalTeardown: '<rootDir>/test/support/engine-teardown.ts',
    },
    {
      // Stream handler tests: same setup path as `domain`, so jest starts one engine for both.
      ...common,
      displayName: 'stream',
      testMatch: ['<rootDir>/test/stream/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      globalSetup: '<rootDir>/test/support/engine-setup.ts',
      globalTeardown: '<rootDir>/test/support/engine-teardown.ts',
    },
    {
      // HTTP API over the real offline stack (sls offline + local engine + cognito-local), started once.
      ...common,
      displayName: 'http',
      testMatch: ['<rootDir>/test/http/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/stack-env.ts'],
      globalSetup: '<rootDir>/test/support/stack-setup.ts',
      globalTeardown: '<rootDir>/test/support/stack-teardown.ts',
    },
    {
      // The deployable artefact: `sls package --stage prod` once, assertions on its CloudFormation.
      ...common,
      displayName: 'template',
      testMatch: ['<rootDir>/test/template/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/template-setup.ts',
    },
  ],
};
