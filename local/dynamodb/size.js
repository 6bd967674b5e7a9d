// @ts-check

/**
 * Item sizes by DynamoDB's documented rule ("Item sizes and formats", DynamoDB Developer Guide):
 * the size of an item is the sum of the lengths of its attribute names and of its values, where
 * - a name or a String is its UTF-8 byte length, a Binary its byte length;
 * - a Number is about 1 byte per two significant digits, plus 1 byte (leading and trailing zeros
 *   trimmed);
 * - Null and Boolean are 1 byte each;
 * - a set is the sum of the sizes of its elements;
 * - a List or Map is 3 bytes plus, for each element, its size plus 1 byte (a Map's element also
 *   counts its name).
 * Used for the 1 MB page of Query and Scan (see pages.js).
 */

/** @param {string} n a DynamoDB number string */
function numberSize(n) {
  let digits = String(n).replace(/^[\s+-]+/, '');
  const e = digits.search(/[eE]/);
  if (e >= 0) digits = digits.slice(0, e);
  digits = digits.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (!digits.length) return 1; // zero
  return Math.ceil(digits.length / 2) + 1;
}

/** @param {string} b base64 */
function binarySize(b) {
  return Buffer.byteLength(String(b), 'base64');
}

/**
 * Size of one AttributeValue (without its name).
 * @param {any} v
 * @returns {number}
 */
function valueSize(v) {
  if (!v || typeof v !== 'object') return 0;
  if (typeof v.S === 'string') return Buffer.byteLength(v.S, 'utf8');
  if (typeof v.N === 'string') return numberSize(v.N);
  if (typeof v.B === 'string') return binarySize(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (Array.isArray(v.SS))
    return v.SS.reduce((/** @type {number} */ s, /** @type {string} */ x) => s + Buffer.byteLength(x, 'utf8'), 0);
  if (Array.isArray(v.NS)) return v.NS.reduce((/** @type {number} */ s, /** @type {string} */ x) => s + numberSize(x), 0);
  if (Array.isArray(v.BS)) return v.BS.reduce((/** @type {number} */ s, /** @type {string} */ x) => s + binarySize(x), 0);
  if (Array.isArray(v.L)) return 3 + v.L.reduce((/** @type {number} */ s, /** @type {any} */ x) => s + 1 + valueSize(x), 0);
  if (v.M && typeof v.M === 'object') {
    let s = 3;
    for (const [k, x] of Object.entries(v.M)) s += 1 + Buffer.byteLength(k, 'utf8') + valueSize(x);
    return s;
  }
  return 0;
}

/**
 * Size of an item (attribute name → AttributeValue).
 * @param {Record<string, any>} item
 */
function itemSize(item) {
  let s = 0;
  for (const [k, v] of Object.entries(item || {})) s += Buffer.byteLength(k, 'utf8') + valueSize(v);
  return s;
}

module.exports = { itemSize, valueSize, numberSize };
