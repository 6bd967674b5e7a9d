// @ts-check
/**
 * `sls dynamodb start | migrate | seed`: the commands serverless-dynamodb users type, done
 * against our engine (local/dynamodb) instead of AWS's DynamoDB Local on Java, and from
 * resources/table.yml as it is (TTL, stream, GSI, on-demand billing kept — serverless-dynamodb's
 * migrate rewrites table definitions). Option names follow serverless-dynamodb where they make
 * sense; `custom.serverless-dynamodb.start` in serverless.yml supplies defaults as it does there.
 *
 *   sls dynamodb start [--port 8000] [--host 127.0.0.1] [--dbPath dir | --inMemory] [--migrate] [--seed]
 *   sls dynamodb migrate [--port 8000]
 *   sls dynamodb seed [--port 8000]
 *
 * `start` runs in the foreground until Ctrl-C (SIGINT/SIGTERM), like serverless-dynamodb's.
 * `migrate` and `seed` talk to an engine already listening on 127.0.0.1:<port>.
 */
const path = require('node:path');
const { start: startEngine } = require('./dynamodb');
const { migrate } = require('./migrate');
const { LOCAL_AWS_ENV } = require('./aws-env');

const ROOT = path.join(__dirname, '..');
const DEFAULT_PORT = 8000;
const DEFAULT_HOST = '127.0.0.1';

/** The `commands` entry of the local plugin: names, usage and option types for `sls --help`. */
const DYNAMODB_COMMANDS = {
  dynamodb: {
    usage: 'The local DynamoDB engine (local/dynamodb): serverless-dynamodb commands, no Java',
    commands: {
      start: {
        usage: 'Start the engine in the foreground (Ctrl-C stops it), optionally migrated and seeded',
        lifecycleEvents: ['startHandler'],
        options: {
          port: { usage: `Port to listen on (default ${DEFAULT_PORT})`, shortcut: 'p', type: 'string' },
          host: { usage: `Interface to bind (default ${DEFAULT_HOST})`, shortcut: 'H', type: 'string' },
          dbPath: { usage: 'Folder for the data (default: in memory)', shortcut: 'd', type: 'string' },
          inMemory: { usage: 'Keep the data in memory (the default; overrides dbPath)', type: 'boolean' },
          migrate: { usage: 'Create the table from resources/table.yml after start', shortcut: 'm', type: 'boolean' },
          seed: { usage: 'Write the demo seed (seeds/) after start (implies --migrate)', type: 'boolean' },
        },
      },
      migrate: {
        usage: 'Create the table from resources/table.yml on the running engine (idempotent)',
        lifecycleEvents: ['migrateHandler'],
        options: { port: { usage: `Engine port (default ${DEFAULT_PORT})`, shortcut: 'p', type: 'string' } },
      },
      seed: {
        usage: 'Write the demo seed (seeds/) into the running engine (idempotent)',
        lifecycleEvents: ['seedHandler'],
        options: { port: { usage: `Engine port (default ${DEFAULT_PORT})`, shortcut: 'p', type: 'string' } },
      },
    },
  },
};

/**
 * @typedef {object} CommandContext
 * @property {any} serverless
 * @property {Record<string, unknown>} options the command line's options
 * @property {{ notice(message: string): void }} log
 * @property {(specifier: string) => any} loadTs loads one of our TypeScript modules (the seed)
 */

/** @param {CommandContext} context */
function startSettings({ serverless, options }) {
  const configured = serverless.service.custom?.['serverless-dynamodb']?.start ?? {};
  /** @param {string} name */
  const pick = (name) => (options[name] !== undefined ? options[name] : configured[name]);
  const port = parsePort(pick('port') ?? DEFAULT_PORT);
  const host = String(pick('host') ?? DEFAULT_HOST);
  const dbPath = pick('inMemory') === true ? undefined : pick('dbPath');
  const seed = pick('seed') === true;
  return {
    port,
    host,
    dbPath: dbPath ? path.resolve(ROOT, String(dbPath)) : undefined,
    migrate: seed || pick('migrate') === true,
    seed,
  };
}

/** @param {unknown} value */
function parsePort(value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port number, got "${value}"`);
  return port;
}

/** @param {CommandContext} context */
function tableName({ serverless }) {
  return serverless.service.provider.environment?.TABLE_NAME;
}

/**
 * @param {CommandContext} context
 * @param {string} endpoint
 */
async function migrateAt(context, endpoint) {
  const table = tableName(context);
  const result = await migrate({ endpoint, tableName: table });
  context.log.notice(`Table ${table} ${result} (${endpoint})`);
}

/**
 * @param {CommandContext} context
 * @param {string} endpoint
 */
async function seedAt(context, endpoint) {
  // The seed is our domain code: it reads its table, endpoint, region and (local) credentials
  // from the same variables the Lambdas get.
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_REGION: context.serverless.service.provider.region });
  process.env.TABLE_NAME = tableName(context);
  process.env.DYNAMODB_ENDPOINT = endpoint;
  const { seed } = context.loadTs('../seeds/seed.ts');
  const summary = await seed();
  context.log.notice(
    `Seed: ${summary.usersCreated} users created (${summary.usersExisting} existed), ` +
      `${summary.conversationsCreated} conversations created (${summary.conversationsExisting} existed)`,
  );
}

/** `sls dynamodb start`: resolves when the engine has stopped (SIGINT or SIGTERM). */
async function startCommand(/** @type {CommandContext} */ context) {
  const settings = startSettings(context);
  const engine = await startEngine({
    port: settings.port,
    host: settings.host,
    ...(settings.dbPath ? { path: settings.dbPath } : {}),
  });
  context.log.notice(
    `DynamoDB (local engine) ${engine.endpoint}${settings.dbPath ? `, data in ${settings.dbPath}` : ', in memory'}`,
  );
  try {
    if (settings.migrate) await migrateAt(context, engine.endpoint);
    if (settings.seed) await seedAt(context, engine.endpoint);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  context.log.notice('Engine ready; Ctrl-C stops it');
  await new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(undefined);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await engine.stop();
}

/** @param {CommandContext} context */
function runningEndpoint(context) {
  return `http://127.0.0.1:${parsePort(context.options.port ?? DEFAULT_PORT)}`;
}

module.exports = {
  DYNAMODB_COMMANDS,
  startCommand,
  migrateCommand: (/** @type {CommandContext} */ context) => migrateAt(context, runningEndpoint(context)),
  seedCommand: (/** @type {CommandContext} */ context) => seedAt(context, runningEndpoint(context)),
};
