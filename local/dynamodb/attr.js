// @ts-check

/** AttributeValue helpers: semantic equality (to detect no-op writes). */

/**
 * Canonical number string so that "1", "1.0" and "1e0" compare equal.
 * @param {string} n
 */
function canonNum(n) {
  const s = String(n).trim();
  const neg = s.startsWith('-');
  let body = s.replace(/^[+-]/, '');
  let exp = 0;
  const e = body.search(/[eE]/);
  if (e >= 0) {
    exp = parseInt(body.slice(e + 1), 10);
    body = body.slice(0, e);
  }
  const [int, frac = ''] = body.split('.');
  let digits = (int || '') + frac;
  exp += (int || '').length;
  const lead = digits.search(/[^0]/);
  if (lead < 0) return '0';
  digits = digits.slice(lead);
  exp -= lead;
  digits = digits.replace(/0+$/, '');
  return `${neg ? '-' : ''}0.${digits}e${exp}`;
}

/**
 * @param {any} a AttributeValue
 * @param {any} b AttributeValue
 * @returns {boolean}
 */
function valueEquals(a, b) {
  if (a == null || b == null) return a === b;
  const ta = Object.keys(a)[0],
    tb = Object.keys(b)[0];
  if (ta == null || ta !== tb) return false;
  const va = a[ta],
    vb = b[tb];
  switch (ta) {
    case 'S':
    case 'B':
    case 'BOOL':
    case 'NULL':
      return va === vb;
    case 'N':
      return canonNum(va) === canonNum(vb);
    case 'SS':
    case 'BS':
      return setEq(va, vb, (x) => x);
    case 'NS':
      return setEq(va, vb, canonNum);
    case 'L':
      return va.length === vb.length && va.every((/** @type {any} */ x, /** @type {number} */ i) => valueEquals(x, vb[i]));
    case 'M':
      return itemEquals(va, vb);
    default:
      return JSON.stringify(va) === JSON.stringify(vb);
  }
}

/** @param {any[]} a @param {any[]} b @param {(x: any) => string} f */
function setEq(a, b, f) {
  if (a.length !== b.length) return false;
  const sa = new Set(a.map(f));
  return b.every((x) => sa.has(f(x)));
}

/**
 * @param {Record<string, any> | null | undefined} a item (attribute map)
 * @param {Record<string, any> | null | undefined} b
 */
function itemEquals(a, b) {
  if (a == null || b == null) return a === b;
  const ka = Object.keys(a),
    kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && valueEquals(a[k], b[k]));
}

module.exports = { valueEquals, itemEquals, canonNum };
