// @ts-check

/**
 * Time to Live: UpdateTimeToLive / DescribeTimeToLive, and a background sweep that deletes
 * expired items.
 *
 * - The setting per table is kept in the engine's LevelDB under `$ttl~<table>` (survives a
 *   restart with --path). DeleteTable and a re-created table forget it.
 * - Every `intervalMs` (default 2 s) the sweep reads each TTL table's items; an item whose TTL
 *   attribute is a Number of epoch seconds in the past (and not more than five years in the
 *   past, which DynamoDB ignores) is deleted through dynalite's own deleteItem action, with a
 *   condition that the value is still expired, so a concurrent write that extends it wins.
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
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
    this.sweeping = false;
  }

  async load() {
    for (const [key, spec] of await this.db.iterator({ gte: ROOT, lt: `${ROOT}\xff` }).all()) {
      this.specs.set(String(key).slice(ROOT.length), spec);
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
    const table = await this.table(tableName).catch(() => null);
    if (!table || table.TableStatus === 'DELETING') return 0;
    const now = Math.floor(Date.now() / 1000);
    const prefix = this.itemPrefix(tableName);
    const expired = [];
    for await (const item of this.db.values({ gte: prefix, lt: `${prefix}\xff` })) {
      if (isExpired(item?.[spec.AttributeName], now)) expired.push(item);
    }
    let deleted = 0;
    for (const item of expired) {
      const attr = [spec.AttributeName];
      const data = {
        TableName: tableName,
        Key: this.keyOf(table, item),
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
        if (!(err?.body && /ConditionalCheckFailed/.test(err.body.__type))) throw err;
      }
    }
    return deleted;
  }
}

/**
 * @param {any} value AttributeValue of the TTL attribute
 * @param {number} now epoch seconds
 */
function isExpired(value, now) {
  if (!value || typeof value !== 'object' || typeof value.N !== 'string') return false;
  const seconds = Number(value.N);
  return Number.isFinite(seconds) && seconds <= now && seconds >= now - FIVE_YEARS_S;
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

module.exports = { TimeToLive, currentUserIdentity, DEFAULT_INTERVAL_MS, SERVICE_IDENTITY };
