// @ts-check
/**
 * Every cognito-local internal our local Cognito reaches into (it has no public API for
 * running in-process: local/cognito.js assembles it from these parts, and local/ code extends
 * its router and errors), listed here and checked when the local Cognito starts, so an
 * upgrade of the pinned cognito-local that moves or renames one fails loudly, by name,
 * instead of misbehaving. test/engine/cognito-local-internals.test.ts runs the same check.
 *
 * Pinned: cognito-local 5.3.0 (exactly, in package.json).
 */
const path = require('node:path');
const { createRequire } = require('node:module');

const PINNED_VERSION = '5.3.0';

// cognito-local is built on AWS SDK v2, which prints an end-of-support notice on load.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

/** Resolves from cognito-local's own folder: its lib/ modules and its own dependencies. */
const fromCognitoLocal = createRequire(require.resolve('cognito-local/package.json'));

/** Deep module (under cognito-local/lib) → the exports we use and what each must be. */
const DEEP_IMPORTS = /** @type {const} */ ({
  services: { DateClock: 'function', TriggersService: 'function', LambdaService: 'function', MessagesService: 'function' },
  'services/cognitoService': { CognitoServiceFactoryImpl: 'function', USER_POOL_AWS_DEFAULTS: 'object' },
  'services/crypto': { CryptoService: 'function' },
  'services/dataStore/stormDb': { StormDBDataStoreFactory: 'function' },
  'services/messageDelivery/messageDelivery': { MessageDeliveryService: 'function' },
  'services/otp': { otp: 'function' },
  'services/tokenGenerator': { JwtTokenGenerator: 'function' },
  'services/userPoolService': { UserPoolServiceFactoryImpl: 'function' },
  'server/config': { DefaultConfig: 'object' },
  'server/Router': { Router: 'function' },
  'server/server': { createServer: 'function' },
  errors: { InvalidParameterError: 'function', NotAuthorizedError: 'function' },
});

/** cognito-local's own dependencies we load through it (it builds on them). */
const BUNDLED_DEPENDENCIES = /** @type {const} */ ({ 'aws-sdk': 'object', pino: 'function' });

const installedVersion = String(
  require(path.join(path.dirname(require.resolve('cognito-local/package.json')), 'package.json')).version,
);

/**
 * One of the listed deep modules of cognito-local.
 * @param {keyof typeof DEEP_IMPORTS} name
 * @returns {any}
 */
function lib(name) {
  return fromCognitoLocal(`./lib/${name}`);
}

/**
 * The problems with the installed cognito-local, empty when it is the pinned one with every
 * internal in place.
 * @param {(id: string) => any} [load] resolves a specifier from cognito-local's folder (for tests)
 * @param {string} [version] the installed version (for tests)
 * @returns {string[]}
 */
function internalsProblems(load = fromCognitoLocal, version = installedVersion) {
  const problems = [];
  if (version !== PINNED_VERSION) problems.push(`cognito-local is ${version}, local/ is written against ${PINNED_VERSION}`);
  for (const [name, exports] of Object.entries(DEEP_IMPORTS)) {
    /** @type {any} */
    let loaded;
    try {
      loaded = load(`./lib/${name}`);
    } catch (error) {
      problems.push(`cognito-local/lib/${name} cannot be loaded (${/** @type {Error} */ (error).message.split('\n')[0]})`);
      continue;
    }
    for (const [exported, type] of Object.entries(exports)) {
      if (typeof loaded?.[exported] !== type) problems.push(`cognito-local/lib/${name}.${exported} is not a ${type}`);
    }
  }
  for (const [name, type] of Object.entries(BUNDLED_DEPENDENCIES)) {
    try {
      if (typeof load(name) !== type) problems.push(`cognito-local's ${name} is not a ${type}`);
    } catch {
      problems.push(`cognito-local's dependency ${name} cannot be loaded`);
    }
  }
  return problems;
}

/** Throws one error naming every internal that moved; called before the local Cognito starts. */
function assertCognitoLocalInternals() {
  const problems = internalsProblems();
  if (problems.length > 0) {
    throw new Error(
      `local Cognito: incompatible cognito-local internals: ${problems.join('; ')}. Review local/cognito-local-internals.js and local/cognito.js.`,
    );
  }
}

module.exports = {
  PINNED_VERSION,
  DEEP_IMPORTS,
  installedVersion,
  fromCognitoLocal,
  lib,
  internalsProblems,
  assertCognitoLocalInternals,
};
