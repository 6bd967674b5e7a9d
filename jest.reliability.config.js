// `npm run test:reliability`: attacks, bad input, load and faults against the real offline
// stack (test/reliability). Not part of the default `jest` run: it owns one stack whose
// engine it kills and restarts, and whole-table scans need no other writer, so its files
// run one at a time (--runInBand in the script).
const { standaloneProject } = require('./jest.common.js');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 240_000,
  projects: [
    standaloneProject({
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/stack-env.ts', '<rootDir>/test/support/quiet-logs.ts'],
      globalSetup: '<rootDir>/test/reliability/setup.ts',
      globalTeardown: '<rootDir>/test/reliability/teardown.ts',
    }),
  ],
};
