// @ts-check

/**
 * The checks DynamoDB makes on the secondary index keys of an item being written (dynalite
 * makes none of them): an index key value may not be an empty string or binary, and is held to
 * the same size limits as a table key (2048 bytes for a partition key, 1024 for a sort key).
 *
 * Messages are DynamoDB's; an empty value has one form for PutItem / BatchWriteItem / a
 * transaction's Put and another for an update.
 */

const { canonNum } = require('./attr');

const HASH_LIMIT = 2048;
const RANGE_LIMIT = 1024;

/** @param {any} table */
function secondaryIndexes(table) {
  return [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])];
}

/** Bytes of a key value (numbers are never too long). @param {any} v */
function keyBytes(v) {
  if (typeof v.S === 'string') return Buffer.byteLength(v.S, 'utf8');
  if (typeof v.B === 'string') return Buffer.from(v.B, 'base64').length;
  return 0;
}

/**
 * The first problem with `item`'s secondary index keys, in both message forms, or null.
 * @param {any} table dynalite's table description
 * @param {any} item
 * @returns {{ put: string, update: string } | null}
 */
function indexKeyProblem(table, item) {
  if (!item || typeof item !== 'object') return null;
  for (const index of secondaryIndexes(table)) {
    for (const { AttributeName, KeyType } of index.KeySchema || []) {
      const v = item[AttributeName];
      if (!v || typeof v !== 'object') continue;
      if (v.S === '' || v.B === '') {
        const kind = v.S === '' ? 'string' : 'binary';
        return {
          put:
            'One or more parameter values are not valid. A value specified for a secondary index key is not supported. ' +
            `The AttributeValue for a key attribute cannot contain an empty ${kind} value. ` +
            `IndexName: ${index.IndexName}, IndexKey: ${AttributeName}`,
          update:
            'One or more parameter values are not valid. The update expression attempted to update a secondary index key ' +
            `to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value.`,
        };
      }
      const bytes = keyBytes(v);
      let message = null;
      if (KeyType === 'HASH' && bytes > HASH_LIMIT) {
        // (sic: DynamoDB's text has no space after "of")
        message = `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of${HASH_LIMIT} bytes`;
      } else if (KeyType === 'RANGE' && bytes > RANGE_LIMIT) {
        message = `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${RANGE_LIMIT} bytes`;
      }
      if (message) return { put: message, update: message };
    }
  }
  return null;
}

/** True if some value of the item could break an index key rule (so its table must be read). @param {any} item */
function mayHaveIndexKeyProblem(item) {
  if (!item || typeof item !== 'object') return false;
  for (const v of Object.values(item)) {
    if (!v || typeof v !== 'object') continue;
    if (v.S === '' || v.B === '') return true;
    // (a UTF-16 unit is at most 3 UTF-8 bytes; base64 is 4 characters per 3 bytes)
    if (typeof v.S === 'string' && v.S.length > RANGE_LIMIT / 3 && Buffer.byteLength(v.S, 'utf8') > RANGE_LIMIT) return true;
    if (typeof v.B === 'string' && v.B.length > (RANGE_LIMIT * 4) / 3) return true;
  }
  return false;
}

/**
 * A number an update computed (`SET a = a + :x`, `ADD`) that DynamoDB cannot store: more than 38
 * significant digits or a magnitude of 1e126 or more (DynamoDB calls both "Number overflow"), or a
 * magnitude below 1e-130. Iterative over the item's nested values; null when all are storable.
 * @param {any} item
 * @returns {string | null}
 */
function unstorableNumber(item) {
  if (!item || typeof item !== 'object') return null;
  /** @type {any[]} attribute values still to look at (the item's own, then nested ones) */
  const stack = Object.values(item);
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (typeof v.N === 'string') {
      const problem = numberProblem(v.N);
      if (problem) return problem;
    } else if (Array.isArray(v.L)) stack.push(...v.L);
    else if (v.M && typeof v.M === 'object') stack.push(...Object.values(v.M));
  }
  return null;
}

/** @param {string} n */
function numberProblem(n) {
  const m = /^-?0\.(\d+)e(-?\d+)$/.exec(canonNum(n));
  if (!m) return null; // zero
  const digits = /** @type {string} */ (m[1]),
    exp = Number(m[2]);
  if (digits.length > 38 || exp > 126) {
    return 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  }
  if (exp < -129) return 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
  return null;
}

/**
 * ReturnItemCollectionMetrics=SIZE: the item collection (of a table with a local secondary index)
 * a write touched, with DynamoDB's size estimate (a local collection is far below 1 GB: [0, 1]).
 * Null for a table without a local secondary index.
 * @param {any} table
 * @param {any} source an item or key
 */
function collectionMetric(table, source) {
  if (!table || !(table.LocalSecondaryIndexes || []).length) return null;
  const hash = table.KeySchema.find((/** @type {any} */ k) => k.KeyType === 'HASH').AttributeName;
  if (!source?.[hash]) return null;
  return { ItemCollectionKey: { [hash]: source[hash] }, SizeEstimateRangeGB: [0, 1] };
}

module.exports = { indexKeyProblem, mayHaveIndexKeyProblem, unstorableNumber, collectionMetric, HASH_LIMIT, RANGE_LIMIT };
