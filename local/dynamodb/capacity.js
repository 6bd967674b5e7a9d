// @ts-check

/**
 * Write capacity of secondary indexes, as DynamoDB reports it under ReturnConsumedCapacity
 * (measured on DynamoDB by nubo-db/dynamodb-conformance, tests/tier1/putItem/indexConsumedCapacity):
 * a write charges an index only when it changes what the index stores for the item:
 *  - the item enters the index (its index keys appear) or leaves it: one write;
 *  - it stays under the same index key and its projected attributes change: one write;
 *  - its index key changes: two writes (a delete and an insert);
 *  - an identical overwrite, a non-projected attribute, a sparse item: nothing.
 * A write is 1 unit per KB (rounded up) of the item as the index stores it (`size.js`). Under
 * INDEXES the units are listed per index (`GlobalSecondaryIndexes` / `LocalSecondaryIndexes`,
 * an arm only for an index charged); TOTAL and INDEXES both add them to `CapacityUnits`.
 * dynalite charged the table write only.
 */

const { itemSize } = require('./size');
const { itemEquals, valueEquals } = require('./attr');

/**
 * The item as an index stores it, or null when the item is not in the index.
 * @param {any} table
 * @param {any} index
 * @param {any} item
 */
function indexView(table, index, item) {
  if (!item) return null;
  if (index.KeySchema.some((/** @type {any} */ k) => item[k.AttributeName] == null)) return null;
  const projection = index.Projection || {};
  if (projection.ProjectionType === 'ALL') return item;
  const names = new Set([...table.KeySchema, ...index.KeySchema].map((/** @type {any} */ k) => k.AttributeName));
  if (projection.ProjectionType === 'INCLUDE') for (const n of projection.NonKeyAttributes || []) names.add(n);
  /** @type {Record<string, any>} */
  const view = {};
  for (const n of names) if (item[n] !== undefined) view[n] = item[n];
  return view;
}

/** @param {any} view */
const units = (view) => Math.max(1, Math.ceil(itemSize(view) / 1024));

/**
 * Units each index of the table is charged for replacing `oldItem` by `newItem` (null: absent).
 * @param {any} table
 * @param {any} oldItem
 * @param {any} newItem
 * @returns {{ GlobalSecondaryIndexes: Record<string, number>, LocalSecondaryIndexes: Record<string, number> }}
 */
function indexWriteUnits(table, oldItem, newItem) {
  const out = { GlobalSecondaryIndexes: {}, LocalSecondaryIndexes: {} };
  for (const kind of /** @type {const} */ (['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'])) {
    for (const index of table[kind] || []) {
      const before = indexView(table, index, oldItem);
      const after = indexView(table, index, newItem);
      let charged = 0;
      if (before && after) {
        const sameKey = index.KeySchema.every((/** @type {any} */ k) =>
          valueEquals(before[k.AttributeName], after[k.AttributeName]),
        );
        if (!sameKey) charged = units(before) + units(after);
        else if (!itemEquals(before, after)) charged = units(after);
      } else if (before) charged = units(before);
      else if (after) charged = units(after);
      if (charged) /** @type {Record<string, number>} */ (out[kind])[index.IndexName] = charged;
    }
  }
  return out;
}

/**
 * Adds index units to a ConsumedCapacity entry of dynalite's (which counts the table only).
 * @param {any} consumed
 * @param {{ GlobalSecondaryIndexes: Record<string, number>, LocalSecondaryIndexes: Record<string, number> }} charged
 * @param {string} mode TOTAL | INDEXES
 */
function addIndexUnits(consumed, charged, mode) {
  if (!consumed) return;
  for (const kind of /** @type {const} */ (['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'])) {
    for (const [name, n] of Object.entries(charged[kind])) {
      consumed.CapacityUnits = (consumed.CapacityUnits || 0) + n;
      if (mode === 'INDEXES') {
        consumed[kind] ||= {};
        consumed[kind][name] = { CapacityUnits: (consumed[kind][name]?.CapacityUnits || 0) + n };
      }
    }
  }
}

/**
 * Sums per-index units.
 * @param {{ GlobalSecondaryIndexes: Record<string, number>, LocalSecondaryIndexes: Record<string, number> }} into
 * @param {{ GlobalSecondaryIndexes: Record<string, number>, LocalSecondaryIndexes: Record<string, number> }} more
 */
function mergeUnits(into, more) {
  for (const kind of /** @type {const} */ (['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'])) {
    for (const [name, n] of Object.entries(more[kind])) into[kind][name] = (into[kind][name] || 0) + n;
  }
  return into;
}

module.exports = { indexWriteUnits, addIndexUnits, mergeUnits, indexView };
