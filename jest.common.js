// What every jest project of this repo shares (jest.config.js and the standalone configs of
// the reliability, bench and browser suites).
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
// ESM-only dependencies (middy, etc.) are transformed to CommonJS like our own code.
const transformIgnorePatterns = ['/node_modules/(?!(@middy)/)'];
// Middy 7 publishes ESM only (an `import`-only exports map) and jest resolves with `require`
// conditions: point it at the entry files, which the transform above turns into CommonJS.
const moduleNameMapper = { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' };
const common = { transform, transformIgnorePatterns, moduleNameMapper, testEnvironment: 'node' };

/**
 * A project of its own jest config: the shared transform and module mapping plus `project`'s settings.
 * @param {import('jest').Config} project
 */
const standaloneProject = (project) => ({ ...common, ...project });

module.exports = { common, standaloneProject };
