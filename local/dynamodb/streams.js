// @ts-check

/**
 * DynamoDB Streams for the local engine.
 *
 * Storage: stream metadata and records live in dynalite's own LevelDB (same
 * database as the items, under keys starting with `$streams~`, a prefix no
 * dynalite table key can have), so an item write and its stream record are
 * committed in ONE atomic batch, and both survive a restart when a data folder
 * is used.
 *
 * Model: one shard per stream (per table). Sequence numbers are global,
 * increasing, fixed-width (21 digit) numeric strings, so per-item order and
 * per-table order are both preserved.
 */

const crypto = require('node:crypto');
const { itemEquals } = require('./attr');
const errors = require('./errors');

const ROOT = '$streams~';
const META = `${ROOT}meta~`; // + streamArn -> StreamMeta
const TABLE = `${ROOT}table~`; // + tableName -> TableStreamState
const REC = `${ROOT}rec~`; // + the stream's record id + '~' + seq -> stored record (see recPrefix, storedRecord)

const SEQ_BASE = 10n ** 20n; // first sequence number is 100000000000000000001 (21 digits)
const ITERATOR_TTL_MS = 15 * 60 * 1000;
const VIEW_TYPES = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

/**
 * @typedef {{ StreamArn: string, StreamLabel: string, TableName: string, KeySchema: any[],
 *   StreamViewType: string, StreamStatus: 'ENABLED' | 'DISABLED', CreationRequestDateTime: number,
 *   ShardId: string, StartingSequenceNumber: string, EndingSequenceNumber?: string, trimmedUpTo: string,
 *   recId?: string }} StreamMeta  recId: see recPrefix
 * @typedef {{ TableName: string, current: string | null, latestArn: string, latestLabel: string }} TableStreamState
 * @typedef {{ tableName: string, oldItem: any, newItem: any, userIdentity?: { Type: string, PrincipalId: string } }} Change  userIdentity: set on TTL deletions
 */

/** @param {bigint} n */
const seqStr = (n) => n.toString();
/** @param {string} s */
const seqNum = (s) => BigInt(s);

/**
 * Where a stream's records are kept: `$streams~rec~<recId>~<seq>`. The record id is 8 characters
 * drawn at random when the stream is enabled; streams enabled by earlier versions have none and
 * keep their records under their ARN (about 90 characters, held in memory once per record: ~90 MB
 * a day at a million writes).
 * @param {StreamMeta} meta
 */
function recPrefix(meta) {
  return `${REC}${meta.recId ?? meta.StreamArn}~`;
}

/** @param {string} s */
function isSeq(s) {
  return typeof s === 'string' && /^\d{1,40}$/.test(s);
}

class Streams {
  /**
   * @param {{ store: any, region: string, retentionMs: number, iteratorTtlMs?: number, itemSize: (item: any) => number, log?: (msg: string) => void }} opts
   */
  constructor(opts) {
    this.store = opts.store;
    this.db = opts.store.db;
    this.region = opts.region;
    this.retentionMs = opts.retentionMs;
    this.iteratorTtlMs = opts.iteratorTtlMs || ITERATOR_TTL_MS;
    this.itemSize = opts.itemSize;
    this.log = opts.log || (() => {});
    /** @type {Map<string, StreamMeta>} */
    this.metas = new Map();
    /** @type {Map<string, TableStreamState>} */
    this.tables = new Map();
    /** last assigned sequence number */
    this.seq = SEQ_BASE;
    /** @type {Set<bigint>} sequence numbers assigned but not yet committed */
    this.inflight = new Set();
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
  }

  /** Loads metadata from the store (restart) and restores the sequence counter. */
  async load() {
    for (const [, meta] of await this.db.iterator({ gte: META, lt: `${META}\xff` }).all()) {
      this.metas.set(meta.StreamArn, meta);
      let max = seqNum(meta.trimmedUpTo);
      const last = await this.db.keys({ gte: recPrefix(meta), lt: `${recPrefix(meta)}\xff`, reverse: true, limit: 1 }).all();
      if (last.length) max = seqNum(String(last[0]).slice(String(last[0]).lastIndexOf('~') + 1));
      if (meta.EndingSequenceNumber && seqNum(meta.EndingSequenceNumber) > max) max = seqNum(meta.EndingSequenceNumber);
      if (max > this.seq) this.seq = max;
    }
    for (const [, state] of await this.db.iterator({ gte: TABLE, lt: `${TABLE}\xff` }).all()) {
      this.tables.set(state.TableName, state);
    }
  }

  startTrimming() {
    const every = Math.max(250, Math.min(Math.floor(this.retentionMs / 4), 60000));
    this.timer = setInterval(() => {
      this.trimAll().catch((e) => this.log(`stream trim failed: ${e.message}`));
    }, every);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ---------------------------------------------------------------- control plane

  /**
   * The enabled stream of a table, if any (hot path: called for every write).
   * @param {string} tableName
   * @returns {StreamMeta | undefined}
   */
  active(tableName) {
    const state = this.tables.get(tableName);
    if (!state?.current) return undefined;
    return this.metas.get(state.current);
  }

  /**
   * Validates a StreamSpecification from CreateTable / UpdateTable.
   * @param {any} spec
   * @returns {{ enabled: boolean, viewType?: string }}
   */
  static parseSpec(spec) {
    if (spec == null || typeof spec !== 'object') throw errors.validation('StreamSpecification must be a structure');
    if (typeof spec.StreamEnabled !== 'boolean') {
      throw errors.validation('One or more parameter values were invalid: StreamSpecification.StreamEnabled is required');
    }
    if (spec.StreamEnabled) {
      if (spec.StreamViewType == null) {
        throw errors.validation(
          'One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true',
        );
      }
      if (!VIEW_TYPES.includes(spec.StreamViewType)) {
        throw errors.validation(
          "1 validation error detected: Value '" +
            spec.StreamViewType +
            "' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [" +
            VIEW_TYPES.join(', ') +
            ']',
        );
      }
      return { enabled: true, viewType: spec.StreamViewType };
    }
    return { enabled: false };
  }

  /**
   * Enables a new stream on a table.
   * @param {string} tableName
   * @param {string} viewType
   * @param {any[]} keySchema
   */
  async enable(tableName, viewType, keySchema) {
    const now = Date.now();
    let ms = now,
      arn,
      label;
    do {
      label = new Date(ms).toISOString().replace('Z', '');
      arn = `arn:aws:dynamodb:${this.region}:000000000000:table/${tableName}/stream/${label}`;
      ms++;
    } while (this.metas.has(arn));
    /** @type {StreamMeta} */
    const meta = {
      StreamArn: arn,
      StreamLabel: label,
      TableName: tableName,
      KeySchema: keySchema,
      StreamViewType: viewType,
      StreamStatus: 'ENABLED',
      CreationRequestDateTime: now,
      ShardId: `shardId-${String(now).padStart(20, '0')}-${crypto.randomBytes(4).toString('hex')}`,
      StartingSequenceNumber: seqStr(this.seq + 1n),
      trimmedUpTo: seqStr(this.seq),
      recId: crypto.randomBytes(6).toString('base64url'),
    };
    /** @type {TableStreamState} */
    const state = { TableName: tableName, current: arn, latestArn: arn, latestLabel: label };
    this.metas.set(arn, meta);
    this.tables.set(tableName, state);
    await this.db.batch([
      { type: 'put', key: META + arn, value: meta },
      { type: 'put', key: TABLE + tableName, value: state },
    ]);
    return meta;
  }

  /**
   * Disables the current stream of a table (its records stay readable until trimmed).
   * @param {string} tableName
   * @param {boolean} [forget] also forget the table (DeleteTable)
   */
  async disable(tableName, forget) {
    const state = this.tables.get(tableName);
    /** @type {any[]} */
    const ops = [];
    if (state?.current) {
      const meta = this.metas.get(state.current);
      if (meta) {
        meta.StreamStatus = 'DISABLED';
        meta.EndingSequenceNumber = seqStr(this.seq);
        ops.push({ type: 'put', key: META + meta.StreamArn, value: meta });
      }
      state.current = null;
    }
    if (forget) {
      this.tables.delete(tableName);
      ops.push({ type: 'del', key: TABLE + tableName });
    } else if (state) {
      ops.push({ type: 'put', key: TABLE + tableName, value: state });
    }
    if (ops.length) await this.db.batch(ops);
  }

  /**
   * Stream fields DescribeTable / CreateTable / UpdateTable report for a table.
   * @param {string} tableName
   */
  describeFields(tableName) {
    const state = this.tables.get(tableName);
    /** @type {Record<string, any>} */
    const out = {};
    if (!state) return out;
    const meta = state.current ? this.metas.get(state.current) : undefined;
    if (meta) out.StreamSpecification = { StreamEnabled: true, StreamViewType: meta.StreamViewType };
    out.LatestStreamArn = state.latestArn;
    out.LatestStreamLabel = state.latestLabel;
    return out;
  }

  // ---------------------------------------------------------------- data plane

  /** Highest sequence number below which every record is committed. */
  watermark() {
    if (!this.inflight.size) return this.seq;
    let min = null;
    for (const s of this.inflight) if (min === null || s < min) min = s;
    return /** @type {bigint} */ (min) - 1n;
  }

  /**
   * Builds the stream records for a set of item changes. Synchronous: assigns
   * sequence numbers in call order. The caller MUST write `ops` in the same
   * batch as the item writes and call `done()` once that batch settled.
   * @param {Change[]} changes
   * @returns {{ ops: any[], done: () => void }}
   */
  prepare(changes) {
    /** @type {any[]} */
    const ops = [];
    /** @type {bigint[]} */
    const seqs = [];
    const now = Date.now();
    for (const change of changes) {
      const meta = this.active(change.tableName);
      if (!meta) continue;
      const stored = this.storedRecord(meta, change.oldItem || null, change.newItem || null, now);
      if (!stored) continue;
      if (change.userIdentity) stored.u = change.userIdentity;
      const seq = ++this.seq;
      seqs.push(seq);
      this.inflight.add(seq);
      ops.push({ type: 'put', key: recPrefix(meta) + seqStr(seq), value: stored });
    }
    return {
      ops,
      done: () => {
        for (const s of seqs) this.inflight.delete(s);
      },
    };
  }

  /**
   * What is stored for one record: only what cannot be derived at read time, so that a stream
   * holding a day of writes costs little more than the images themselves. `t` write time (ms),
   * `e` event (I / M / R), `n` / `o` the images the view type keeps, `k` the keys when no image
   * is kept, `s` SizeBytes, `u` userIdentity (TTL deletions). The record is rebuilt by
   * `expandRecord` (eventID from the ARN and sequence number, the constant fields from the stream).
   * Records written by earlier versions (`{ t, r }`, the whole record) are read as they are.
   * @param {StreamMeta} meta
   * @param {any} oldItem
   * @param {any} newItem
   * @param {number} now
   * @returns {Record<string, any> | null}
   */
  storedRecord(meta, oldItem, newItem, now) {
    if (!oldItem && !newItem) return null; // delete of a missing item
    if (oldItem && newItem && itemEquals(oldItem, newItem)) return null; // write that changes nothing
    const view = meta.StreamViewType;
    /** @type {Record<string, any>} */
    const out = { t: now, e: !oldItem ? 'I' : !newItem ? 'R' : 'M' };
    const source = newItem || oldItem;
    /** @type {Record<string, any>} */
    const Keys = {};
    for (const k of meta.KeySchema) Keys[k.AttributeName] = source[k.AttributeName];
    let size = this.itemSize(Keys);
    if (newItem && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES')) {
      out.n = newItem;
      size += this.itemSize(newItem);
    }
    if (oldItem && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES')) {
      out.o = oldItem;
      size += this.itemSize(oldItem);
    }
    if (!out.n && !out.o) out.k = Keys;
    out.s = size;
    return out;
  }

  /**
   * The record as the Streams API returns it.
   * @param {StreamMeta} meta
   * @param {string} seq
   * @param {any} v stored value
   */
  expandRecord(meta, seq, v) {
    if (v.r) {
      v.r.dynamodb.SequenceNumber = seq; // { t, r } form: the whole record was stored
      return v.r;
    }
    const source = v.n || v.o;
    /** @type {Record<string, any>} */
    let Keys = v.k;
    if (!Keys) {
      Keys = {};
      for (const k of meta.KeySchema) Keys[k.AttributeName] = source[k.AttributeName];
    }
    /** @type {Record<string, any>} */
    const dynamodb = { ApproximateCreationDateTime: Math.floor(v.t / 1000), Keys };
    if (v.n) dynamodb.NewImage = v.n;
    if (v.o) dynamodb.OldImage = v.o;
    dynamodb.SequenceNumber = seq;
    dynamodb.SizeBytes = v.s;
    dynamodb.StreamViewType = meta.StreamViewType;
    /** @type {Record<string, any>} */
    const record = {
      eventID: crypto.createHash('md5').update(`${meta.StreamArn}/${seq}`).digest('hex'),
      eventName: v.e === 'I' ? 'INSERT' : v.e === 'R' ? 'REMOVE' : 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.region,
      dynamodb,
    };
    if (v.u) record.userIdentity = v.u;
    return record;
  }

  // ---------------------------------------------------------------- trimming

  async trimAll() {
    for (const arn of this.metas.keys()) await this.trim(arn);
  }

  /**
   * Deletes records older than the retention period.
   * @param {string} arn
   */
  async trim(arn) {
    const meta = this.metas.get(arn);
    if (!meta) return;
    const cutoff = Date.now() - this.retentionMs;
    const prefix = recPrefix(meta);
    const it = this.db.iterator({ gte: prefix, lt: `${prefix}\xff` });
    /** @type {string[]} */
    const dead = [];
    try {
      for (;;) {
        const entry = await it.next();
        if (!entry) break;
        const [key, value] = entry;
        if (value.t >= cutoff) break;
        dead.push(key);
      }
    } finally {
      await it.close();
    }
    if (!dead.length) return;
    const lastKey = /** @type {string} */ (dead[dead.length - 1]);
    const upTo = lastKey.slice(lastKey.lastIndexOf('~') + 1);
    if (seqNum(upTo) > seqNum(meta.trimmedUpTo)) meta.trimmedUpTo = upTo;
    await this.db.batch([...dead.map((key) => ({ type: 'del', key })), { type: 'put', key: META + arn, value: meta }]);
  }

  // ---------------------------------------------------------------- Streams API

  /**
   * @param {string} op DynamoDBStreams_20120810 operation name
   * @param {any} data request body
   */
  async api(op, data) {
    switch (op) {
      case 'ListStreams':
        return this.listStreams(data);
      case 'DescribeStream':
        return this.describeStream(data);
      case 'GetShardIterator':
        return this.getShardIterator(data);
      case 'GetRecords':
        return this.getRecords(data);
      default:
        throw errors.apiError('com.amazon.coral.service#UnknownOperationException', `Unknown operation: ${op}`);
    }
  }

  /** @param {any} data */
  listStreams(data) {
    const limit = data.Limit == null ? 100 : data.Limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          limit +
          "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100",
      );
    }
    let list = [...this.metas.values()].filter((m) => data.TableName == null || m.TableName === data.TableName);
    list.sort((a, b) => a.CreationRequestDateTime - b.CreationRequestDateTime || (a.StreamArn < b.StreamArn ? -1 : 1));
    if (data.ExclusiveStartStreamArn != null) {
      checkStreamArn(data.ExclusiveStartStreamArn, 'exclusiveStartStreamArn');
      const i = list.findIndex((m) => m.StreamArn === data.ExclusiveStartStreamArn);
      list = i >= 0 ? list.slice(i + 1) : list;
    }
    const page = list.slice(0, limit);
    /** @type {Record<string, any>} */
    const out = { Streams: page.map((m) => ({ StreamArn: m.StreamArn, TableName: m.TableName, StreamLabel: m.StreamLabel })) };
    if (list.length > limit && page.length)
      out.LastEvaluatedStreamArn = /** @type {StreamMeta} */ (page[page.length - 1]).StreamArn;
    return out;
  }

  /** @param {any} arn */
  mustGet(arn) {
    if (typeof arn !== 'string' || !arn)
      throw errors.validation(
        "1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: Member must not be null",
      );
    checkStreamArn(arn, 'streamArn');
    const meta = this.metas.get(arn);
    if (!meta) throw errors.notFound(`Requested resource not found: Stream: ${arn} not found`);
    return meta;
  }

  /** @param {any} data */
  async describeStream(data) {
    const meta = this.mustGet(data.StreamArn);
    await this.trim(meta.StreamArn);
    /** @type {Record<string, any>} */
    const range = { StartingSequenceNumber: meta.StartingSequenceNumber };
    if (meta.EndingSequenceNumber) range.EndingSequenceNumber = meta.EndingSequenceNumber;
    let shards = [{ ShardId: meta.ShardId, SequenceNumberRange: range }];
    // one shard per stream: nothing comes after it, and an unknown shard id starts nowhere
    if (data.ExclusiveStartShardId != null) shards = [];
    if (data.ShardFilter != null) {
      const f = data.ShardFilter;
      if (!f || typeof f !== 'object' || f.Type !== 'CHILD_SHARDS') {
        throw errors.validation(
          "1 validation error detected: Value '" +
            f?.Type +
            "' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]",
        );
      }
      if (typeof f.ShardId !== 'string' || !f.ShardId) {
        throw errors.validation('The ShardFilter ShardId is required when the ShardFilter Type is CHILD_SHARDS');
      }
      shards = []; // a single shard never splits: no shard has children
    }
    return {
      StreamDescription: {
        StreamArn: meta.StreamArn,
        StreamLabel: meta.StreamLabel,
        StreamStatus: meta.StreamStatus,
        StreamViewType: meta.StreamViewType,
        CreationRequestDateTime: meta.CreationRequestDateTime / 1000,
        TableName: meta.TableName,
        KeySchema: meta.KeySchema,
        Shards: shards,
      },
    };
  }

  /**
   * @param {StreamMeta} meta
   * @param {bigint} after position: the iterator returns records with a sequence number greater than this
   */
  encodeIterator(meta, after) {
    return Buffer.from(JSON.stringify({ a: meta.StreamArn, s: meta.ShardId, p: seqStr(after), t: Date.now() })).toString(
      'base64',
    );
  }

  /** @param {any} data */
  async getShardIterator(data) {
    const meta = this.mustGet(data.StreamArn);
    if (data.ShardId !== meta.ShardId) throw errors.notFound('Requested resource not found: Shard does not exist');
    if (!ITERATOR_TYPES.includes(data.ShardIteratorType)) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          data.ShardIteratorType +
          "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [" +
          ITERATOR_TYPES.join(', ') +
          ']',
      );
    }
    await this.trim(meta.StreamArn);
    const type = data.ShardIteratorType;
    if ((type === 'TRIM_HORIZON' || type === 'LATEST') && data.SequenceNumber != null) {
      throw errors.validation(
        'Invalid SequenceNumber: a SequenceNumber can only be given with AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER, not ' +
          type,
      );
    }
    if (type === 'TRIM_HORIZON') return { ShardIterator: this.encodeIterator(meta, seqNum(meta.trimmedUpTo)) };
    if (type === 'LATEST') {
      const end = meta.EndingSequenceNumber ? seqNum(meta.EndingSequenceNumber) : this.watermark();
      return { ShardIterator: this.encodeIterator(meta, end) };
    }
    if (!isSeq(data.SequenceNumber)) {
      throw errors.validation(`Invalid SequenceNumber: ${data.SequenceNumber} (required for ${type})`);
    }
    const seq = seqNum(data.SequenceNumber);
    const start = seqNum(meta.StartingSequenceNumber);
    let end = meta.EndingSequenceNumber ? seqNum(meta.EndingSequenceNumber) : this.seq;
    if (end < start) end = start; // an empty shard still has its starting sequence number
    if (seq < start || seq > end) {
      throw errors.validation(
        `Invalid SequenceNumber ${data.SequenceNumber} for shard ${meta.ShardId} of stream ${meta.StreamArn}`,
      );
    }
    if (seq <= seqNum(meta.trimmedUpTo)) throw trimmedError(data.SequenceNumber);
    return { ShardIterator: this.encodeIterator(meta, type === 'AT_SEQUENCE_NUMBER' ? seq - 1n : seq) };
  }

  /** @param {any} data */
  async getRecords(data) {
    const limit = data.Limit == null ? 1000 : data.Limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          limit +
          "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000",
      );
    }
    /** @type {{a: string, s: string, p: string, t: number}} */
    let it;
    try {
      it = JSON.parse(Buffer.from(String(data.ShardIterator), 'base64').toString('utf8'));
      if (!it || typeof it.a !== 'string' || !isSeq(it.p) || typeof it.t !== 'number') throw new Error('bad');
    } catch {
      throw errors.validation('Invalid ShardIterator');
    }
    const meta = this.metas.get(it.a);
    if (!meta || meta.ShardId !== it.s) throw errors.notFound(`Requested resource not found: Stream: ${it.a} not found`);
    if (Date.now() - it.t > this.iteratorTtlMs) {
      throw errors.apiError(
        `${errors.DDB}ExpiredIteratorException`,
        'Iterator expired. The iterator was created at time ' +
          new Date(it.t).toUTCString() +
          ' while right now it is ' +
          new Date().toUTCString() +
          ' which is further in the future than the tolerated delay of ' +
          this.iteratorTtlMs +
          ' milliseconds.',
      );
    }
    await this.trim(meta.StreamArn);
    const after = seqNum(it.p);
    if (after < seqNum(meta.trimmedUpTo)) throw trimmedError(it.p);
    const upTo = this.watermark();
    const prefix = recPrefix(meta);
    const rows =
      upTo > after ? await this.db.iterator({ gt: prefix + seqStr(after), lte: prefix + seqStr(upTo), limit }).all() : [];
    const Records = rows.map((/** @type {[string, any]} */ [key, v]) => this.expandRecord(meta, key.slice(prefix.length), v));
    let next = after;
    if (Records.length) next = seqNum(Records[Records.length - 1].dynamodb.SequenceNumber);
    else if (upTo > after) next = upTo;
    /** @type {Record<string, any>} */
    const out = { Records };
    const closedAndDrained = meta.EndingSequenceNumber != null && !Records.length && next >= seqNum(meta.EndingSequenceNumber);
    if (!closedAndDrained) out.NextShardIterator = this.encodeIterator(meta, next);
    return out;
  }
}

/** @param {string} seq */
function trimmedError(seq) {
  return errors.apiError(
    `${errors.DDB}TrimmedDataAccessException`,
    `The operation attempted to read past the oldest stream record in a shard (position ${seq} has been trimmed).`,
  );
}

const STREAM_ARN = /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}\/stream\/[0-9T:.-]+$/;

/**
 * @param {any} arn
 * @param {string} member e.g. streamArn
 */
function checkStreamArn(arn, member) {
  if (typeof arn !== 'string' || !STREAM_ARN.test(arn) || arn.length < 37 || arn.length > 1024) {
    throw errors.validation(`Invalid StreamArn: ${String(arn)} (${member})`);
  }
}

module.exports = { Streams, VIEW_TYPES, SEQ_BASE, ITERATOR_TTL_MS, STREAM_KEY_ROOT: ROOT };
