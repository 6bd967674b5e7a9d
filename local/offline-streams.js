// @ts-check
/**
 * Where serverless-offline-dynamodb-streams (8.x) differs from Lambda's event source mapping
 * in ways that matter to us, fixed by patching its poller class at start-up: see each part.
 * Its partial-batch and dead-letter gaps are closed by local/event-source-mapping.js, which
 * this patch puts between the emulator and the stream function.
 */
const { withEventSourceMapping } = require('./event-source-mapping');

/** The plugin's internal module (untyped) whose class owns the pollers; pinned 8.0.1. */
const EMULATOR_MODULE = 'serverless-offline-dynamodb-streams/src/dynamodb-streams';
/** Its checkpoint file reader and writer. */
const CHECKPOINT_MODULE = 'serverless-offline-dynamodb-streams/src/checkpoint-store';

/**
 * The plugin writes its checkpoint file in place (truncate, then write): a process stopped in
 * between leaves an empty file, which it reads as "no checkpoint", and a reader in between sees
 * invalid JSON. Offline, the file is written to a temporary file beside it and renamed over it,
 * so it is always the old state or the new one. The emulator module takes `saveState` by
 * destructuring when it loads, so this runs when this module loads (serverless.yml lists
 * local/serverless-plugin.js before the plugin) and fails loudly if the emulator loaded first.
 * @param {(id: string) => any} [load] for tests
 */
function atomicCheckpointWrites(load = require) {
  const fs = require('node:fs');
  const path = require('node:path');
  const store = load(CHECKPOINT_MODULE);
  if (store.saveState?.atomic) return;
  if (typeof store.saveState !== 'function') {
    throw new Error('serverless-offline-dynamodb-streams changed: saveState is gone; review local/offline-streams.js');
  }
  if (require.cache[require.resolve(EMULATOR_MODULE)]) {
    throw new Error(`${EMULATOR_MODULE} loaded before local/offline-streams.js: its checkpoint writes would not be atomic`);
  }
  /** @param {string} file @param {unknown} state */
  const saveState = (file, state) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state, null, 2), 'utf8');
    fs.renameSync(temporary, file);
  };
  saveState.atomic = true;
  store.saveState = saveState;
}
atomicCheckpointWrites();

/**
 * serverless-offline-dynamodb-streams polls through dynamodb-streams-readable, which turns any
 * failed DescribeStream / GetShardIterator / GetRecords into an 'error' on its stream and then
 * never reads again: one engine restart and the stream consumer is dead until the whole
 * `sls offline` restarts. AWS's event source mapping keeps polling. So, offline, the calls it
 * makes are retried while the engine is unreachable (connection refused/reset, timeouts, 5xx):
 * capped backoff, one line when the engine goes away and one when it is back. Shard iterators
 * are self-describing in our engine and survive its restart, so polling resumes where it was;
 * answers that are the caller's problem (expired or trimmed iterator, validation) pass through.
 */
const POLL_RETRY_MIN_MS = 100;
const POLL_RETRY_MAX_MS = 2000;

function isUnreachable(/** @type {any} */ error) {
  if (!error || typeof error !== 'object') return false;
  const status = error.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'];
  return codes.includes(error.code) || codes.includes(error.name) || ['TimeoutError', 'RequestTimeout'].includes(error.name);
}

/**
 * @param {Record<string, any>} client the readable's callback-style client
 * @param {(message: string) => void} warn
 */
function retryWhileUnreachable(client, warn) {
  let down = false;
  /** @param {string} method */
  const wrap = (method) => (/** @type {unknown} */ params, /** @type {(err: unknown, data?: unknown) => void} */ callback) => {
    const attempt = (/** @type {number} */ delayMs) =>
      client[method](params, (/** @type {unknown} */ err, /** @type {unknown} */ data) => {
        if (err && isUnreachable(err)) {
          if (!down)
            warn(`DynamoDB stream unreachable (${/** @type {Error} */ (err).message || err}); polling again until it is back`);
          down = true;
          setTimeout(() => attempt(Math.min(delayMs * 2, POLL_RETRY_MAX_MS)), delayMs).unref();
          return;
        }
        if (down && !err) {
          down = false;
          warn('DynamoDB stream reachable again; polling resumed');
        }
        callback(err, data);
      });
    attempt(POLL_RETRY_MIN_MS);
  };
  return {
    ...client,
    resilient: true,
    describeStream: wrap('describeStream'),
    getShardIterator: wrap('getShardIterator'),
    getRecords: wrap('getRecords'),
  };
}

const STREAM_READ_INTERVAL_MS = 100;

/**
 * The plugin keeps one resume point per stream shard (`<streamArn>::<shardId>`), shared by
 * every function on that stream. With two consumers (pattern E and the realtime fan-out) the
 * one that checkpoints last would move the other's resume point on a restart, and its records
 * in between would be skipped. Lambda keeps a position per event source mapping: so does
 * this, by handing the subscription a view of the poller whose checkpoints are keyed
 * `<streamArn>#<function>::<shardId>` (reads and writes alike; everything else is the poller's own).
 * @param {any} poller
 * @param {string} functionKey
 */
function perFunctionCheckpoints(poller, functionKey) {
  const tag = `#${functionKey}::`;
  return Object.create(poller, {
    checkpointState: {
      get() {
        /** @type {Record<string, string>} */
        const view = {};
        for (const [key, sequence] of Object.entries(poller.checkpointState ?? {})) {
          if (key.includes(tag)) view[key.replace(tag, '::')] = /** @type {string} */ (sequence);
        }
        return view;
      },
    },
    _advanceCheckpoint: {
      value: (/** @type {string} */ streamArn, /** @type {string} */ shardId, /** @type {string} */ sequenceNumber) =>
        poller._advanceCheckpoint(`${streamArn}#${functionKey}`, shardId, sequenceNumber),
    },
  });
}

/**
 * The emulator's poller class, or a loud error naming what moved: the plugin is listed in
 * serverless.yml, so a missing internal is an upgrade to review, never a reason to skip a patch.
 * @param {(id: string) => any} [load] for tests
 */
function emulatorClass(load = require) {
  /** @type {any} */
  let DynamodbStreams;
  try {
    DynamodbStreams = load(EMULATOR_MODULE);
  } catch (error) {
    throw new Error(
      `serverless-offline-dynamodb-streams changed: ${EMULATOR_MODULE} cannot be loaded (${/** @type {Error} */ (error).message}); review local/offline-streams.js`,
    );
  }
  const proto = DynamodbStreams?.prototype;
  // Internals of the pinned 8.0.1 (package.json): an upgrade that moves them must fail loudly.
  for (const method of ['_create', '_dynamodbStreamsEvent', '_describeTable', '_advanceCheckpoint']) {
    if (typeof proto?.[method] !== 'function') {
      throw new Error(`serverless-offline-dynamodb-streams changed: ${method} is gone; review local/offline-streams.js`);
    }
  }
  return DynamodbStreams;
}

/**
 * Patches serverless-offline-dynamodb-streams (once per process): pollers that survive an
 * engine restart, the real stream ARN on records, a 100 ms read interval, a resume point per
 * function, and the functions named in `mappings` invoked through the event-source-mapping stand-in.
 * @param {(message: string) => void} warn
 * @param {Record<string, import('./event-source-mapping').EventSourceMappingOptions>} [mappings] function key → options
 */
function patchStreamEmulator(warn, mappings = {}) {
  const proto = emulatorClass().prototype;
  if (proto.__retryWhileUnreachable) return;
  const create = proto._create;
  proto._create = function (/** @type {unknown[]} */ ...args) {
    if (!this.readableStreamsClient.resilient)
      this.readableStreamsClient = retryWhileUnreachable(this.readableStreamsClient, warn);
    // `this.lambda` is serverless-offline's Lambda pool; the emulator calls `get(key).runHandler()` on it.
    if (!this.lambda.__eventSourceMapping) {
      this.lambda = Object.assign(withEventSourceMapping(this.lambda, mappings), { __eventSourceMapping: true });
    }
    return create.apply(this, args);
  };
  // The plugin stamps every record's eventSourceARN with `arn:aws:dynamodb:<region>:undefined:<table>`
  // (no account, not a stream ARN). Lambda delivers the stream's ARN there, and the stream
  // handler copies it into its failure record (DLQ stand-in): give it the real one.
  const subscribe = proto._dynamodbStreamsEvent;
  proto._dynamodbStreamsEvent = async function (
    /** @type {unknown} */ functionKey,
    /** @type {unknown} */ destinations,
    /** @type {any} */ definition,
  ) {
    if (definition?.enabled !== false && definition?.tableName) {
      const described = await this._describeTable(definition.tableName).catch(() => undefined);
      const streamArn = described?.Table?.LatestStreamArn;
      if (streamArn) definition.arn = streamArn;
      // The reader polls GetRecords and then holds each batch for `readInterval` (500 ms by
      // default, not settable from serverless.yml): ~1 s of lag that AWS does not have.
      definition.readInterval ??= STREAM_READ_INTERVAL_MS;
    }
    return subscribe.call(perFunctionCheckpoints(this, String(functionKey)), functionKey, destinations, definition);
  };
  proto.__retryWhileUnreachable = true;
}

module.exports = { emulatorClass, patchStreamEmulator };
