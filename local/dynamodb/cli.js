#!/usr/bin/env node
// @ts-check

/**
 * node local/dynamodb/cli.js [--port 8000] [--host 127.0.0.1] [--path ./.local/dynamodb]
 *                            [--region us-east-1] [--stream-retention-ms 86400000] [--verbose]
 *                            [--allowed-origin <origin>]... [--ttl-interval-ms 2000]
 *                            [--max-body-bytes <n>] [--body-timeout-ms <ms>] [--request-timeout-ms <ms>]
 */
const { start } = require('./index');

const USAGE =
  'usage: node local/dynamodb/cli.js [--port 8000] [--host 127.0.0.1] [--path <data folder>] ' +
  '[--region us-east-1] [--stream-retention-ms <ms>] [--verbose] [--allowed-origin <origin>]... [--ttl-interval-ms <ms>] ' +
  '[--max-body-bytes <n>] [--body-timeout-ms <ms>] [--request-timeout-ms <ms>]';

const NUMERIC = ['stream-retention-ms', 'ttl-interval-ms', 'max-body-bytes', 'body-timeout-ms', 'request-timeout-ms'];
/** A stop that has not finished by then (a wedged database close) exits anyway. */
const FORCED_EXIT_MS = 5000;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string | boolean | string[]>} */
  const out = {};
  /** @type {string[]} */
  const origins = [];
  out['allowed-origin'] = origins;
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--verbose') {
      out.verbose = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument: ${arg}`);
    const name = /** @type {string} */ (m[1]);
    let value = m[2];
    if (value == null) {
      value = argv[++i];
      if (value == null) throw new Error(`missing value for --${name}`);
    }
    if (name === 'allowed-origin') {
      origins.push(value);
      continue;
    }
    if (!['port', 'host', 'path', 'region', ...NUMERIC].includes(name)) throw new Error(`unknown option --${name}`);
    out[name] = value;
  }
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (/** @type {any} */ err) {
    console.error(`dynamodb engine: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const port = args.port == null ? 8000 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('dynamodb engine: --port must be an integer between 0 and 65535');
    process.exit(2);
  }
  /** @type {Record<string, number | undefined>} */
  const num = {};
  for (const name of NUMERIC) {
    const raw = args[name];
    if (raw == null) continue;
    const n = Number(raw);
    if (!(n > 0)) {
      console.error(`dynamodb engine: --${name} must be a positive number`);
      process.exit(2);
    }
    num[name] = n;
  }
  try {
    const engine = await start({
      port,
      host: typeof args.host === 'string' ? args.host : undefined,
      path: typeof args.path === 'string' ? args.path : undefined,
      region: typeof args.region === 'string' ? args.region : undefined,
      streamRetentionMs: num['stream-retention-ms'],
      ttlIntervalMs: num['ttl-interval-ms'],
      maxBodyBytes: num['max-body-bytes'],
      bodyTimeoutMs: num['body-timeout-ms'],
      requestTimeoutMs: num['request-timeout-ms'],
      allowedOrigins: /** @type {string[]} */ (args['allowed-origin']),
      log: args.verbose ? (msg) => console.error(`[dynamodb] ${msg}`) : undefined,
    });
    console.log(`dynamodb engine listening on ${engine.endpoint}${args.path ? ` (data: ${args.path})` : ' (in memory)'}`);
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      setTimeout(() => process.exit(1), FORCED_EXIT_MS).unref();
      engine.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } catch (/** @type {any} */ err) {
    if (err && err.code === 'EADDRINUSE') console.error(`dynamodb engine: port ${port} is already in use`);
    else if (err && err.code === 'EACCES') console.error(`dynamodb engine: no permission to listen on port ${port}`);
    else if (err && /LOCK|lock/.test(String(err.message)) && args.path)
      console.error(`dynamodb engine: data folder ${args.path} is in use by another process`);
    else console.error(`dynamodb engine: ${err?.message || err}`);
    process.exit(1);
  }
}

main();
