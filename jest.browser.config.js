// `npm run test:browser`: the example web client (examples/web, aws-amplify v6) in Debian's
// Chromium driven by playwright-core, against a seeded offline stack. Separate from `npm test`
// (it needs a browser and takes longer); CI runs both.
const { standaloneProject } = require('./jest.common.js');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    standaloneProject({
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/stack-env.ts'],
      globalSetup: '<rootDir>/test/browser/setup.ts',
      globalTeardown: '<rootDir>/test/support/stack-teardown.ts',
    }),
  ],
};
