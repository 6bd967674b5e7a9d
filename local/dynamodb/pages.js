// @ts-check

/**
 * One page of a Query or Scan (ours; replaces dynalite's `db.queryTable`, which actions/query and
 * actions/scan call after their validation and key-range planning).
 *
 * - Items are read in key order (or reverse) from dynalite's LevelDB range, in batches.
 * - The page stops at `Limit` items evaluated, or BEFORE the item that would take the data read
 *   over 1 MB, item sizes counted by DynamoDB's rule (size.js). DynamoDB: "the Query results are
 *   divided into pages of data that are 1 MB in size (or less)". Either stop sets
 *   `LastEvaluatedKey` (the last item evaluated), as in DynamoDB.
 * - The filter (FilterExpression, or the legacy QueryFilter / ScanFilter) runs on the page after
 *   it is read (conditions.js, never throws), so Limit, ScannedCount and the 1 MB count items
 *   before the filter, as in DynamoDB. Then the projection and `Select=COUNT`.
 * - ConsumedCapacity is reckoned as dynalite did (its item size, 4 KB read units, halved for
 *   eventually consistent reads).
 */

const { evaluate, legacyExpression } = require('./conditions');
const { itemSize } = require('./size');

const PAGE_BYTES = 1024 * 1024;
const BATCH = 64;

/**
 * @param {{ db: any, prefixes: { item: (t: string) => string, index: (type: string, t: string, i: string) => string } }} deps
 */
function makeQueryTable({ db, prefixes }) {
  /**
   * Same signature as dynalite's `db.queryTable`.
   * @param {any} store
   * @param {any} table
   * @param {any} data
   * @param {any} opts LevelDB range options (gt/gte, lt/lte, reverse) relative to the table's or index's prefix
   * @param {boolean} isLocal
   * @param {boolean} fetchFromItemDb an LSI query that needs attributes the index does not project
   * @param {string[]} startKeyNames attributes of LastEvaluatedKey
   * @param {(err: any, result?: any) => void} cb
   */
  function readPage(store, table, data, opts, isLocal, fetchFromItemDb, startKeyNames, cb) {
    run(store, table, data, opts, isLocal, fetchFromItemDb, startKeyNames).then(
      (result) => cb(null, result),
      (err) => cb(err),
    );
  }

  /** @param {any} store @param {any} table @param {any} data @param {any} opts @param {boolean} isLocal @param {boolean} fetchFromItemDb @param {string[]} startKeyNames */
  async function run(store, table, data, opts, isLocal, fetchFromItemDb, startKeyNames) {
    const prefix = data.IndexName
      ? prefixes.index(isLocal ? 'Local' : 'Global', data.TableName, data.IndexName)
      : prefixes.item(data.TableName);
    /** @type {Record<string, any>} */
    const range = { reverse: !!opts.reverse };
    if (opts.gte != null) range.gte = prefix + opts.gte;
    else if (opts.gt != null) range.gt = prefix + opts.gt;
    else range.gte = prefix;
    if (opts.lte != null) range.lte = prefix + opts.lte;
    else if (opts.lt != null) range.lt = prefix + opts.lt;
    else range.lt = `${prefix}\xff`;

    const limit = typeof data.Limit === 'number' && data.Limit > 0 ? data.Limit : Infinity;
    const capacity = data.ReturnConsumedCapacity === 'TOTAL' || data.ReturnConsumedCapacity === 'INDEXES';
    const itemDb = fetchFromItemDb ? store.getItemDb(data.TableName) : null;
    let tableBytes = 0,
      indexBytes = 0,
      bytes = 0,
      stopped = false;
    /** @type {any[]} */
    const items = [];
    const it = store.db.values(range);
    try {
      outer: while (items.length < limit) {
        const batch = await it.nextv(Math.min(BATCH, limit - items.length));
        if (!batch.length) break;
        for (let value of batch) {
          if (itemDb) {
            if (capacity) indexBytes += db.itemSize(value);
            value = await new Promise((resolve, reject) =>
              itemDb.get(db.createKey(value, table), (/** @type {any} */ err, /** @type {any} */ v) =>
                err ? reject(err) : resolve(v),
              ),
            );
            if (capacity) tableBytes += db.itemSize(value);
          } else if (capacity) {
            if (data.IndexName) indexBytes += db.itemSize(value);
            else tableBytes += db.itemSize(value);
          }
          const size = itemSize(value);
          if (items.length && bytes + size > PAGE_BYTES) {
            stopped = true; // this item would take the page over 1 MB: it starts the next page
            break outer;
          }
          bytes += size;
          items.push(value);
          if (items.length >= limit) break outer;
        }
      }
    } finally {
      await it.close();
    }
    if (items.length >= limit) stopped = true;

    /** @type {Record<string, any>} */
    const result = { ScannedCount: items.length };
    const last = items[items.length - 1];
    if (stopped && last) result.LastEvaluatedKey = Object.fromEntries(startKeyNames.map((k) => [k, last[k]]));

    const legacy = data._filter ? null : data.QueryFilter || data.ScanFilter;
    const filter = data._filter ? data._filter.expression : legacy ? legacyExpression(legacy, data.ConditionalOperator) : null;
    let out = filter ? items.filter((item) => evaluate(item, filter)) : items;
    const paths = data._projection ? data._projection.paths : data.AttributesToGet;
    if (paths) out = out.map((item) => db.mapPaths(paths, item));
    result.Count = out.length;
    if (data.Select !== 'COUNT') result.Items = out;

    if (capacity) {
      const factor = data.ConsistentRead ? 1 : 0.5;
      const tableUnits = Math.ceil(tableBytes / 1024 / 4) * factor;
      const indexUnits = Math.ceil(indexBytes / 1024 / 4) * factor;
      /** @type {Record<string, any>} */
      const consumed = { CapacityUnits: tableUnits + indexUnits, TableName: data.TableName };
      if (data.ReturnConsumedCapacity === 'INDEXES') {
        consumed.Table = { CapacityUnits: tableUnits };
        if (data.IndexName) {
          consumed[isLocal ? 'LocalSecondaryIndexes' : 'GlobalSecondaryIndexes'] = {
            [data.IndexName]: { CapacityUnits: indexUnits },
          };
        }
      }
      result.ConsumedCapacity = consumed;
    }
    return result;
  }

  return readPage;
}

module.exports = { makeQueryTable, PAGE_BYTES };
