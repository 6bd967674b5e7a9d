// @ts-check

/**
 * Local DynamoDB engine: dynalite + TransactWriteItems/TransactGetItems + DynamoDB Streams.
 *
 *   const { start } = require('./local/dynamodb')
 *   const engine = await start({ port: 0 })        // in memory, free port
 *   // engine.endpoint -> http://127.0.0.1:54321
 *   await engine.stop()
 *
 * Requests are routed on the X-Amz-Target header:
 *   DynamoDB_20120810.TransactWriteItems / TransactGetItems -> ./transactions.js
 *   DynamoDBStreams_20120810.*                              -> ./streams.js
 *   DynamoDB_20120810.CreateTable/UpdateTable/DeleteTable/DescribeTable
 *                                   -> dynalite, plus stream fields (StreamSpecification, LatestStreamArn, ...)
 *   everything else                 -> dynalite, untouched
 * Item writes made by dynalite's own actions (PutItem, UpdateItem, DeleteItem,
 * BatchWriteItem) are hooked at the store level to emit stream records.
 */

const fs = require('node:fs');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const { PassThrough } = require('node:stream');
const internals = require('./dynalite-internals');
const { isBooleanEquality } = internals;
const { Streams } = require('./streams');
const { Transactions } = require('./transactions');
const { TimeToLive, currentUserIdentity } = require('./ttl');
const expressions = require('./expressions');
const { GlobalIndexes } = require('./gsi');
const { TableSettings } = require('./settings');
const { indexWriteUnits, addIndexUnits, mergeUnits } = require('./capacity');
const errors = require('./errors');
const { indexKeyProblem, mayHaveIndexKeyProblem, collectionMetric } = require('./indexkeys');
const { checkCreateTable } = require('./tables');
const { attributeNameProblem } = require('./names');
const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks');

/**
 * @typedef {{ req: import('http').IncomingMessage, res: import('http').ServerResponse, op: string, body: string, log: (msg: string) => void, returnOld?: boolean, noCreate?: boolean, notCreated?: boolean, oldItems?: Map<string, any>, indexUnits?: Map<string, any> }} RequestScope
 *   oldItems: items this request read through a hooked item store (the old image of its writes)
 */
/** The request being served, carried through every callback and promise it causes. */
const requestScope = /** @type {AsyncLocalStorage<RequestScope>} */ (new AsyncLocalStorage());
internals.setReturnOldProbe(() => !!requestScope.getStore()?.returnOld);
internals.setOperationProbe(() => requestScope.getStore()?.op || '');
internals.onIndexWrite((table, oldItem, newItem) => {
  const scope = requestScope.getStore();
  if (!scope?.indexUnits) return;
  const units = indexWriteUnits(table, oldItem, newItem);
  const sum = scope.indexUnits.get(table.TableName);
  scope.indexUnits.set(table.TableName, sum ? mergeUnits(sum, units) : units);
});

const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Request bodies above this size get a 413 (DynamoDB's own request limit is 16 MB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** A request body not complete within this time gets a 400 and the connection is closed. */
const BODY_TIMEOUT_MS = 10 * 1000;
/** Every request is answered within this time (a 500 if the work has not finished). */
const REQUEST_TIMEOUT_MS = 30 * 1000;
const STOP_GRACE_MS = 1000;
/**
 * Attribute values nest at most 32 levels, the attribute itself being level 1: a scalar under 31
 * M / L wrappings is the deepest value DynamoDB accepts, 32 wrappings are refused, in items and in
 * ExpressionAttributeValues alike (captured from DynamoDB by nubo-db/dynamodb-conformance,
 * tests/tier3/limits/nestingDepth).
 */
const MAX_ATTRIBUTE_NESTING = 32;
const MAX_CONTAINER_NESTING = MAX_ATTRIBUTE_NESTING - 1;
/** JSON nesting allowed in a request body: 32 levels of M/L (two JSON levels each) plus the envelope. */
const MAX_JSON_DEPTH = 2 * MAX_ATTRIBUTE_NESTING + 12;
const DDB_TYPE = 'com.amazonaws.dynamodb.v20120810#';
const CONTROL_PLANE = new Set(['CreateTable', 'UpdateTable', 'DeleteTable', 'DescribeTable']);

/**
 * @typedef {object} StartOptions
 * @property {number} [port] TCP port; 0 (default) picks a free port
 * @property {string} [host] interface to bind (default 127.0.0.1)
 * @property {string} [path] data folder (LevelDB); omitted = in memory
 * @property {string} [region] region used in ARNs and stream records (default us-east-1)
 * @property {number} [streamRetentionMs] stream record retention (default 24 h)
 * @property {number} [iteratorTtlMs] shard iterator lifetime (default 15 min)
 * @property {number} [createTableMs] time tables stay CREATING (default 0: ACTIVE at once)
 * @property {number} [deleteTableMs] time tables stay DELETING (default 0)
 * @property {number} [updateTableMs] time tables stay UPDATING (default 0)
 * @property {number} [maxItemSizeKb] max item size (default 400)
 * @property {(msg: string) => void} [log] diagnostics sink (default: silent)
 * @property {string[]} [allowedOrigins] browser origins allowed to call the engine (default none:
 *   any request with an `Origin` header is refused)
 * @property {number} [maxBodyBytes] largest request body (default 16 MB)
 * @property {number} [bodyTimeoutMs] time to receive a request body (default 10 s)
 * @property {number} [requestTimeoutMs] time within which every request is answered (default 30 s)
 * @property {number} [ttlIntervalMs] how often expired items (Time to Live) are swept (default 2 s)
 *
 * @typedef {object} Engine
 * @property {string} endpoint e.g. http://127.0.0.1:8000
 * @property {number} port
 * @property {() => Promise<void>} stop closes the server and the database
 */

/**
 * @param {StartOptions} [options]
 * @returns {Promise<Engine>}
 */
async function start(options = {}) {
  const host = options.host || '127.0.0.1';
  const region = options.region || 'us-east-1';
  const log = options.log || (() => {});
  if (options.path) fs.mkdirSync(options.path, { recursive: true });

  /** @type {Record<string, any>} */
  const dynaliteOptions = {
    createTableMs: options.createTableMs ?? 0,
    deleteTableMs: options.deleteTableMs ?? 0,
    updateTableMs: options.updateTableMs ?? 0,
  };
  if (options.path) dynaliteOptions.path = options.path;
  if (options.maxItemSizeKb) dynaliteOptions.maxItemSizeKb = options.maxItemSizeKb;

  const { server, store, handler } = internals.createDynalite(dynaliteOptions);
  store.tableDb.awsRegion = region; // ARNs dynalite builds (TableArn, IndexArn) use the same region as ours

  const streams = new Streams({
    store,
    region,
    retentionMs: options.streamRetentionMs ?? DEFAULT_RETENTION_MS,
    iteratorTtlMs: options.iteratorTtlMs,
    itemSize: (item) => internals.db.itemSize(item),
    log,
  });
  try {
    await streams.load();
  } catch (err) {
    await closeStore(store);
    throw err;
  }
  streams.startTrimming();

  const ttl = new TimeToLive({
    store,
    intervalMs: options.ttlIntervalMs,
    itemPrefix: internals.prefixes.item,
    keyOf: (table, item) =>
      Object.fromEntries(table.KeySchema.map((/** @type {any} */ k) => [k.AttributeName, item[k.AttributeName]])),
    deleteItem: (data) =>
      new Promise((resolve, reject) => {
        internals.actions.deleteItem(store, data, (/** @type {any} */ err) => (err ? reject(err) : resolve(undefined)));
      }),
    log,
  });
  try {
    await ttl.load();
  } catch (err) {
    streams.stop();
    await closeStore(store);
    throw err;
  }
  ttl.start();

  const originalGetItemDb = store.getItemDb;
  hookWrites(store, streams, originalGetItemDb, ttl);
  const transactions = new Transactions({
    store,
    getItemDb: originalGetItemDb,
    streams,
    written: (tableName, item) => ttl.observe(tableName, item),
  });
  const gsi = new GlobalIndexes({ store, db: internals.db, prefixes: internals.prefixes, log });
  const settings = new TableSettings({ db: store.db, region });
  try {
    await settings.load();
  } catch (err) {
    ttl.stop();
    streams.stop();
    await closeStore(store);
    throw err;
  }

  const limits = {
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    bodyTimeoutMs: options.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  };
  const allowedOrigins = new Set(options.allowedOrigins || []);
  const guard = installProcessGuard();

  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const target = String(req.headers['x-amz-target'] || '');
    const dot = target.indexOf('.');
    const api = target.slice(0, dot),
      op = target.slice(dot + 1);
    /** @type {RequestScope} */
    const scope = { req, res, op: target, body: '', log };
    requestScope.run(scope, () => {
      const timer = setTimeout(() => {
        log(`request did not complete in ${limits.requestTimeoutMs} ms: ${describe(scope)}`);
        send(res, 500, { __type: `${DDB_TYPE}InternalServerError`, message: 'The request did not complete in time' });
      }, limits.requestTimeoutMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
      route(req, res, {
        api,
        op,
        scope,
        limits,
        allowedOrigins,
        log,
        handler,
        store,
        streams,
        transactions,
        ttl,
        gsi,
        settings,
      }).catch((err) => sendError(err, res, log, scope));
    });
  });

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.removeListener('error', reject);
        resolve(undefined);
      });
    });
  } catch (err) {
    streams.stop();
    ttl.stop();
    await closeStore(store);
    throw err;
  }
  const address = /** @type {import('net').AddressInfo} */ (server.address());
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopped = false;
  return {
    endpoint: `http://${shownHost}:${address.port}`,
    port: address.port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      streams.stop();
      ttl.stop();
      await gsi.settle();
      guard.release();
      await new Promise((resolve) => {
        server.close(() => resolve(undefined)); // dynalite's close also closes the LevelDB gracefully
        server.closeIdleConnections();
        // a client that holds a request open (a stalled body) does not delay the stop
        setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref();
      });
    },
  };
}

/** @param {any} store */
function closeStore(store) {
  return new Promise((resolve) => store.db.close(() => resolve(undefined)));
}

/**
 * Makes dynalite's single-item writes (PutItem, UpdateItem, DeleteItem, and BatchWriteItem which
 * runs those) emit stream records and report to the TTL queue. Only tables with an enabled stream
 * or TTL pay for it. dynalite's action holds the item lock from its read of the old item to its
 * write, so the old image is the one that read returned (kept for the request, keyed by item key:
 * no second read); the item and its record are committed in one atomic batch.
 * @param {any} store
 * @param {InstanceType<typeof Streams>} streams
 * @param {(name: string) => any} originalGetItemDb
 * @param {InstanceType<typeof TimeToLive>} ttl
 */
function hookWrites(store, streams, originalGetItemDb, ttl) {
  const hooked = new WeakMap();
  const noCreate = new WeakMap();
  const lockBound = new WeakSet();
  store.getItemDb = (/** @type {string} */ name) => {
    bindLock(originalGetItemDb(name));
    const db = observed(name);
    if (!requestScope.getStore()?.noCreate) return db;
    // a REMOVE-only UpdateItem on a missing item: DynamoDB writes nothing
    let w = noCreate.get(db);
    if (!w) {
      w = Object.create(db);
      w.put = (/** @type {string} */ key, /** @type {any} */ value, /** @type {(err?: any) => void} */ cb) => {
        db.get(key, (/** @type {any} */ err, /** @type {any} */ old) => {
          if (err && err.name !== 'NotFoundError') return cb(err);
          if (!old) {
            const scope = requestScope.getStore();
            if (scope) scope.notCreated = true;
            return cb();
          }
          db.put(key, value, cb);
        });
      };
      noCreate.set(db, w);
    }
    return w;
  };
  /**
   * dynalite's item lock starts a waiting request from the releasing request's callback, so the
   * waiter would run in the other request's context (requestScope, the TTL sweep's identity): its
   * index capacity, its `notCreated`, a TTL deletion's `userIdentity` would land on the wrong
   * request. Each waiter is bound to the context it asked for the lock in.
   * @param {any} db
   */
  function bindLock(db) {
    if (lockBound.has(db) || typeof db.lock !== 'function') return;
    const lock = db.lock;
    db.lock = (/** @type {any} */ key, /** @type {(...args: any[]) => any} */ exec) => lock(key, AsyncResource.bind(exec));
    lockBound.add(db);
  }

  /** @param {string} name */
  function observed(name) {
    const real = originalGetItemDb(name);
    if (!streams.active(name) && !ttl.tracks(name)) return real;
    let h = hooked.get(real);
    if (!h) {
      const pfx = internals.prefixes.item(name);
      /** @param {string} key @param {any} value @param {(err?: any) => void} cb */
      const write = (key, value, cb) => {
        if (!streams.active(name)) {
          /** @param {any} e */
          const done = (e) => {
            if (!e) ttl.observe(name, value);
            cb(e);
          };
          return value ? real.put(key, value, done) : real.del(key, done);
        }
        /** @param {any} old */
        const commit = (old) => {
          const records = streams.prepare([
            { tableName: name, oldItem: old || null, newItem: value, userIdentity: value ? undefined : currentUserIdentity() },
          ]);
          const op = value ? { type: 'put', key: pfx + key, value } : { type: 'del', key: pfx + key };
          store.db.batch([op, ...records.ops], (/** @type {any} */ e) => {
            records.done();
            if (!e) ttl.observe(name, value);
            cb(e);
          });
        };
        const seen = requestScope.getStore()?.oldItems;
        if (seen?.has(pfx + key)) {
          const old = seen.get(pfx + key);
          seen.delete(pfx + key);
          return commit(old);
        }
        real.get(key, (/** @type {any} */ err, /** @type {any} */ old) => {
          if (err && err.name !== 'NotFoundError') return cb(err);
          commit(old);
        });
      };
      h = Object.create(real);
      h.get = (/** @type {string} */ key, /** @type {(err: any, v?: any) => void} */ cb) => {
        real.get(key, (/** @type {any} */ err, /** @type {any} */ v) => {
          const scope = requestScope.getStore();
          if (scope && (!err || err.name === 'NotFoundError')) (scope.oldItems ||= new Map()).set(pfx + key, v ?? null);
          cb(err, v);
        });
      };
      h.put = (/** @type {string} */ key, /** @type {any} */ value, /** @type {any} */ cb) => write(key, value, cb);
      h.del = (/** @type {string} */ key, /** @type {any} */ cb) => write(key, null, cb);
      hooked.set(real, h);
    }
    return h;
  }
}

// ------------------------------------------------------------------ request pipeline

/**
 * @typedef {object} RouteContext
 * @property {string} api
 * @property {string} op
 * @property {RequestScope} scope
 * @property {{ maxBodyBytes: number, bodyTimeoutMs: number, requestTimeoutMs: number }} limits
 * @property {Set<string>} allowedOrigins
 * @property {(msg: string) => void} log
 * @property {(req: any, res: any) => void} handler dynalite's request handler
 * @property {any} store
 * @property {InstanceType<typeof Streams>} streams
 * @property {InstanceType<typeof Transactions>} transactions
 * @property {InstanceType<typeof TimeToLive>} ttl
 * @property {InstanceType<typeof GlobalIndexes>} gsi
 * @property {InstanceType<typeof TableSettings>} settings
 */

/**
 * Every request: browser-origin refusal, a bounded body read, JSON shape checks, then our
 * operations or dynalite's handler (always given a buffered body, so its answer is captured).
 * @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res
 * @param {RouteContext} ctx
 */
async function route(req, res, ctx) {
  const { api, op } = ctx;
  const origin = req.headers.origin;
  if (origin != null) {
    if (!ctx.allowedOrigins.has(String(origin))) {
      req.resume();
      res.setHeader('Connection', 'close');
      return send(res, 403, {
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: `Requests from browser origin ${JSON.stringify(String(origin))} are not allowed (allowedOrigins)`,
      });
    }
    res.setHeader('Access-Control-Allow-Origin', String(origin));
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      req.resume();
      const h = req.headers['access-control-request-headers'];
      if (h) res.setHeader('Access-Control-Allow-Headers', String(h));
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET');
      res.setHeader('Content-Length', 0);
      res.statusCode = 200;
      return res.end();
    }
  }

  const body = await readBody(req, ctx.limits);
  if (body == null) return; // too large or incomplete: already answered
  const text = body.toString('utf8');
  ctx.scope.body = text;
  /** @type {any} */
  let data;
  if (text.length) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (req.method === 'POST' && data !== undefined) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw errors.serialization('Request body must be a JSON object');
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH_SURE_OK && nestingTooDeep(data)) {
      throw errors.validation(
        'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
      );
    }
  }

  // a JSON null below the top level (a top-level null field is an absent one): dynalite's
  // validations read into it and throw, which would be a 500
  if (req.method === 'POST' && data && text.includes('null')) {
    const problem = nestedNullProblem(data);
    if (problem) throw errors.validation(problem);
  }

  // dynalite's duplicate check misses a set holding the empty member twice (SS ["", ""], BS)
  if (req.method === 'POST' && data && mayHoldTwoEmpties(text)) {
    const duplicate = emptyMemberTwice(data);
    if (duplicate) throw errors.validation(duplicate);
  }

  let forward = body;
  // only a body with a '+' can hold a number written with a leading '+'
  if (req.method === 'POST' && data && text.includes('+') && normalizeNumbers(data))
    forward = Buffer.from(JSON.stringify(data), 'utf8');

  if (req.method === 'POST') {
    if (api === 'DynamoDBStreams_20120810') return own(res, data, (d) => ctx.streams.api(op, d), ctx);
    if (api === 'DynamoDB_20120810') {
      if (op === 'TransactWriteItems') return own(res, data, (d) => ctx.transactions.write(d), ctx);
      if (op === 'TransactGetItems') return own(res, data, (d) => ctx.transactions.get(d), ctx);
      if (op === 'UpdateTimeToLive') return own(res, data, (d) => ctx.ttl.update(d), ctx);
      if (op === 'DescribeTimeToLive') return own(res, data, (d) => ctx.ttl.describe(d), ctx);
      if (data) precheck(op, data);
      if (data && op === 'CreateTable') checkCreateTable(data);
      if (data && op === 'Scan' && data.ConsistentRead === true && typeof data.IndexName === 'string') {
        // dynalite checks this on Query only
        const table = await new Promise((resolve) =>
          ctx.store.getTable(String(data.TableName), false, (/** @type {any} */ err, /** @type {any} */ t) =>
            resolve(err ? null : t),
          ),
        );
        const global = /** @type {any} */ (table)?.GlobalSecondaryIndexes || [];
        if (global.some((/** @type {any} */ i) => i.IndexName === data.IndexName)) {
          throw errors.validation('Consistent reads are not supported on global secondary indexes');
        }
      }
      if (data && TAG_OPERATIONS.has(op)) await checkTagTarget(op, data, ctx.store);
      if (data && (op === 'PutItem' || op === 'BatchWriteItem')) await checkIndexKeys(op, data, ctx.store);
      if (data && (op === 'PutItem' || op === 'UpdateItem' || op === 'DeleteItem'))
        ctx.scope.returnOld = data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
      if (data && op === 'UpdateItem') ctx.scope.noCreate = removesOnly(data);
      if (CONTROL_PLANE.has(op)) return controlPlane(req, res, op, forward, data, ctx);
    }
  }
  if (data && ITEM_WRITES.has(op) && (data.ReturnConsumedCapacity === 'TOTAL' || data.ReturnConsumedCapacity === 'INDEXES'))
    ctx.scope.indexUnits = new Map();
  const out = await callDynalite(ctx.handler, req, forward);
  if (out.statusCode === 200 && ctx.scope.notCreated) {
    // a REMOVE-only update of a missing item: nothing was created, so there is no new image
    const parsed = JSON.parse(out.body);
    if (data.ReturnValues === 'ALL_NEW' || data.ReturnValues === 'UPDATED_NEW') delete parsed.Attributes;
    return send(res, 200, parsed, out.headers['content-type']);
  }
  const emptyAttributes = op === 'UpdateItem' && out.body.includes('"Attributes":{}');
  const metricsWanted = data && data.ReturnItemCollectionMetrics === 'SIZE' && ITEM_WRITES.has(op);
  const indexUnits = ctx.scope.indexUnits;
  if (out.statusCode === 200 && (emptyAttributes || metricsWanted || indexUnits?.size)) {
    const parsed = JSON.parse(out.body);
    let changed = false;
    if (indexUnits?.size) {
      const entries = Array.isArray(parsed.ConsumedCapacity) ? parsed.ConsumedCapacity : [parsed.ConsumedCapacity];
      for (const entry of entries) {
        const charged = entry && indexUnits.get(entry.TableName);
        if (charged) addIndexUnits(entry, charged, data.ReturnConsumedCapacity);
      }
      changed = true;
    }
    if (emptyAttributes && parsed.Attributes && Object.keys(parsed.Attributes).length === 0) {
      // UPDATED_OLD / UPDATED_NEW naming nothing (REMOVE with UPDATED_NEW, a new attribute with
      // UPDATED_OLD): DynamoDB leaves Attributes out; dynalite sends an empty map
      delete parsed.Attributes;
      changed = true;
    }
    if (metricsWanted) {
      const metrics = await itemCollectionMetrics(op, data, ctx.store);
      if (metrics) {
        parsed.ItemCollectionMetrics = metrics;
        changed = true;
      }
    }
    if (changed) return send(res, 200, parsed, out.headers['content-type']);
  }
  relay(res, out, ctx);
}

const MAX_TOTAL_SEGMENTS = 1000000;
/** Operations whose TableName may be a table ARN in DynamoDB's current API model. */
const ARN_TABLE_OPERATIONS = new Set(['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan']);
const RETURN_VALUES = ['ALL_NEW', 'UPDATED_OLD', 'ALL_OLD', 'NONE', 'UPDATED_NEW'];
/** @type {Record<string, string>} Select values a ProjectionExpression may not accompany, as DynamoDB names them */
const PROJECTION_CONFLICT = {
  ALL_ATTRIBUTES: 'ALL_ATTRIBUTES',
  ALL_PROJECTED_ATTRIBUTES: 'ALL_PROJECTED_ATTRIBUTES',
  COUNT: 'only the Count',
};
const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;

const ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/**
 * ReturnItemCollectionMetrics=SIZE on a table with a local secondary index: the item collection's
 * key and DynamoDB's size estimate (a local collection is always far below 1 GB: [0, 1]). For
 * BatchWriteItem, per table, one entry per item collection written.
 * @param {string} op
 * @param {any} data
 * @param {any} store
 */
async function itemCollectionMetrics(op, data, store) {
  /** @param {string} name */
  const tableOf = (name) =>
    new Promise((resolve) =>
      store.getTable(name, false, (/** @type {any} */ err, /** @type {any} */ t) => resolve(err ? null : t)),
    );
  if (op !== 'BatchWriteItem') {
    const table = await tableOf(data.TableName);
    return collectionMetric(table, op === 'PutItem' ? data.Item : data.Key);
  }
  /** @type {Record<string, any[]>} */
  const byTable = {};
  for (const [name, writes] of Object.entries(data.RequestItems || {})) {
    if (!Array.isArray(writes)) continue;
    const table = await tableOf(name);
    const seen = new Set();
    for (const w of writes) {
      const metric = collectionMetric(table, w?.PutRequest?.Item || w?.DeleteRequest?.Key);
      const id = metric && JSON.stringify(metric.ItemCollectionKey);
      if (!metric || seen.has(id)) continue;
      seen.add(id);
      (byTable[name] ||= []).push(metric);
    }
  }
  return Object.keys(byTable).length ? byTable : null;
}

/**
 * Checks dynalite lacks (each of these once crashed it or was accepted wrongly).
 * @param {string} op
 * @param {any} data
 */
function precheck(op, data) {
  // Answers DynamoDB gives where dynalite's differ; texts captured from DynamoDB by
  // nubo-db/dynamodb-conformance (tests/tier3/error-messages, tests/tier3/validation-ordering).
  if (ARN_TABLE_OPERATIONS.has(op) && data.TableName === '') {
    // TableName may be an ARN on these operations (1 character at least): validation stops here
    throw errors.validation(
      "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (op === 'CreateTable' && typeof data.TableName === 'string') {
    const name = data.TableName;
    /** @type {string[]} */
    const found = [];
    const at = `Value '${name}' at 'tableName' failed to satisfy constraint: Member must`;
    if (!/^[a-zA-Z0-9_.-]+$/.test(name)) found.push(`${at} satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
    if (name.length < 3) found.push(`${at} have length greater than or equal to 3`);
    if (name.length > 255) found.push(`${at} have length less than or equal to 255`);
    if (found.length) {
      throw errors.validation(`${found.length} validation error${found.length > 1 ? 's' : ''} detected: ${found.join('; ')}`);
    }
  }
  if (op === 'UpdateItem' && data.ReturnValues != null && !RETURN_VALUES.includes(data.ReturnValues)) {
    // UpdateItem stops at this one (other operations report every invalid enum together)
    throw errors.validation(
      `1 validation error detected: Value '${String(data.ReturnValues)}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [${RETURN_VALUES.join(', ')}]`,
    );
  }
  if (op === 'Query' && typeof data.Limit === 'number' && data.Limit < 1) {
    // Query's wording (Scan keeps "Value '0' at 'limit'", as dynalite has it)
    throw errors.validation(
      "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  }
  if ((op === 'BatchGetItem' || op === 'BatchWriteItem') && data.RequestItems && typeof data.RequestItems === 'object') {
    const tables = Object.entries(data.RequestItems);
    if (!tables.length && !Array.isArray(data.RequestItems)) {
      throw errors.validation(`The requestItems parameter is required for ${op}`);
    }
    const max = op === 'BatchGetItem' ? MAX_BATCH_GET : MAX_BATCH_WRITE;
    for (const [name, v] of tables) {
      const list = op === 'BatchGetItem' ? v?.Keys : v;
      if (Array.isArray(list) && list.length > max) {
        throw errors.validation(
          `1 validation error detected: Value at 'RequestItems.${name}.member${op === 'BatchGetItem' ? '.Keys' : ''}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
        );
      }
    }
  }
  if ((op === 'TagResource' || op === 'CreateTable') && Array.isArray(data.Tags)) {
    data.Tags.forEach((/** @type {any} */ tag, /** @type {number} */ i) => {
      for (const field of ['Key', 'Value']) {
        if (!tag || typeof tag !== 'object' || tag[field] == null) {
          throw errors.validation(
            "1 validation error detected: Value null at 'tags." +
              (i + 1) +
              '.member.' +
              field.toLowerCase() +
              "' failed to satisfy constraint: Member must not be null",
          );
        }
      }
      // tag limits (AWS tagging rules): key 1-128 characters, value 0-256
      const at = `' at 'tags.${i + 1}.member.`;
      if (typeof tag.Key === 'string' && (tag.Key.length < 1 || tag.Key.length > 128)) {
        throw errors.validation(
          "1 validation error detected: Value '" +
            tag.Key +
            at +
            "key' failed to satisfy constraint: Member must have length " +
            (tag.Key.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 128'),
        );
      }
      if (typeof tag.Value === 'string' && tag.Value.length > 256) {
        throw errors.validation(
          "1 validation error detected: Value '" +
            tag.Value +
            at +
            "value' failed to satisfy constraint: Member must have length less than or equal to 256",
        );
      }
    });
  }
  if (op === 'Scan' || op === 'Query') {
    if (data.Segment != null && data.TotalSegments == null) {
      throw errors.validation(
        'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
      );
    }
    // key conditions never take a BOOL (the filter's may: see isBooleanEquality)
    if (op === 'Query' && data.KeyConditions && typeof data.KeyConditions === 'object') {
      for (const c of Object.values(data.KeyConditions)) {
        if (isBooleanEquality(c)) {
          throw errors.validation(
            `One or more parameter values were invalid: ComparisonOperator ${c.ComparisonOperator} is not valid for BOOL AttributeValue type`,
          );
        }
      }
    }
    // a projection goes with SPECIFIC_ATTRIBUTES only; DynamoDB reports this ahead of the
    // IndexName rule (texts captured by nubo-db/dynamodb-conformance, tests/tier1/{query,scan}/select)
    if (data.ProjectionExpression != null && Object.hasOwn(PROJECTION_CONFLICT, data.Select)) {
      throw errors.validation(`Cannot specify the ProjectionExpression when choosing to get ${PROJECTION_CONFLICT[data.Select]}`);
    }
    if (data.Select === 'ALL_PROJECTED_ATTRIBUTES' && data.IndexName == null) {
      throw errors.validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
    }
    if (data.Select === 'SPECIFIC_ATTRIBUTES' && data.ProjectionExpression == null && data.AttributesToGet == null) {
      // DynamoDB wraps this one in the validation envelope on Query, not on Scan
      const text = 'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES';
      throw errors.validation(op === 'Query' ? `1 validation error detected: ${text}` : text);
    }
    if (typeof data.TotalSegments === 'number' && data.TotalSegments > MAX_TOTAL_SEGMENTS) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          data.TotalSegments +
          "' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to " +
          MAX_TOTAL_SEGMENTS,
      );
    }
  }
  if (op === 'BatchGetItem' && data.RequestItems && typeof data.RequestItems === 'object') {
    // one table's block with ProjectionExpression and another's with AttributesToGet: DynamoDB
    // refuses the mix across the request as it does within a block (nubo-db/dynamodb-conformance,
    // tests/tier3/error-messages/batchGetItem); the text is the one for a block
    const blocks = Object.values(data.RequestItems).filter((b) => b && typeof b === 'object');
    const expression = blocks.some((b) => b.ProjectionExpression != null);
    if (expression && blocks.some((b) => b.AttributesToGet != null)) {
      throw errors.validation(
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
      );
    }
  }
  if ((op === 'BatchGetItem' || op === 'BatchWriteItem') && data.RequestItems && typeof data.RequestItems === 'object') {
    // DynamoDB counts the keys / writes of all tables together
    let count = 0;
    for (const v of Object.values(data.RequestItems)) {
      const list = op === 'BatchGetItem' ? v?.Keys : v;
      if (Array.isArray(list)) count += list.length;
    }
    if (count > (op === 'BatchGetItem' ? MAX_BATCH_GET : MAX_BATCH_WRITE)) {
      throw errors.validation(`Too many items requested for the ${op} call`);
    }
  }
  const badName = attributeNameProblem(op, data);
  if (badName) throw errors.validation(badName);
  // DeleteItem returns the old item or nothing: DynamoDB refuses the other (valid enum) values, as
  // ScyllaDB's test_delete_item_returnvalues (written to pass on DynamoDB) shows; dynalite took them.
  // The text is PutItem's for the same rule (DynamoDB's text for DeleteItem was not available).
  if (op === 'DeleteItem' && ['UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'].includes(data.ReturnValues)) {
    throw errors.validation('ReturnValues can only be ALL_OLD or NONE');
  }
  if ((op === 'PutItem' || op === 'UpdateItem' || op === 'DeleteItem') && data.ReturnValuesOnConditionCheckFailure != null) {
    const rv = data.ReturnValuesOnConditionCheckFailure;
    if (rv !== 'ALL_OLD' && rv !== 'NONE') {
      throw errors.validation(
        "1 validation error detected: Value '" +
          String(rv) +
          "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
      );
    }
  }
}

/** Only a body with two empty strings can hold a set with the empty member twice. @param {string} text */
const mayHoldTwoEmpties = (text) => {
  const first = text.indexOf('""');
  return first !== -1 && text.indexOf('""', first + 2) !== -1;
};

/** Fields whose value maps attribute names to attribute values, wherever they appear. */
const ATTRIBUTE_MAPS = new Set(['Item', 'Key', 'ExclusiveStartKey', 'ExpressionAttributeValues', 'M']);

/**
 * The answer for a JSON null below the request's top level, or null: DynamoDB's empty-value text
 * where an attribute value is expected (in an item, a key, a map or list value, or an attribute
 * value's type member), else its "Member must not be null" for the member's path (DynamoDB's
 * form: lowerCamel members, list positions from 1, `member` for an element or a map value).
 * One pass over the request, made only when its text holds `null`.
 * @param {Record<string, any>} root
 * @returns {string | null}
 */
function nestedNullProblem(root) {
  const EMPTY = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
  /** @type {{ value: any, path: string, kind: 'struct' | 'avMap' | 'avList' | 'av' | 'keys' }[]} */
  const stack = [];
  const lower = (/** @type {string} */ k) => k.charAt(0).toLowerCase() + k.slice(1);
  for (const [k, v] of Object.entries(root)) {
    if (v && typeof v === 'object') stack.push({ value: v, path: lower(k), kind: childKind('struct', k, v) });
  }
  while (stack.length) {
    const { value, path, kind } = /** @type {(typeof stack)[number]} */ (stack.pop());
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i + 1), v]) : Object.entries(value);
    for (const [k, v] of entries) {
      const member = Array.isArray(value) || kind === 'avMap' ? `${path}.${k}.member` : `${path}.${lower(k)}`;
      if (v === null) {
        if (kind === 'avMap' || kind === 'avList' || kind === 'av') return EMPTY;
        return `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;
      }
      if (typeof v === 'object') stack.push({ value: v, path: member, kind: childKind(kind, k, v) });
    }
  }
  return null;
}

/**
 * What a container inside a request holds, from its parent's kind and its own member name.
 * @param {'struct' | 'avMap' | 'avList' | 'av' | 'keys'} parent
 * @param {string} name
 * @param {any} value
 * @returns {'struct' | 'avMap' | 'avList' | 'av' | 'keys'}
 */
function childKind(parent, name, value) {
  if (parent === 'avMap' || parent === 'avList') return 'av';
  if (parent === 'keys') return 'avMap';
  if (parent === 'av') return name === 'M' ? 'avMap' : name === 'L' ? 'avList' : 'struct';
  if (ATTRIBUTE_MAPS.has(name) && !Array.isArray(value)) return 'avMap';
  if (name === 'Keys' && Array.isArray(value)) return 'keys';
  return 'struct';
}

/**
 * A string or binary set holding the empty member more than once is a duplicate, as DynamoDB
 * answers (`One or more parameter values were invalid: Input collection … contains duplicates`;
 * the rendering of the collection is ours, as dynalite renders a non-empty one).
 * @param {any} root
 * @returns {string | null}
 */
function emptyMemberTwice(root) {
  const found = findInTypedValues(root, (type, v) => {
    if ((type !== 'SS' && type !== 'BS') || !Array.isArray(v[type])) return undefined;
    const set = v[type];
    if (set.filter((/** @type {any} */ m) => m === '').length < 2) return SKIP;
    const shown = `[${set.join(', ')}]`;
    return type === 'SS'
      ? `One or more parameter values were invalid: Input collection ${shown} contains duplicates.`
      : `One or more parameter values were invalid: Input collection ${shown}of type BS contains duplicates.`;
  });
  return found ?? null;
}

/** What a `findInTypedValues` visitor returns to pass over a value without going into it. */
const SKIP = Symbol('skip');

/**
 * Walks a request body depth-first (iteratively: bodies nest deep) and calls `visit` on every
 * object with exactly one member, the shape of an attribute value (`{ N: "1" }`, `{ SS: [...] }`).
 * `visit` returns undefined to go on into the value, SKIP to pass over it, anything else to end
 * the walk with that answer.
 * @param {any} root
 * @param {(type: string, value: any) => any} visit
 */
function findInTypedValues(root, visit) {
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (!Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        const out = visit(/** @type {string} */ (keys[0]), v);
        if (out === SKIP) continue;
        if (out !== undefined) return out;
      }
    }
    for (const k in v) if (v[k] && typeof v[k] === 'object') stack.push(v[k]);
  }
  return undefined;
}

/**
 * DynamoDB accepts a leading `+` on numbers ("+5" is stored as 5); dynalite refuses it.
 * Rewrites `{ N: "+..." }` and `{ NS: ["+...", ...] }` in place; true if anything changed.
 * @param {any} root
 */
function normalizeNumbers(root) {
  let changed = false;
  const plus = /^(\s*)\+/;
  /** @param {any} n */
  const strip = (n) => {
    if (typeof n !== 'string' || !plus.test(n)) return n;
    changed = true;
    return n.replace(plus, '$1');
  };
  findInTypedValues(root, (type, v) => {
    if (type === 'N') v.N = strip(v.N);
    else if (type === 'NS' && Array.isArray(v.NS)) v.NS = v.NS.map(strip);
    else return undefined;
    return SKIP;
  });
  return changed;
}

const TAG_OPERATIONS = new Set(['TagResource', 'UntagResource', 'ListTagsOfResource']);
const TABLE_ARN = /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/([a-zA-Z0-9_.-]{3,255})$/;

/**
 * DynamoDB's answers for a tag request's ResourceArn: a malformed ARN is a ValidationException,
 * a well-formed ARN of a table that does not exist is AccessDeniedException.
 * @param {string} op
 * @param {any} data
 * @param {any} store
 */
async function checkTagTarget(op, data, store) {
  const arn = data.ResourceArn;
  if (typeof arn !== 'string') return; // dynalite reports a missing or mistyped ARN
  const m = TABLE_ARN.exec(arn);
  if (!m) throw errors.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  const exists = await new Promise((resolve) => store.getTable(m[1], false, (/** @type {any} */ err) => resolve(!err)));
  if (!exists) {
    throw errors.apiError(
      'com.amazon.coral.service#AccessDeniedException',
      'User: arn:aws:iam::000000000000:user/local is not authorized to perform: dynamodb:' +
        op +
        ' on resource: ' +
        arn +
        ' because no resource-based policy allows the dynamodb:' +
        op +
        ' action',
    );
  }
}

/**
 * Secondary index keys of PutItem / BatchWriteItem items, checked before anything else (an empty
 * string or binary, or a value over the key size limits, is refused; dynalite stores them).
 * Updates and transactions are checked where dynalite writes the index (dynalite-internals.js).
 * @param {string} op
 * @param {any} data
 * @param {any} store
 */
async function checkIndexKeys(op, data, store) {
  /** @type {[string, any][]} */
  const writes = [];
  if (op === 'PutItem' && typeof data.TableName === 'string') writes.push([data.TableName, data.Item]);
  if (op === 'BatchWriteItem' && data.RequestItems && typeof data.RequestItems === 'object') {
    for (const [name, list] of Object.entries(data.RequestItems)) {
      if (Array.isArray(list)) for (const w of list) if (w?.PutRequest) writes.push([name, w.PutRequest.Item]);
    }
  }
  for (const [name, item] of writes) {
    // only an item holding an empty or long string / binary needs its table's index keys (a table read)
    if (!mayHaveIndexKeyProblem(item)) continue;
    const table = await new Promise((resolve) =>
      store.getTable(name, false, (/** @type {any} */ err, /** @type {any} */ t) => resolve(err ? null : t)),
    );
    if (!table) continue; // dynalite reports the missing table
    const problem = indexKeyProblem(table, item);
    if (problem) throw errors.validation(problem.put);
  }
}

/**
 * An UpdateItem that only removes (REMOVE / DELETE sections, or AttributeUpdates that all
 * DELETE): on a missing item DynamoDB creates nothing.
 * @param {any} data
 */
function removesOnly(data) {
  if (typeof data.UpdateExpression === 'string') {
    try {
      const parsed = expressions.parseUpdate(data.UpdateExpression, {
        attrNames: data.ExpressionAttributeNames || {},
        attrVals: data.ExpressionAttributeValues || {},
      });
      return (
        typeof parsed === 'object' && parsed.sections.every((/** @type {any} */ s) => s.type === 'remove' || s.type === 'delete')
      );
    } catch {
      return false;
    }
  }
  const updates = data.AttributeUpdates;
  if (data.UpdateExpression == null && updates && typeof updates === 'object') {
    const all = Object.values(updates);
    return all.length > 0 && all.every((u) => u && typeof u === 'object' && u.Action === 'DELETE');
  }
  return false;
}

/**
 * Every attribute-value level (`{"M": {…}}` or `{"L": […]}`) is at least two JSON levels, under at
 * least two of the envelope (body, item): a body whose JSON nests no deeper than this cannot nest
 * attribute values more than 32 levels, nor JSON more than MAX_JSON_DEPTH, so it needs no walk.
 */
const MAX_JSON_DEPTH_SURE_OK = 2 * MAX_CONTAINER_NESTING + 2;

/**
 * The deepest nesting of objects and arrays in a JSON text (string contents skipped); one pass
 * over the characters, far cheaper than walking the parsed value.
 * @param {string} text
 */
function jsonDepth(text) {
  let depth = 0,
    max = 0,
    inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * True when a body nests attribute values more than 32 levels deep (DynamoDB's limit), or
 * its JSON more than MAX_JSON_DEPTH levels. Iterative: a hostile body can nest a million levels.
 * An attribute value level is an object whose only key is `M` or `L`.
 * @param {any} root
 */
function nestingTooDeep(root) {
  /** @type {[any, number, number][]} value, JSON depth, attribute-value depth */
  const stack = [[root, 1, 0]];
  while (stack.length) {
    const [v, depth, avDepth] = /** @type {[any, number, number]} */ (stack.pop());
    if (depth > MAX_JSON_DEPTH) return true;
    let keys = 0,
      only = '';
    for (const k in v) {
      keys++;
      only = k;
    }
    const av = avDepth + (keys === 1 && (only === 'M' || only === 'L') ? 1 : 0);
    if (av > MAX_CONTAINER_NESTING) return true;
    for (const k in v) {
      const child = v[k];
      if (child && typeof child === 'object') stack.push([child, depth + 1, av]);
    }
  }
  return false;
}

/**
 * Reads the body with a size limit and a deadline; answers (and returns null) when either is hit.
 * @param {import('http').IncomingMessage} req
 * @param {{ maxBodyBytes: number, bodyTimeoutMs: number }} limits
 * @returns {Promise<Buffer | null>}
 */
function readBody(req, limits) {
  const res = /** @type {import('http').ServerResponse} */ (/** @type {any} */ (req).res || requestScope.getStore()?.res);
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let done = false;
    /** @param {Buffer | null} value */
    const finish = (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    /** @param {number} status @param {string} type @param {string} message */
    const refuse = (status, type, message) => {
      req.removeAllListeners('data');
      req.resume();
      res.setHeader('Connection', 'close');
      send(res, status, { __type: type, message });
      finish(null);
    };
    const timer = setTimeout(() => {
      refuse(
        400,
        'com.amazon.coral.service#SerializationException',
        `The request body was not received completely within ${limits.bodyTimeoutMs} ms`,
      );
      req.destroy();
    }, limits.bodyTimeoutMs);
    timer.unref();
    req.on('data', (/** @type {Buffer} */ c) => {
      size += c.length;
      if (size > limits.maxBodyBytes) {
        refuse(
          413,
          'com.amazon.coral.validate#ValidationException',
          `Request body exceeds the maximum allowed size of ${limits.maxBodyBytes} bytes`,
        );
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => finish(Buffer.concat(chunks)));
    req.on('error', () => finish(null));
    req.on('aborted', () => finish(null));
  });
}

/** @param {RequestScope} scope */
function describe(scope) {
  const body = scope.body.length > 2000 ? `${scope.body.slice(0, 2000)}... (${scope.body.length} chars)` : scope.body;
  return `${scope.req.method || ''} ${scope.op || '(no X-Amz-Target)'} ${body}`;
}

let guardUsers = 0;
/** @type {((err: any) => void) | null} */
let onUncaught = null;
/** @type {((reason: any, promise: Promise<any>) => void) | null} */
let onUnhandled = null;

/**
 * Process-wide last resort: an exception or rejection escaping from the work of a request
 * (dynalite's handler rethrows internal errors from inside callbacks) is logged with that
 * request, which gets a 500 in DynamoDB's shape; the process stays up. Errors that did not
 * come from a request keep Node's default behaviour (print and exit) when nobody else listens.
 * @returns {{ release(): void }}
 */
function installProcessGuard() {
  if (guardUsers++ === 0) {
    onUncaught = (err) => handleEscaped(err, 'uncaughtException');
    onUnhandled = (reason) => handleEscaped(reason, 'unhandledRejection');
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (--guardUsers === 0) {
        if (onUncaught) process.removeListener('uncaughtException', onUncaught);
        if (onUnhandled) process.removeListener('unhandledRejection', onUnhandled);
        onUncaught = onUnhandled = null;
      }
    },
  };
}

/** @param {any} err @param {'uncaughtException' | 'unhandledRejection'} kind */
function handleEscaped(err, kind) {
  const scope = requestScope.getStore();
  if (scope) {
    scope.log(`internal error (${kind}) while serving ${describe(scope)}: ${err?.stack || err}`);
    if (!scope.res.headersSent && !scope.res.writableEnded) {
      send(scope.res, 500, { __type: `${DDB_TYPE}InternalServerError`, message: 'Internal server error' });
    }
    return;
  }
  if (process.listenerCount(kind) > 1) return; // someone else owns process-level errors
  console.error(kind === 'uncaughtException' ? 'Uncaught exception:' : 'Unhandled rejection:', err?.stack || err);
  process.exit(1);
}

// ------------------------------------------------------------------ HTTP helpers

/**
 * @param {import('http').ServerResponse} res
 * @param {number} status
 * @param {any} body
 * @param {string} [contentType]
 */
function send(res, status, body, contentType) {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  const buf = Buffer.from(text, 'utf8');
  res.statusCode = status;
  if (!res.hasHeader('x-amzn-RequestId'))
    res.setHeader('x-amzn-RequestId', crypto.randomBytes(39).toString('base64').toUpperCase().replace(/\+|\//g, '0'));
  res.setHeader('x-amz-crc32', zlib.crc32(buf));
  res.setHeader('Content-Type', contentType || 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', buf.length);
  res.end(buf);
}

/**
 * @param {any} err
 * @param {import('http').ServerResponse} res
 * @param {(msg: string) => void} log
 * @param {RequestScope} [scope]
 */
function sendError(err, res, log, scope) {
  if (err?.statusCode && err.body) return send(res, err.statusCode, err.body);
  log(`internal error while serving ${scope ? describe(scope) : '?'}: ${err?.stack || err}`);
  send(res, 500, { __type: `${DDB_TYPE}InternalServerError`, message: 'Internal server error' });
}

/**
 * Serves an operation implemented by this engine.
 * @param {import('http').ServerResponse} res
 * @param {any} data parsed body (undefined when it was empty or not JSON)
 * @param {(data: any) => Promise<any>} fn
 * @param {RouteContext} ctx
 */
async function own(res, data, fn, ctx) {
  try {
    if (data === undefined) throw errors.serialization('Start of structure or map found where not expected');
    send(res, 200, await fn(data));
  } catch (err) {
    sendError(err, res, ctx.log, ctx.scope);
  }
}

/**
 * Runs a request through dynalite's handler with a buffered body, capturing the response.
 * @param {(req: any, res: any) => void} handler
 * @param {import('http').IncomingMessage} req
 * @param {Buffer} body
 * @returns {Promise<{ statusCode: number, headers: Record<string, any>, body: string }>}
 */
function callDynalite(handler, req, body) {
  return new Promise((resolve) => {
    const fakeReq = /** @type {any} */ (new PassThrough());
    const { origin: _origin, ...headers } = req.headers; // origin policy is ours (dynalite answers '*')
    fakeReq.headers = headers;
    fakeReq.method = req.method;
    fakeReq.url = req.url;
    /** @type {Record<string, any>} */
    const out = {};
    const fakeRes = {
      statusCode: 200,
      contentType: undefined,
      setHeader(/** @type {string} */ k, /** @type {any} */ v) {
        out[k.toLowerCase()] = v;
      },
      getHeader(/** @type {string} */ k) {
        return out[k.toLowerCase()];
      },
      end(/** @type {any} */ b) {
        resolve({ statusCode: fakeRes.statusCode, headers: out, body: b == null ? '' : String(b) });
      },
    };
    handler(fakeReq, fakeRes);
    fakeReq.end(body);
  });
}

/**
 * CreateTable / UpdateTable / DeleteTable / DescribeTable: dynalite does the
 * table work, we add stream state (dynalite drops StreamSpecification).
 * @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res
 * @param {string} op
 * @param {Buffer} body
 * @param {any} data the parsed body (undefined if it did not parse)
 * @param {RouteContext} ctx
 */
async function controlPlane(req, res, op, body, data, ctx) {
  const { store, streams, handler, log, settings } = ctx;
  try {
    if (!data || typeof data !== 'object' || typeof data.TableName !== 'string') {
      return relay(res, await callDynalite(handler, req, body), ctx); // dynalite produces the right error
    }
    const tableName = data.TableName;
    if (op === 'CreateTable' || op === 'UpdateTable') TableSettings.validate(data);
    if (op === 'DeleteTable') settings.checkDeletable(tableName);
    /** @param {any} description */
    const withSettings = (description) => Object.assign(description, settings.describeFields(tableName));
    if (op === 'UpdateTable' && TableSettings.onlySettings(data)) {
      const table = await new Promise((resolve, reject) =>
        store.getTable(tableName, false, (/** @type {any} */ e, /** @type {any} */ t) => (e ? reject(e) : resolve(t))),
      );
      // a table being created, updated or deleted is in use (and a deleting one has forgotten its settings)
      if (table.TableStatus !== 'ACTIVE') {
        const doing = { CREATING: 'created', UPDATING: 'updated', DELETING: 'deleted' }[String(table.TableStatus)] ?? 'changed';
        throw errors.apiError(
          `${errors.DDB}ResourceInUseException`,
          `Attempt to change a resource which is still in use: Table is being ${doing}: ${tableName}`,
        );
      }
      await settings.update(tableName, data);
      const description = { ...table, ...streams.describeFields(tableName), TableId: asUuid(table.TableId) };
      return send(res, 200, { TableDescription: withSettings(description) });
    }
    const spec =
      data.StreamSpecification != null && (op === 'CreateTable' || op === 'UpdateTable')
        ? Streams.parseSpec(data.StreamSpecification)
        : null;

    if (op === 'UpdateTable' && GlobalIndexes.handles(data)) {
      const out = await ctx.gsi.update(data);
      if (TableSettings.named(data)) await settings.update(tableName, data);
      Object.assign(out.TableDescription, streams.describeFields(tableName));
      withSettings(out.TableDescription);
      out.TableDescription.TableId = asUuid(out.TableDescription.TableId);
      return send(res, 200, out);
    }
    if (op === 'UpdateTable' && spec) {
      const table = await new Promise((resolve, reject) =>
        store.getTable(tableName, false, (/** @type {any} */ e, /** @type {any} */ t) => (e ? reject(e) : resolve(t))),
      );
      const active = streams.active(tableName);
      if (spec.enabled && active) throw errors.validation(`Table already has an enabled stream: ${active.StreamArn}`);
      if (!spec.enabled && !active) throw errors.validation('Table does not have an enabled stream to disable');
      const { StreamSpecification: _s, ...rest } = data;
      let description = table;
      if (Object.keys(rest).some((k) => k !== 'TableName' && rest[k] != null)) {
        const out = await callDynalite(handler, req, Buffer.from(JSON.stringify(rest)));
        if (out.statusCode !== 200) return relay(res, out, ctx);
        description = JSON.parse(out.body).TableDescription;
      }
      if (spec.enabled) await streams.enable(tableName, /** @type {string} */ (spec.viewType), table.KeySchema);
      else await streams.disable(tableName);
      if (TableSettings.named(data)) await settings.update(tableName, data);
      return send(res, 200, { TableDescription: withSettings({ ...description, ...streams.describeFields(tableName) }) });
    }

    const out = await callDynalite(handler, req, body);
    if (out.statusCode !== 200) {
      if (op === 'CreateTable' && /ResourceInUseException/.test(out.body)) {
        return send(res, 400, { __type: `${DDB_TYPE}ResourceInUseException`, message: `Table already exists: ${tableName}` });
      }
      return relay(res, out, ctx);
    }
    const parsed = JSON.parse(out.body);
    if (op === 'CreateTable' && Array.isArray(data.Tags) && data.Tags.length) {
      // dynalite ignores CreateTable's Tags: store them where TagResource does
      const puts = data.Tags.map((/** @type {any} */ t) => ({ type: 'put', key: t.Key, value: t.Value }));
      await new Promise((resolve, reject) =>
        store.getTagDb(tableName).batch(puts, (/** @type {any} */ e) => (e ? reject(e) : resolve(undefined))),
      );
    }
    if (op === 'UpdateTable') {
      if (TableSettings.named(data)) await settings.update(tableName, data);
      Object.assign(parsed.TableDescription, streams.describeFields(tableName));
      withSettings(parsed.TableDescription);
    }
    const description = parsed.TableDescription || parsed.Table;
    if (description && typeof description.TableId === 'string') description.TableId = asUuid(description.TableId);
    if (op === 'CreateTable') {
      // a table created after a DeleteTable of the same name starts with no stream or TTL state
      await ctx.ttl.forget(tableName);
      if (streams.tables.has(tableName)) await streams.disable(tableName, true);
      if (spec?.enabled)
        await streams.enable(tableName, /** @type {string} */ (spec.viewType), parsed.TableDescription.KeySchema);
      await settings.forget(tableName);
      await settings.create(tableName, data);
      Object.assign(parsed.TableDescription, streams.describeFields(tableName));
      withSettings(parsed.TableDescription);
    } else if (op === 'DescribeTable') {
      Object.assign(parsed.Table, streams.describeFields(tableName));
      withSettings(parsed.Table);
    } else if (op === 'DeleteTable') {
      Object.assign(parsed.TableDescription, streams.describeFields(tableName));
      withSettings(parsed.TableDescription);
      await settings.forget(tableName);
      await streams.disable(tableName, true);
      await ctx.ttl.forget(tableName);
    }
    send(res, 200, parsed, out.headers['content-type']);
  } catch (err) {
    sendError(err, res, log, ctx.scope);
  }
}

/**
 * dynalite's TableId is not a UUID (its last group has 8 digits): DynamoDB's is. The same
 * table id always maps to the same UUID (version 4 layout, from a hash of dynalite's id).
 * @param {string} id
 */
function asUuid(id) {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return id;
  const h = crypto.createHash('sha256').update(id).digest('hex');
  const variant = '89ab'.charAt(parseInt(h.charAt(16), 16) % 4);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * @param {import('http').ServerResponse} res
 * @param {{ statusCode: number, headers: Record<string, any>, body: string }} out
 * @param {RouteContext} _ctx
 */
function relay(res, out, _ctx) {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = out.statusCode;
  for (const [k, v] of Object.entries(out.headers)) {
    if (k === 'access-control-allow-origin') continue;
    res.setHeader(k, v);
  }
  res.end(out.body);
}

module.exports = { start, DEFAULT_RETENTION_MS };
