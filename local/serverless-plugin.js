// @ts-check
/**
 * Brings up the local replica of the cloud path on `sls offline start` (and so `npm start`):
 * the local DynamoDB engine, the table from resources/table.yml, the demo seed. It runs
 * before serverless-offline-dynamodb-streams and serverless-offline (plugin order in
 * serverless.yml), so the stream and the API find everything in place. Everything runs in
 * this one process: Ctrl-C stops it all, nothing is left behind.
 *
 * Settings (environment): DYNAMODB_PORT (8000), DYNAMODB_PATH (unset = in memory),
 * LOCAL_SEED=false to skip the seed; COGNITO_PORT (9229), COGNITO_PATH (.local/cognito) for
 * the local Cognito (local/offline-cognito.js).
 *
 * External engine: DYNAMODB_EXTERNAL=true uses an engine already listening on
 * http://127.0.0.1:$DYNAMODB_PORT (e.g. `npm run engine`), DYNAMODB_EXTERNAL=<http URL> that
 * one; the table is still migrated and seeded, and the engine may be stopped and restarted
 * while the API runs (the reliability suite does exactly that).
 *
 * Stream functions run under the event-source-mapping stand-in (local/event-source-mapping.js:
 * partial batch responses, retries, a JSON-lines DLQ), configured from their `stream` event in
 * serverless.yml. Each writes its own DLQ file, <function>.jsonl in LOCAL_DLQ_DIR (default .local/dlq);
 * STREAM_FAULT_MARKER turns on fault injection (the reliability suite's poison record). Both
 * are read here, in this process: no deployed function ever sees them.
 */
// `npx sls …` does not go through the npm scripts' check: stop here, in one line, on an old Node.
require('../scripts/check-node').assertSupportedNode();
const path = require('node:path');
const { start: startEngine } = require('./dynamodb');
const { migrate } = require('./migrate');
const { startLocalCognito } = require('./offline-cognito');
const { patchStreamEmulator } = require('./offline-streams');
const dynamodbCommands = require('./dynamodb-commands');
const { LOCAL_AWS_ENV } = require('./aws-env');
const { patchOfflineHttp } = require('./offline-http');

const ROOT = path.join(__dirname, '..');
const OFFLINE_STAGE = 'dev';

/** The engine URL for DYNAMODB_EXTERNAL, or undefined for the in-process engine. */
function externalEndpoint(/** @type {number} */ port) {
  const value = process.env.DYNAMODB_EXTERNAL;
  if (!value || value === 'false') return undefined;
  if (value === 'true') return `http://127.0.0.1:${port}`;
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(value)) {
    throw new Error(`DYNAMODB_EXTERNAL must be true or http://127.0.0.1:<port>, got "${value}"`);
  }
  return value;
}

class LocalStackPlugin {
  /**
   * @param {any} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: any }} utils
   */
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.options = _options;
    this.log = log;
    /** @type {Array<() => Promise<void>>} */
    this.stops = [];
    // `sls dynamodb start | migrate | seed`, as serverless-dynamodb users know them (local/dynamodb-commands.js).
    this.commands = dynamodbCommands.DYNAMODB_COMMANDS;
    const commandContext = () => ({ serverless, options: _options, log, loadTs });
    this.hooks = {
      'dynamodb:start:startHandler': () => dynamodbCommands.startCommand(commandContext()),
      'dynamodb:migrate:migrateHandler': () => dynamodbCommands.migrateCommand(commandContext()),
      'dynamodb:seed:seedHandler': () => dynamodbCommands.seedCommand(commandContext()),
      'offline:start:init': () => this.start(),
      // Plain `sls offline` has no ready hook: finish once the Lambda endpoint answers.
      'offline:start': () => this.start().then(() => void this.whenLambdaListens().then(() => this.ready())),
      'offline:start:ready': () => this.ready(),
      'offline:start:end': () => this.stop(),
      // `dev` is the offline stage (local endpoints, a localhost CORS origin, no deletion protection): refuse
      // `sls deploy` (stack or function) before anything is packaged or sent.
      initialize: () => {
        if (this.serverless.processedInput?.commands?.[0] === 'deploy') this.refuseOfflineStage();
      },
      'before:package:finalize': () => this.refuseDaxWithoutVpc(),
    };
  }

  async start() {
    if (this.started) return;
    this.started = true;
    patchStreamEmulator((message) => this.log.warning(message), this.eventSourceMappings());
    patchOfflineHttp({ allowedOrigins: this.serverless.service.provider.httpApi?.cors?.allowedOrigins ?? [] });
    // serverless-offline copies every AWS_* variable of this process into the Lambdas it runs,
    // and our own code here (seed, Cognito sync) reads the same: local credentials and region.
    Object.assign(process.env, LOCAL_AWS_ENV, { AWS_REGION: this.serverless.service.provider.region });
    const environment = this.serverless.service.provider.environment ?? {};
    const tableName = environment.TABLE_NAME;
    const port = Number(process.env.DYNAMODB_PORT ?? 8000);
    const dataPath = process.env.DYNAMODB_PATH ? path.resolve(ROOT, process.env.DYNAMODB_PATH) : undefined;

    let engine;
    const external = externalEndpoint(port);
    if (external) {
      engine = { endpoint: external };
    } else {
      try {
        const running = await startEngine({ port, host: '127.0.0.1', ...(dataPath ? { path: dataPath } : {}) });
        this.stops.push(() => running.stop());
        engine = running;
      } catch (error) {
        throw new this.serverless.classes.Error(describeStartError('local DynamoDB engine', port, error, 'DYNAMODB_PORT'));
      }
    }
    // Our own code in this process (seed) reads its settings from the same variables the Lambdas get.
    process.env.TABLE_NAME = tableName;
    process.env.DYNAMODB_ENDPOINT = engine.endpoint;
    // The Lambdas and the stream emulation use this engine's endpoint (the same URL as
    // serverless.yml's unless DYNAMODB_EXTERNAL names another).
    environment.DYNAMODB_ENDPOINT = engine.endpoint;
    const streamsOptions = this.serverless.service.custom?.['serverless-offline-dynamodb-streams'];
    if (streamsOptions) streamsOptions.endpoint = engine.endpoint;

    const table = await migrate({ endpoint: engine.endpoint, tableName });
    const where = external ? ', external engine' : dataPath ? `, data in ${dataPath}` : ', in memory';
    this.log.notice(`DynamoDB (local engine) ${engine.endpoint} — table ${tableName} ${table}${where}`);

    if (process.env.LOCAL_SEED !== 'false') {
      const { seed } = loadTs('../seeds/seed.ts');
      const summary = await seed();
      this.log.notice(
        `Seed: ${summary.usersCreated} users created (${summary.usersExisting} existed), ` +
          `${summary.conversationsCreated} conversations created (${summary.conversationsExisting} existed)`,
      );
    }

    const cognitoPort = Number(process.env.COGNITO_PORT ?? 9229);
    try {
      this.cognito = await startLocalCognito({ serverless: this.serverless, options: this.options, log: this.log, loadTs });
    } catch (error) {
      throw new this.serverless.classes.Error(describeStartError('local Cognito', cognitoPort, error, 'COGNITO_PORT'));
    }
    const cognito = this.cognito;
    this.stops.push(() => cognito.stop());
  }

  refuseOfflineStage() {
    const stage = this.serverless.service.provider.stage;
    if (stage === OFFLINE_STAGE) {
      throw new this.serverless.classes.Error(
        `The "${OFFLINE_STAGE}" stage is the offline one (local endpoints, a localhost CORS origin, no deletion protection): deploy another stage, e.g. --stage prod.`,
      );
    }
  }

  /**
   * `dax: true` needs `vpcMode: true` (the cluster lives in the private subnets). Read from the
   * DaxEnabled condition of resources/dax.yml, where both parameters are already resolved for the stage,
   * so a half-configured stage fails at package time instead of silently deploying no cache.
   */
  refuseDaxWithoutVpc() {
    const condition = this.serverless.service.resources?.Conditions?.DaxEnabled;
    const [dax, vpc] = (condition?.['Fn::And'] ?? []).map((/** @type {any} */ test) => {
      const [value, expected] = test?.['Fn::Equals'] ?? [];
      return value === expected;
    });
    if (dax && !vpc) {
      throw new this.serverless.classes.Error(
        'The dax parameter needs vpcMode: true (the DAX cluster lives in the VPC). Set both, or neither.',
      );
    }
  }

  /**
   * The event-source-mapping stand-in's settings for every function with a DynamoDB stream
   * event that reports partial batch failures, from that event in serverless.yml.
   * @returns {Record<string, import('./event-source-mapping').EventSourceMappingOptions>}
   */
  eventSourceMappings() {
    /** @type {Record<string, import('./event-source-mapping').EventSourceMappingOptions>} */
    const mappings = {};
    for (const [key, fn] of Object.entries(this.serverless.service.functions ?? {})) {
      const stream = /** @type {any} */ (fn.events ?? [])
        .map((/** @type {any} */ e) => e.stream)
        .find((/** @type {any} */ s) => s?.functionResponseType === 'ReportBatchItemFailures');
      if (!stream) continue;
      const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      mappings[key] = {
        maximumRetryAttempts: Number(stream.maximumRetryAttempts ?? 5),
        dlqFile: path.join(process.env.LOCAL_DLQ_DIR ?? path.join(ROOT, '.local', 'dlq'), `${kebab}.jsonl`),
        ...(process.env.STREAM_FAULT_MARKER ? { faultMarker: process.env.STREAM_FAULT_MARKER } : {}),
        log: (message) => this.log.error(message),
      };
    }
    return mappings;
  }

  /** After serverless-offline listens: what needs the offline Lambdas (the Cognito trigger). */
  async ready() {
    if (this.isReady || !this.cognito) return;
    this.isReady = true;
    await this.cognito.ready();
    this.log.notice('Local stack ready');
  }

  async whenLambdaListens() {
    const offline = this.serverless.service.custom?.['serverless-offline'] ?? {};
    const port = Number(this.options.lambdaPort ?? offline.lambdaPort ?? 3002);
    const host = String(this.options.host ?? offline.host ?? 'localhost');
    const net = require('node:net');
    for (;;) {
      const open = await new Promise((resolve) => {
        const socket = net.connect(port, host, () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop() {
    for (const stop of this.stops.reverse()) await stop().catch(() => undefined);
    this.stops = [];
  }
}

/**
 * Loads one of our TypeScript modules in this (plain Node) process: esbuild bundles it
 * (dependencies stay external) and we require the result. No require hook is installed:
 * serverless-offline loads the Lambdas' own bundles in this same process, and a global
 * TypeScript hook (tsx) made it resolve them to `.ts` files that do not exist.
 */
function loadTs(/** @type {string} */ specifier) {
  const entry = path.resolve(__dirname, specifier);
  const outfile = path.join(ROOT, '.local', 'build', `${path.relative(ROOT, entry).replace(/[\\/]/g, '_')}.cjs`);
  require('esbuild').buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    logLevel: 'warning',
  });
  return require(outfile);
}

/**
 * @param {string} what
 * @param {number} port
 * @param {unknown} error
 * @param {string} variable
 */
function describeStartError(what, port, error, variable) {
  const code = /** @type {{code?: string}} */ (error).code;
  if (code === 'EADDRINUSE') {
    return `Cannot start the ${what}: port ${port} is already in use. Stop whatever listens there, or set ${variable} to another port.`;
  }
  return `Cannot start the ${what}: ${/** @type {Error} */ (error).message}`;
}

module.exports = LocalStackPlugin;
