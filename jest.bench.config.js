// `npm run test:bench`: `npm run bench -- --quick` once (it starts its own engines and
// offline stack); it must complete and report every figure. Never a speed assertion. Kept
// out of the default `npm test` (about a minute on 2 cores); `.ci/run` runs it on every change.
const { standaloneProject } = require('./jest.common.js');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 300_000,
  projects: [
    standaloneProject({
      displayName: 'bench',
      testMatch: ['<rootDir>/test/bench/**/*.test.ts'],
    }),
  ],
};
