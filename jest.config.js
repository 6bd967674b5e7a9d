// One jest run, one project per layer: each project starts only the real parts it needs.
// Node 20 is this project's runtime (Lambda nodejs20.x); the SDK's advance notice about Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
// ESM-only dependencies (middy, etc.) are transformed to CommonJS like our own code.
const transformIgnorePatterns = ['/node_modules/(?!(@middy)/)'];
const common = { transform, transformIgnorePatterns, testEnvironment: 'node' };

/** @type {import('jest').Config} */
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
    {
      // `npm run bench -- --quick` once (it starts its own engines and offline stack): it must
      // complete and report every figure. Never a speed assertion.
      ...common,
      displayName: 'bench',
      testMatch: ['<rootDir>/test/bench/**/*.test.ts'],
    },
  ],
};
