// `npm run test:browser`: the example web client (examples/web, aws-amplify v6) in Debian's
// Chromium driven by playwright-core, against a seeded offline stack. Separate from `npm test`
// (it needs a browser and takes longer); CI runs both.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      transform,
      transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
      testEnvironment: 'node',
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/stack-env.ts'],
      globalSetup: '<rootDir>/test/browser/setup.ts',
      globalTeardown: '<rootDir>/test/support/stack-teardown.ts',
    },
  ],
};
