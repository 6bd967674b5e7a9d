// @ts-check
'use strict'
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

const fs = require('fs')
const zlib = require('zlib')
const crypto = require('crypto')
const { PassThrough } = require('stream')
const internals = require('./dynalite-internals')
const { Streams } = require('./streams')
const { Transactions } = require('./transactions')
const errors = require('./errors')

const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000
const CONTROL_PLANE = new Set([ 'CreateTable', 'UpdateTable', 'DeleteTable', 'DescribeTable' ])

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
async function start (options = {}) {
  const host = options.host || '127.0.0.1'
  const region = options.region || 'us-east-1'
  const log = options.log || (() => {})
  if (options.path) fs.mkdirSync(options.path, { recursive: true })

  /** @type {Record<string, any>} */
  const dynaliteOptions = {
    createTableMs: options.createTableMs ?? 0,
    deleteTableMs: options.deleteTableMs ?? 0,
    updateTableMs: options.updateTableMs ?? 0,
  }
  if (options.path) dynaliteOptions.path = options.path
  if (options.maxItemSizeKb) dynaliteOptions.maxItemSizeKb = options.maxItemSizeKb

  const { server, store, handler } = internals.createDynalite(dynaliteOptions)
  store.tableDb.awsRegion = region // ARNs dynalite builds (TableArn, IndexArn) use the same region as ours

  const streams = new Streams({
    store,
    region,
    retentionMs: options.streamRetentionMs ?? DEFAULT_RETENTION_MS,
    iteratorTtlMs: options.iteratorTtlMs,
    itemSize: (item) => internals.db.itemSize(item),
    log,
  })
  try {
    await streams.load()
  }
  catch (err) {
    await closeStore(store)
    throw err
  }
  streams.startTrimming()

  const originalGetItemDb = store.getItemDb
  hookWrites(store, streams, originalGetItemDb)
  const transactions = new Transactions({ store, getItemDb: originalGetItemDb, streams })

  server.removeAllListeners('request')
  server.on('request', (req, res) => {
    const target = String(req.headers['x-amz-target'] || '')
    const dot = target.indexOf('.')
    const api = target.slice(0, dot), op = target.slice(dot + 1)
    if (req.method === 'POST') {
      if (api === 'DynamoDBStreams_20120810') return own(req, res, (data) => streams.api(op, data), log)
      if (api === 'DynamoDB_20120810') {
        if (op === 'TransactWriteItems') return own(req, res, (data) => transactions.write(data), log)
        if (op === 'TransactGetItems') return own(req, res, (data) => transactions.get(data), log)
        if (CONTROL_PLANE.has(op)) return controlPlane(req, res, op, { store, streams, handler, log })
      }
    }
    return handler(req, res)
  })

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => { server.removeListener('error', reject); resolve(undefined) })
    })
  }
  catch (err) {
    streams.stop()
    await closeStore(store)
    throw err
  }
  const address = /** @type {import('net').AddressInfo} */ (server.address())
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? '[' + host + ']' : host
  let stopped = false
  return {
    endpoint: 'http://' + shownHost + ':' + address.port,
    port: address.port,
    stop: async () => {
      if (stopped) return
      stopped = true
      streams.stop()
      await new Promise((resolve) => {
        server.close(() => resolve(undefined)) // dynalite's close also closes the LevelDB gracefully
        server.closeIdleConnections()
      })
    },
  }
}

/** @param {any} store */
function closeStore (store) {
  return new Promise((resolve) => store.db.close(() => resolve(undefined)))
}

/**
 * Makes dynalite's single-item writes (PutItem, UpdateItem, DeleteItem, and
 * BatchWriteItem which runs those) emit stream records. Only tables with an
 * enabled stream pay for it: dynalite's action already holds the item lock
 * when it calls put/del, so we read the old image, and commit the item and
 * its record in one atomic batch.
 * @param {any} store
 * @param {InstanceType<typeof Streams>} streams
 * @param {(name: string) => any} originalGetItemDb
 */
function hookWrites (store, streams, originalGetItemDb) {
  const hooked = new WeakMap()
  store.getItemDb = function (/** @type {string} */ name) {
    const real = originalGetItemDb(name)
    if (!streams.active(name)) return real
    let h = hooked.get(real)
    if (!h) {
      const pfx = internals.prefixes.item(name)
      /** @param {string} key @param {any} value @param {(err?: any) => void} cb */
      const write = (key, value, cb) => {
        real.get(key, (/** @type {any} */ err, /** @type {any} */ old) => {
          if (err && err.name !== 'NotFoundError') return cb(err)
          const records = streams.prepare([ { tableName: name, oldItem: old || null, newItem: value } ])
          const op = value ? { type: 'put', key: pfx + key, value } : { type: 'del', key: pfx + key }
          store.db.batch([ op, ...records.ops ], (/** @type {any} */ e) => { records.done(); cb(e) })
        })
      }
      h = Object.create(real)
      h.put = (/** @type {string} */ key, /** @type {any} */ value, /** @type {any} */ cb) => write(key, value, cb)
      h.del = (/** @type {string} */ key, /** @type {any} */ cb) => write(key, null, cb)
      hooked.set(real, h)
    }
    return h
  }
}

// ------------------------------------------------------------------ HTTP helpers

/** @param {import('http').IncomingMessage} req @returns {Promise<Buffer>} */
function readBody (req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * @param {import('http').ServerResponse} res
 * @param {number} status
 * @param {any} body
 * @param {string} [contentType]
 */
function send (res, status, body, contentType) {
  const text = JSON.stringify(body)
  const buf = Buffer.from(text, 'utf8')
  res.statusCode = status
  if (!res.hasHeader('x-amzn-RequestId')) res.setHeader('x-amzn-RequestId', crypto.randomBytes(39).toString('base64').toUpperCase().replace(/\+|\//g, '0'))
  res.setHeader('x-amz-crc32', zlib.crc32(buf))
  res.setHeader('Content-Type', contentType || 'application/x-amz-json-1.0')
  res.setHeader('Content-Length', buf.length)
  res.end(buf)
}

/**
 * @param {any} err
 * @param {import('http').ServerResponse} res
 * @param {(msg: string) => void} log
 */
function sendError (err, res, log) {
  if (err && err.statusCode && err.body) return send(res, err.statusCode, err.body)
  log('internal error: ' + ((err && err.stack) || err))
  send(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String((err && err.message) || err) })
}

/**
 * Serves an operation implemented by this engine.
 * @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res
 * @param {(data: any) => Promise<any>} fn
 * @param {(msg: string) => void} log
 */
async function own (req, res, fn, log) {
  try {
    const raw = (await readBody(req)).toString('utf8')
    let data
    try {
      data = JSON.parse(raw)
    }
    catch {
      throw errors.serialization('Start of structure or map found where not expected')
    }
    if (data == null || typeof data !== 'object' || Array.isArray(data)) throw errors.serialization('Request body must be a JSON object')
    send(res, 200, await fn(data))
  }
  catch (err) {
    sendError(err, res, log)
  }
}

/**
 * Runs a request through dynalite's handler with a buffered body, capturing the response.
 * @param {(req: any, res: any) => void} handler
 * @param {import('http').IncomingMessage} req
 * @param {Buffer} body
 * @returns {Promise<{ statusCode: number, headers: Record<string, any>, body: string }>}
 */
function callDynalite (handler, req, body) {
  return new Promise((resolve) => {
    const fakeReq = /** @type {any} */ (new PassThrough())
    fakeReq.headers = req.headers
    fakeReq.method = req.method
    fakeReq.url = req.url
    /** @type {Record<string, any>} */
    const headers = {}
    const fakeRes = {
      statusCode: 200,
      contentType: undefined,
      setHeader (/** @type {string} */ k, /** @type {any} */ v) { headers[k.toLowerCase()] = v },
      getHeader (/** @type {string} */ k) { return headers[k.toLowerCase()] },
      end (/** @type {any} */ b) { resolve({ statusCode: fakeRes.statusCode, headers, body: b == null ? '' : String(b) }) },
    }
    handler(fakeReq, fakeRes)
    fakeReq.end(body)
  })
}

/**
 * CreateTable / UpdateTable / DeleteTable / DescribeTable: dynalite does the
 * table work, we add stream state (dynalite drops StreamSpecification).
 * @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res
 * @param {string} op
 * @param {{ store: any, streams: InstanceType<typeof Streams>, handler: (req: any, res: any) => void, log: (msg: string) => void }} ctx
 */
async function controlPlane (req, res, op, ctx) {
  const { store, streams, handler, log } = ctx
  try {
    const body = await readBody(req)
    /** @type {any} */
    let data = null
    try { data = JSON.parse(body.toString('utf8')) }
    catch { data = null }
    if (!data || typeof data !== 'object' || typeof data.TableName !== 'string') {
      return relay(res, await callDynalite(handler, req, body)) // dynalite produces the right error
    }
    const tableName = data.TableName
    const spec = data.StreamSpecification != null && (op === 'CreateTable' || op === 'UpdateTable')
      ? Streams.parseSpec(data.StreamSpecification) : null

    if (op === 'UpdateTable' && spec) {
      const table = await new Promise((resolve, reject) => store.getTable(tableName, false, (/** @type {any} */ e, /** @type {any} */ t) => e ? reject(e) : resolve(t)))
      const active = streams.active(tableName)
      if (spec.enabled && active) throw errors.validation('Table already has an enabled stream: ' + active.StreamArn)
      if (!spec.enabled && !active) throw errors.validation('Table does not have an enabled stream to disable')
      const { StreamSpecification: _s, ...rest } = data
      let description = table
      if (Object.keys(rest).some((k) => k !== 'TableName' && rest[k] != null)) {
        const out = await callDynalite(handler, req, Buffer.from(JSON.stringify(rest)))
        if (out.statusCode !== 200) return relay(res, out)
        description = JSON.parse(out.body).TableDescription
      }
      if (spec.enabled) await streams.enable(tableName, /** @type {string} */ (spec.viewType), table.KeySchema)
      else await streams.disable(tableName)
      return send(res, 200, { TableDescription: { ...description, ...streams.describeFields(tableName) } })
    }

    const out = await callDynalite(handler, req, body)
    if (out.statusCode !== 200) return relay(res, out)
    const parsed = JSON.parse(out.body)
    if (op === 'CreateTable') {
      // a table created after a DeleteTable of the same name starts with no stream state
      if (streams.tables.has(tableName)) await streams.disable(tableName, true)
      if (spec && spec.enabled) await streams.enable(tableName, /** @type {string} */ (spec.viewType), parsed.TableDescription.KeySchema)
      Object.assign(parsed.TableDescription, streams.describeFields(tableName))
    }
    else if (op === 'DescribeTable') {
      Object.assign(parsed.Table, streams.describeFields(tableName))
    }
    else if (op === 'DeleteTable') {
      Object.assign(parsed.TableDescription, streams.describeFields(tableName))
      await streams.disable(tableName, true)
    }
    send(res, 200, parsed, out.headers['content-type'])
  }
  catch (err) {
    sendError(err, res, log)
  }
}

/**
 * @param {import('http').ServerResponse} res
 * @param {{ statusCode: number, headers: Record<string, any>, body: string }} out
 */
function relay (res, out) {
  res.statusCode = out.statusCode
  for (const [ k, v ] of Object.entries(out.headers)) res.setHeader(k, v)
  res.end(out.body)
}

module.exports = { start, DEFAULT_RETENTION_MS }
