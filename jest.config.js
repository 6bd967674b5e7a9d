// One jest run, one project per layer: each project starts only the real parts it needs.
const { common } = require('./jest.common.js');

// The reliability, bench smoke and browser suites have their own configs (jest.*.config.js),
// run by `npm run test:reliability`, `test:bench` and `test:browser`.
/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Two files at a time: most suites wait on servers and child processes (sls, the offline stack),
  // so two workers take ~110 s where jest's default on two cores (one worker) took ~160 s. Files
  // that read whole-table facts or the stream use a table of their own (useIsolatedTable).
  maxWorkers: 2,
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
      setupFilesAfterEnv: ['<rootDir>/test/support/stream-isolated-table.ts'],
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
