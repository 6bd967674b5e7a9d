// @ts-check

/**
 * Our own evaluator for parsed condition / filter expressions (the trees built by
 * ./expressions.js). It never throws, whatever the item holds: a missing or
 * wrongly-typed operand makes the comparison false, as in DynamoDB.
 *
 * Semantics (DynamoDB developer guide, "Comparison operator and function reference"):
 * - `=` / `IN`: same type and same value; numbers by value, sets as sets, lists in order,
 *   maps by key, nested values compared the same way. `<>` is the negation of `=`, so
 *   two missing operands are `<>` (and every other comparison of them is false).
 * - `<` `<=` `>` `>=` `BETWEEN`: N by numeric value, S by Unicode code point (UTF-8 byte
 *   order), B by bytes; anything else is false.
 * - functions: attribute_exists / attribute_not_exists / attribute_type / begins_with /
 *   contains (substring, set member or list element, nested values included) / size.
 */

const { valueEquals, canonNum } = require('./attr');

/**
 * @param {any} item
 * @param {any} expr
 * @returns {boolean}
 */
function evaluate(item, expr) {
  if (!expr || typeof expr !== 'object') return false;
  switch (expr.type) {
    case 'and':
      return evaluate(item, expr.args[0]) && evaluate(item, expr.args[1]);
    case 'or':
      return evaluate(item, expr.args[0]) || evaluate(item, expr.args[1]);
    case 'not':
      return !evaluate(item, expr.args[0]);
    default:
      break;
  }
  const args = Array.isArray(expr.args) ? expr.args.map((/** @type {any} */ a) => operand(item, a)) : [];
  const [a, b] = args;
  switch (expr.type) {
    case '=':
      return defined(a) && defined(b) && valueEquals(a, b);
    case '<>':
      return !(defined(a) && defined(b) && valueEquals(a, b));
    case '<':
      return order(a, b, (x) => x < 0);
    case '<=':
      return order(a, b, (x) => x <= 0);
    case '>':
      return order(a, b, (x) => x > 0);
    case '>=':
      return order(a, b, (x) => x >= 0);
    case 'between':
      return order(a, b, (x) => x >= 0) && order(a, args[2], (x) => x <= 0);
    case 'in':
      return defined(a) && args.slice(1).some((/** @type {any} */ v) => defined(v) && valueEquals(a, v));
    case 'function':
      return callFunction(expr.name, args);
    default:
      return false;
  }
}

/** @param {any} v */
function defined(v) {
  return v != null && typeof v === 'object' && !Array.isArray(v) && typeOf(v) != null;
}

/** @param {any} v @returns {string|null} */
function typeOf(v) {
  if (!v || typeof v !== 'object') return null;
  for (const k in v) return k;
  return null;
}

/**
 * @param {string} name
 * @param {any[]} args resolved operands
 */
function callFunction(name, args) {
  const [a, b] = args;
  switch (name) {
    case 'attribute_exists':
      return defined(a);
    case 'attribute_not_exists':
      return !defined(a);
    case 'attribute_type':
      return defined(a) && defined(b) && typeOf(b) === 'S' && typeOf(a) === b.S;
    case 'begins_with': {
      if (!defined(a) || !defined(b) || typeOf(a) !== typeOf(b)) return false;
      if (typeOf(a) === 'S') return typeof a.S === 'string' && typeof b.S === 'string' && a.S.startsWith(b.S);
      if (typeOf(a) === 'B') {
        const x = bytes(a.B),
          y = bytes(b.B);
        return x.length >= y.length && x.subarray(0, y.length).equals(y);
      }
      return false;
    }
    case 'contains':
      return contains(a, b);
    default:
      return false;
  }
}

/** @param {any} a @param {any} b */
function contains(a, b) {
  if (!defined(a) || !defined(b)) return false;
  const ta = typeOf(a),
    tb = typeOf(b);
  if (ta === 'S' && tb === 'S') return String(a.S).includes(String(b.S));
  if (ta === 'B' && tb === 'B') return bytes(a.B).includes(bytes(b.B));
  if (ta === 'SS' && tb === 'S') return Array.isArray(a.SS) && a.SS.includes(b.S);
  if (ta === 'NS' && tb === 'N')
    return Array.isArray(a.NS) && a.NS.some((/** @type {string} */ n) => safeCanon(n) === safeCanon(b.N));
  if (ta === 'BS' && tb === 'B')
    return Array.isArray(a.BS) && a.BS.some((/** @type {string} */ x) => bytes(x).equals(bytes(b.B)));
  if (ta === 'L') return Array.isArray(a.L) && a.L.some((/** @type {any} */ el) => defined(el) && valueEquals(el, b));
  return false;
}

/**
 * @param {any} a
 * @param {any} b
 * @param {(cmp: number) => boolean} test
 */
function order(a, b, test) {
  if (!defined(a) || !defined(b)) return false;
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  if (t === 'N') {
    const c = compareNumbers(a.N, b.N);
    return c != null && test(c);
  }
  if (t === 'S') {
    if (typeof a.S !== 'string' || typeof b.S !== 'string') return false;
    return test(Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8')));
  }
  if (t === 'B') return test(Buffer.compare(bytes(a.B), bytes(b.B)));
  return false;
}

/** @param {any} b64 */
function bytes(b64) {
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
}

/** @param {any} n */
function safeCanon(n) {
  try {
    return canonNum(String(n));
  } catch {
    return null;
  }
}

/**
 * Compares two DynamoDB number strings by value.
 * @param {any} x
 * @param {any} y
 * @returns {number|null} negative, 0, positive, or null when either is not a number
 */
function compareNumbers(x, y) {
  const a = decompose(x),
    b = decompose(y);
  if (!a || !b) return null;
  if (a.sign !== b.sign) return a.sign - b.sign;
  if (a.sign === 0) return 0;
  let mag = 0;
  if (a.exp !== b.exp) mag = a.exp - b.exp;
  else {
    const len = Math.max(a.digits.length, b.digits.length);
    const da = a.digits.padEnd(len, '0'),
      db = b.digits.padEnd(len, '0');
    mag = da < db ? -1 : da > db ? 1 : 0;
  }
  return a.sign * mag;
}

/**
 * @param {any} n
 * @returns {{ sign: number, exp: number, digits: string } | null}
 */
function decompose(n) {
  if (typeof n !== 'string' || !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(n)) return null;
  const canon = canonNum(n); // '0' or '[-]0.<digits>e<exp>'
  if (canon === '0') return { sign: 0, exp: 0, digits: '' };
  const m = /^(-?)0\.(\d+)e(-?\d+)$/.exec(canon);
  if (!m) return null;
  return { sign: m[1] ? -1 : 1, exp: Number(m[3]), digits: m[2] || '' };
}

/**
 * @param {any} item
 * @param {any} arg path (array) | size(...) node | AttributeValue
 * @returns {any}
 */
function operand(item, arg) {
  if (Array.isArray(arg)) return resolvePath(item, arg);
  if (arg && arg.type === 'function' && arg.name === 'size') return size(operand(item, arg.args?.[0]));
  return arg;
}

/** @param {any} v */
function size(v) {
  if (!defined(v)) return undefined;
  const t = typeOf(v);
  const val = v[/** @type {string} */ (t)];
  let n;
  if (t === 'S' && typeof val === 'string') n = val.length;
  else if (t === 'B') n = bytes(val).length;
  else if ((t === 'SS' || t === 'NS' || t === 'BS' || t === 'L') && Array.isArray(val)) n = val.length;
  else if (t === 'M' && val && typeof val === 'object') n = Object.keys(val).length;
  return n == null ? undefined : { N: String(n) };
}

/**
 * @param {any} item
 * @param {any[]} path
 */
function resolvePath(item, path) {
  if (!item || typeof item !== 'object') return undefined;
  let cur = Object.hasOwn(item, path[0]) ? item[path[0]] : undefined;
  for (let i = 1; i < path.length && cur != null; i++) {
    const piece = path[i];
    if (typeof piece === 'number') cur = cur && Array.isArray(cur.L) ? cur.L[piece] : undefined;
    else cur = cur?.M && typeof cur.M === 'object' && Object.hasOwn(cur.M, piece) ? cur.M[piece] : undefined;
  }
  return cur == null ? undefined : cur;
}

/** Legacy ComparisonOperator → the expression operator it means. */
const LEGACY_OPERATORS = /** @type {Record<string, string>} */ ({ EQ: '=', NE: '<>', LE: '<=', LT: '<', GE: '>=', GT: '>' });
/** Legacy ComparisonOperator → the condition function it means. */
const LEGACY_FUNCTIONS = /** @type {Record<string, string>} */ ({
  NOT_NULL: 'attribute_exists',
  NULL: 'attribute_not_exists',
  CONTAINS: 'contains',
  BEGINS_WITH: 'begins_with',
});

/**
 * The legacy conditional parameters (`Expected`, `QueryFilter`, `ScanFilter`, each with
 * `ConditionalOperator`) as the expression tree `evaluate` takes, so they share its semantics
 * (lists, maps and sets by value; numbers by value; strings by UTF-8 bytes). dynalite validates
 * them (operators, argument counts and types) before this runs. Null means "no condition".
 * @param {any} conditions attribute name → { Value?, Exists?, ComparisonOperator?, AttributeValueList? }
 * @param {any} conditionalOperator 'AND' (default) | 'OR'
 * @returns {any}
 */
function legacyExpression(conditions, conditionalOperator) {
  if (!conditions || typeof conditions !== 'object') return null;
  const parts = Object.keys(conditions).map((name) => legacyCondition([name], conditions[name] || {}));
  if (!parts.length) return null;
  const type = conditionalOperator === 'OR' ? 'or' : 'and';
  return parts.reduce((acc, part) => ({ type, args: [acc, part] }));
}

/** @param {string[]} path @param {any} c */
function legacyCondition(path, c) {
  if (c.Exists === false) return { type: 'function', name: 'attribute_not_exists', args: [path] };
  const op = c.ComparisonOperator || 'EQ';
  const values = Array.isArray(c.AttributeValueList) ? c.AttributeValueList : c.Value != null ? [c.Value] : [];
  if (c.ComparisonOperator == null && c.Value == null && c.Exists === true) {
    return { type: 'function', name: 'attribute_exists', args: [path] };
  }
  if (LEGACY_OPERATORS[op]) return { type: LEGACY_OPERATORS[op], args: [path, values[0]] };
  if (LEGACY_FUNCTIONS[op]) return { type: 'function', name: LEGACY_FUNCTIONS[op], args: [path, ...values.slice(0, 1)] };
  if (op === 'NOT_CONTAINS') return { type: 'not', args: [{ type: 'function', name: 'contains', args: [path, values[0]] }] };
  if (op === 'IN') return { type: 'in', args: [path, ...values] };
  if (op === 'BETWEEN') return { type: 'between', args: [path, values[0], values[1]] };
  return { type: 'never', args: [] };
}

module.exports = { evaluate, compareNumbers, legacyExpression };
