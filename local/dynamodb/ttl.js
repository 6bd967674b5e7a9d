// @ts-check

/**
 * Time to Live: UpdateTimeToLive / DescribeTimeToLive, and a background sweep that deletes
 * expired items.
 *
 * - The setting per table is kept in the engine's LevelDB under `$ttl~<table>` (survives a
 *   restart with --path). DeleteTable and a re-created table forget it.
 * - Every `intervalMs` (default 2 s) the sweep deletes the items whose TTL attribute is a Number
 *   of epoch seconds in the past (and not more than five years in the past, which DynamoDB
 *   ignores), through dynalite's own deleteItem action, with a condition that the value is still
 *   expired, so a concurrent write that extends it wins.
 * - It does not read the table: every write to a TTL table reports its new item (`observe`, from
 *   the engine's write hook and from transactions), and the keys of items carrying a TTL value are
 *   kept in a queue ordered by expiry time; a sweep takes only the entries that are due. The queue
 *   is filled by one scan of the table when TTL is enabled or the engine starts on a data folder.
 *   An entry made stale by a later write (TTL moved or removed, item deleted) fails the condition
 *   and is dropped.
 * - A deletion is an ordinary REMOVE stream record, plus the DynamoDB Streams API's
 *   `userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' }` (the wire form;
 *   Lambda's event shows the same as `{ type, principalId }`).
 * - Until the sweep reaches an item it is still returned by reads, as in DynamoDB.
 */

const { AsyncLocalStorage } = require('node:async_hooks');
const errors = require('./errors');

const ROOT = '$ttl~';
const DEFAULT_INTERVAL_MS = 2000;
const FIVE_YEARS_S = 5 * 365 * 24 * 60 * 60;
const SERVICE_IDENTITY = Object.freeze({ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' });

/** Set while the sweep deletes, so stream records get the TTL service identity. */
const sweepScope = /** @type {AsyncLocalStorage<{ userIdentity: typeof SERVICE_IDENTITY }>} */ (new AsyncLocalStorage());

/** @typedef {{ AttributeName: string, Enabled: boolean }} TtlSpec */

class TimeToLive {
  /**
   * @param {{
   *   store: any,
   *   intervalMs?: number,
   *   itemPrefix: (table: string) => string,
   *   keyOf: (table: any, item: any) => any,
   *   deleteItem: (data: any) => Promise<void>,
   *   log: (msg: string) => void,
   * }} opts
   */
  constructor(opts) {
    this.store = opts.store;
    this.db = opts.store.db;
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.itemPrefix = opts.itemPrefix;
    this.keyOf = opts.keyOf;
    this.deleteItem = opts.deleteItem;
    this.log = opts.log;
    /** @type {Map<string, TtlSpec>} */
    this.specs = new Map();
    /** @type {Map<string, ExpiryQueue>} per TTL table: keys of items by expiry time */
    this.queues = new Map();
    /** @type {Map<string, string[]>} per TTL table: its key attribute names */
    this.keyNames = new Map();
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
    this.sweeping = false;
  }

  async load() {
    for (const [key, spec] of await this.db.iterator({ gte: ROOT, lt: `${ROOT}\xff` }).all()) {
      const name = String(key).slice(ROOT.length);
      this.specs.set(name, spec);
      await this.track(name, spec);
    }
  }

  /**
   * True when writes to this table must be reported (`observe`).
   * @param {string} tableName
   */
  tracks(tableName) {
    return this.queues.has(tableName);
  }

  /**
   * A write to a table: queues the item's expiry if it has one (hot path: called for every write
   * to a TTL table).
   * @param {string} tableName
   * @param {any} item the item as written (null for a delete)
   */
  observe(tableName, item) {
    const queue = this.queues.get(tableName);
    if (!queue || !item) return;
    const spec = /** @type {TtlSpec} */ (this.specs.get(tableName));
    const v = item[spec.AttributeName];
    if (!v || typeof v.N !== 'string') return;
    const at = Number(v.N);
    if (!Number.isFinite(at)) return;
    const names = /** @type {string[]} */ (this.keyNames.get(tableName));
    /** @type {Record<string, any>} */
    const key = {};
    for (const n of names) key[n] = item[n];
    queue.push(at, JSON.stringify(key)); // a string: one small object per queued item
  }

  /**
   * Starts tracking a TTL table: one scan of its items fills its queue.
   * @param {string} tableName
   * @param {TtlSpec} spec
   */
  async track(tableName, spec) {
    const table = await this.table(tableName).catch(() => null);
    if (!table) return;
    const queue = new ExpiryQueue();
    this.keyNames.set(
      tableName,
      table.KeySchema.map((/** @type {any} */ k) => k.AttributeName),
    );
    this.queues.set(tableName, queue); // writes from now on are observed
    const prefix = this.itemPrefix(tableName);
    for await (const item of this.db.values({ gte: prefix, lt: `${prefix}\xff` })) {
      if (this.queues.get(tableName) !== queue || this.specs.get(tableName) !== spec) return; // disabled meanwhile
      this.observe(tableName, item);
    }
  }

  start() {
    this.timer = setInterval(() => {
      this.sweep();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** @param {string} tableName */
  async forget(tableName) {
    this.queues.delete(tableName);
    this.keyNames.delete(tableName);
    if (!this.specs.has(tableName)) return;
    this.specs.delete(tableName);
    await this.db.del(ROOT + tableName);
  }

  /** @param {string} name */
  table(name) {
    return new Promise((resolve, reject) => {
      this.store.getTable(name, false, (/** @type {any} */ err, /** @type {any} */ table) => {
        if (err) return reject(err);
        resolve(table);
      });
    });
  }

  /** @param {any} data */
  async describe(data) {
    checkTableName(data.TableName);
    await this.table(data.TableName);
    const spec = this.specs.get(data.TableName);
    return {
      TimeToLiveDescription: spec?.Enabled
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: spec.AttributeName }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  /** @param {any} data */
  async update(data) {
    /** @type {string[]} */
    const problems = [];
    const spec = data.TimeToLiveSpecification;
    if (spec != null && (typeof spec !== 'object' || Array.isArray(spec)))
      throw errors.serialization('Unexpected value type in TimeToLiveSpecification');
    if (spec && spec.Enabled != null && typeof spec.Enabled !== 'boolean')
      throw errors.serialization('Enabled must be a boolean');
    if (spec && spec.AttributeName != null && typeof spec.AttributeName !== 'string')
      throw errors.serialization('AttributeName must be a string');
    problems.push(...tableNameProblems(data.TableName));
    if (spec == null)
      problems.push("Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
    else {
      if (spec.AttributeName == null)
        problems.push(
          "Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null",
        );
      else if (spec.AttributeName.length < 1 || spec.AttributeName.length > 255) {
        problems.push(
          "Value '" +
            spec.AttributeName +
            "' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255",
        );
      }
      if (spec.Enabled == null)
        problems.push("Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null");
    }
    if (problems.length)
      throw errors.validation(
        `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
      );

    await this.table(data.TableName);
    const current = this.specs.get(data.TableName);
    if (spec.Enabled) {
      if (current?.Enabled) throw errors.validation('TimeToLive is already enabled');
    } else {
      if (!current?.Enabled) throw errors.validation('TimeToLive is already disabled');
      if (current.AttributeName !== spec.AttributeName) {
        throw errors.validation(
          `TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`,
        );
      }
    }
    const next = { AttributeName: spec.AttributeName, Enabled: spec.Enabled };
    if (next.Enabled) {
      this.specs.set(data.TableName, next);
      await this.db.put(ROOT + data.TableName, next);
      await this.track(data.TableName, next);
    } else await this.forget(data.TableName);
    return { TimeToLiveSpecification: next };
  }

  /** One pass over every TTL table (never throws; a pass still running skips the next tick). */
  async sweep() {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let deleted = 0;
    try {
      for (const [tableName, spec] of [...this.specs]) {
        try {
          deleted += await this.sweepTable(tableName, spec);
        } catch (/** @type {any} */ err) {
          this.log(`TTL sweep of ${tableName} failed: ${err?.stack || err}`);
        }
      }
    } finally {
      this.sweeping = false;
    }
    return deleted;
  }

  /** @param {string} tableName @param {TtlSpec} spec */
  async sweepTable(tableName, spec) {
    const queue = this.queues.get(tableName);
    if (!queue || !queue.size) return 0;
    const now = Math.floor(Date.now() / 1000);
    const table = await this.table(tableName).catch(() => null);
    if (!table || table.TableStatus === 'DELETING') return 0;
    const expired = [];
    const seen = new Set();
    for (const { at, key } of queue.popDue(now)) {
      if (at < now - FIVE_YEARS_S) continue; // ignored by DynamoDB
      if (seen.has(key)) continue; // written several times: one delete
      seen.add(key);
      expired.push({ at, key });
    }
    let deleted = 0;
    for (let i = 0; i < expired.length; i++) {
      const { key } = /** @type {{ at: number, key: string }} */ (expired[i]);
      const attr = [spec.AttributeName];
      const data = {
        TableName: tableName,
        Key: JSON.parse(key),
        // still expired when the item lock is held: a concurrent write extending the TTL wins
        _condition: {
          expression: {
            type: 'and',
            args: [
              { type: '<', args: [attr, { N: String(now + 1) }] },
              { type: '>=', args: [attr, { N: String(now - FIVE_YEARS_S) }] },
            ],
          },
        },
      };
      try {
        await sweepScope.run({ userIdentity: SERVICE_IDENTITY }, () => this.deleteItem(data));
        deleted++;
      } catch (/** @type {any} */ err) {
        if (!(err?.body && /ConditionalCheckFailed/.test(err.body.__type))) {
          // not swept: this entry and the ones after it wait for the next sweep
          for (const e of expired.slice(i)) queue.push(e.at, e.key);
          throw err;
        }
      }
    }
    return deleted;
  }
}

/**
 * A binary min-heap of (expiry time, item key) on the time (epoch seconds); the key is the item's
 * key attributes as JSON.
 *
 * Why typed arrays and one byte buffer instead of an array of `{ at, key }` objects: the queue
 * holds an entry for every item with a TTL value (a million in the growth bench), and as objects
 * each entry was three heap objects (the entry, its key string, its time, a heap number: epoch
 * seconds are past V8's small-integer range), ~110 MB at 1 M items that every full garbage
 * collection had to walk. Here the times and the keys' places live in typed arrays and the keys'
 * UTF-8 bytes in one buffer (the "arena"), so the collector sees four objects whatever the size.
 * Keys popped leave dead bytes in the arena; when a push finds no room, or a sweep leaves less
 * than a quarter of it live, the live keys are copied into a new arena twice their size, so it
 * stays within four times the live keys (and gives memory back after a wave of expiries).
 */
const MIN_ARENA_BYTES = 64 * 1024;
const INITIAL_CAPACITY = 1024;

class ExpiryQueue {
  /** @param {number} [initialCapacity] entries @param {number} [minArenaBytes] the arena's smallest size */
  constructor(initialCapacity = INITIAL_CAPACITY, minArenaBytes = MIN_ARENA_BYTES) {
    this.minArenaBytes = minArenaBytes;
    this.count = 0;
    this.at = new Float64Array(initialCapacity);
    this.off = new Float64Array(initialCapacity); // where the key starts in the arena
    this.len = new Uint32Array(initialCapacity); // its length in bytes
    this.arena = Buffer.allocUnsafe(minArenaBytes);
    this.used = 0; // arena bytes written
    this.live = 0; // arena bytes of queued keys
  }

  get size() {
    return this.count;
  }

  /** @param {number} at @param {string} key */
  push(at, key) {
    const bytes = Buffer.byteLength(key, 'utf8');
    this.reserve(bytes);
    if (this.count === this.at.length) this.grow();
    const off = this.used;
    this.arena.write(key, off, 'utf8');
    this.used += bytes;
    this.live += bytes;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (/** @type {number} */ (this.at[parent]) <= at) break;
      this.move(parent, i);
      i = parent;
    }
    this.at[i] = at;
    this.off[i] = off;
    this.len[i] = bytes;
  }

  /**
   * Removes and returns the entries due at `now` (at <= now), earliest first.
   * @param {number} now
   */
  popDue(now) {
    /** @type {{ at: number, key: string }[]} */
    const out = [];
    while (this.count && /** @type {number} */ (this.at[0]) <= now) {
      const off = /** @type {number} */ (this.off[0]);
      const len = /** @type {number} */ (this.len[0]);
      out.push({ at: /** @type {number} */ (this.at[0]), key: this.arena.toString('utf8', off, off + len) });
      this.live -= len;
      const last = --this.count;
      if (last > 0) this.siftDown(last);
    }
    if (!this.count) {
      // empty: the arena is reused from its start, and a big one and big arrays are given back
      this.used = this.live = 0;
      if (this.arena.length > this.minArenaBytes) this.arena = Buffer.allocUnsafe(this.minArenaBytes);
      if (this.at.length > INITIAL_CAPACITY) this.resize(INITIAL_CAPACITY);
    } else if (this.arena.length > this.minArenaBytes && 4 * this.live < this.arena.length) this.rebuild(0);
    return out;
  }

  /** Moves the entry at `last` (the heap's old end) down from the root to its place. @param {number} last */
  siftDown(last) {
    const at = /** @type {number} */ (this.at[last]);
    const off = /** @type {number} */ (this.off[last]);
    const len = /** @type {number} */ (this.len[last]);
    const n = this.count;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && /** @type {number} */ (this.at[r]) < /** @type {number} */ (this.at[l]) ? r : l;
      if (/** @type {number} */ (this.at[m]) >= at) break;
      this.move(m, i);
      i = m;
    }
    this.at[i] = at;
    this.off[i] = off;
    this.len[i] = len;
  }

  /** @param {number} from @param {number} to */
  move(from, to) {
    this.at[to] = /** @type {number} */ (this.at[from]);
    this.off[to] = /** @type {number} */ (this.off[from]);
    this.len[to] = /** @type {number} */ (this.len[from]);
  }

  grow() {
    this.resize(this.at.length * 2);
  }

  /** @param {number} size entries, at least `count` */
  resize(size) {
    for (const name of /** @type {const} */ (['at', 'off', 'len'])) {
      const old = this[name];
      const next = name === 'len' ? new Uint32Array(size) : new Float64Array(size);
      next.set(old.subarray(0, Math.min(old.length, size)));
      this[name] = /** @type {any} */ (next);
    }
  }

  /** Room for `bytes` more at the arena's end. @param {number} bytes */
  reserve(bytes) {
    if (this.used + bytes > this.arena.length) this.rebuild(bytes);
  }

  /**
   * A new arena twice the size of the live keys (plus `room`), the live keys copied in: growing,
   * and shrinking after a wave of expiries, in one step.
   * @param {number} room
   */
  rebuild(room) {
    const next = Buffer.allocUnsafe(Math.max(this.minArenaBytes, 2 * (this.live + room)));
    let used = 0;
    for (let i = 0; i < this.count; i++) {
      const off = /** @type {number} */ (this.off[i]);
      const len = /** @type {number} */ (this.len[i]);
      this.arena.copy(next, used, off, off + len);
      this.off[i] = used;
      used += len;
    }
    this.arena = next;
    this.used = used;
  }
}

/** @param {any} name */
function tableNameProblems(name) {
  if (name == null) return ["Value null at 'tableName' failed to satisfy constraint: Member must not be null"];
  if (typeof name !== 'string') throw errors.serialization('TableName must be a string');
  const out = [];
  if (!/^[a-zA-Z0-9_.-]+$/.test(name))
    out.push(
      "Value '" +
        name +
        "' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
  if (name.length < 3 || name.length > 255)
    out.push(`Value '${name}' at 'tableName' failed to satisfy constraint: Member must have length between 3 and 255`);
  return out;
}

/** @param {any} name */
function checkTableName(name) {
  const problems = tableNameProblems(name);
  if (problems.length)
    throw errors.validation(
      `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
    );
}

/** The identity of the write being made, if the TTL sweep is making it. */
function currentUserIdentity() {
  const s = sweepScope.getStore();
  return s ? s.userIdentity : undefined;
}

module.exports = { TimeToLive, ExpiryQueue, currentUserIdentity, DEFAULT_INTERVAL_MS, SERVICE_IDENTITY };
