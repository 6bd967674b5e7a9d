// @ts-check

/**
 * Our own parser for DynamoDB expressions (condition / filter / key condition, update,
 * projection), in one left-to-right pass over a token list: time linear in the
 * expression length, no backtracking. It replaces dynalite's generated PEG parsers
 * (which backtrack exponentially on nested parentheses) at the seam where
 * dynalite's validations call `parser.parse(str, { context })`, and produces the same
 * result shapes dynalite's evaluator and update code consume:
 *
 *   condition  -> { expression, nestedPaths, pathHeads }
 *                 expression: { type: 'or'|'and'|'not'|'='|'<>'|'<'|'<='|'>'|'>='|'between'|'in', args }
 *                           | { type: 'function', name, args, attrType }
 *                 operands:   path (array of names and list indexes) | AttributeValue | size(...) node
 *   update     -> { sections: [{ type: 'set'|'remove'|'add'|'delete', path, val, attrType }], paths, nestedPaths }
 *   projection -> { paths, nestedPaths }
 *
 * A semantic problem (undefined #name, unknown function, ...) is returned as a string, a
 * syntax error is thrown as `{ name: 'SyntaxError', message: 'token: "…", near: "…"' }`,
 * both as dynalite's validations expect; they prefix `Invalid <Kind>Expression: `.
 *
 * Grammar (DynamoDB developer guide, "Condition expressions" / "Update expressions"):
 *   condition ::= operand comparator operand | operand BETWEEN operand AND operand
 *               | operand IN ( operand {, operand} ) | function | condition AND condition
 *               | condition OR condition | NOT condition | ( condition )
 *   precedence, loosest first: OR, AND, NOT, then comparisons / BETWEEN / IN / functions.
 */

const MAX_EXPRESSION_BYTES = 4096;
/**
 * DynamoDB's limit of 300 operators in an expression ("The expression contains too many operators;
 * operator count: 301", as ScyllaDB's test_limits.py quotes DynamoDB; AWS's DynamoDB code examples
 * teach "DynamoDB's 300 operator limit"). Conditions count comparators, BETWEEN, IN (once, whatever
 * its operands), AND, OR and NOT, as ScyllaDB's tests observed on DynamoDB; updates count + and -
 * and, our choice (not verified on DynamoDB), function calls.
 */
const MAX_OPERATORS = 300;
/**
 * Parentheses nested deeper than this are not parsed further: the parser recurses on them, so this
 * bounds its stack (about 1,250 levels overflow it; 4 KB allow 2,046). No expression DynamoDB
 * accepts comes near it: each level needs an operator of its own or is redundant, and 300
 * operators are the most. NOT and function calls are not limited here: the 300 operators and the
 * 4 KB size bound them below the stack's limit.
 */
const MAX_NESTING = 400;
/** Levels of a document path, the top-level attribute included (DynamoDB's documented 32 levels). */
const MAX_PATH_LEVELS = 32;

const CONDITION_FUNCTIONS = /** @type {Record<string, number>} */ ({
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
});
const UPDATE_FUNCTIONS = /** @type {Record<string, number>} */ ({ if_not_exists: 2, list_append: 2 });
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const TYPE_NAMES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'];
const TYPE_WORDS = /** @type {Record<string, string>} */ ({
  L: 'LIST',
  M: 'MAP',
  BOOL: 'BOOLEAN',
  NULL: 'NULL',
  SS: 'STRING_SET',
  NS: 'NUMBER_SET',
  BS: 'BINARY_SET',
});
const MAX_IN_OPERANDS = 100;

/**
 * The name-and-arity check every function call gets, condition and update expressions alike:
 * an unknown name, then a wrong number of operands (recorded under `bucket`), in DynamoDB's
 * order and words. False when the call cannot be checked further.
 * @param {any} p the expression's problem list
 * @param {string} name
 * @param {number | undefined} arity undefined for an unknown function
 * @param {any[]} args
 * @param {string} bucket
 */
function knownWithArity(p, name, arity, args, bucket) {
  if (p.has('unknownFunction')) return false;
  if (arity === undefined) {
    p.add('unknownFunction', `Invalid function name; function: ${name}`);
    return false;
  }
  if (p.has(bucket)) return false;
  if (arity !== args.length) {
    p.add(
      bucket,
      `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
    );
    return false;
  }
  return true;
}

/**
 * @typedef {{ t: string, v: string, s: number, e: number }} Token
 *   t: 'id' | 'name' (#x) | 'value' (:x) | 'num' | 'eof' | the punctuation itself
 */

/**
 * @param {string} message
 * @returns {Error}
 */
function syntaxError(message) {
  const err = new Error(message);
  err.name = 'SyntaxError';
  return err;
}

/**
 * @param {string} input
 * @returns {Token[]}
 */
function tokenize(input) {
  /** @type {Token[]} */
  const out = [];
  const n = input.length;
  let i = 0;
  const word = (/** @type {number} */ c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const s = i;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      while (i < n && word(input.charCodeAt(i))) i++;
      out.push({ t: 'id', v: input.slice(s, i), s, e: i });
    } else if (c >= 48 && c <= 57) {
      while (i < n && input.charCodeAt(i) >= 48 && input.charCodeAt(i) <= 57) i++;
      out.push({ t: 'num', v: input.slice(s, i), s, e: i });
    } else if (c === 35 || c === 58) {
      // # or :
      i++;
      while (i < n && word(input.charCodeAt(i))) i++;
      if (i === s + 1) out.push({ t: 'bad', v: input.charAt(s), s, e: i });
      else out.push({ t: c === 35 ? 'name' : 'value', v: input.slice(s, i), s, e: i });
    } else {
      const two = input.slice(i, i + 2);
      if (two === '<>' || two === '<=' || two === '>=') {
        i += 2;
        out.push({ t: two, v: two, s, e: i });
      } else if ('()[],.=<>+-'.includes(input.charAt(i))) {
        i++;
        out.push({ t: input.charAt(s), v: input.charAt(s), s, e: i });
      } else {
        const cp = input.codePointAt(i) || 0;
        i += cp > 0xffff ? 2 : 1;
        out.push({ t: 'bad', v: input.slice(s, i), s, e: i });
      }
    }
  }
  out.push({ t: 'eof', v: '<EOF>', s: n, e: n });
  return out;
}

/**
 * Shared cursor over the tokens, with DynamoDB's syntax error form:
 * token: the offending token, near: the source from the token before it to the one after it.
 */
class Cursor {
  /**
   * @param {string} input
   * @param {(t: Token, next: Token | undefined) => boolean} isOperator which tokens the grammar counts as operators
   */
  constructor(input, isOperator) {
    this.input = input;
    this.tokens = tokenize(input);
    this.i = 0;
    this.depth = 0;
    this.operators = 0;
    this.isOperator = isOperator;
  }

  /** @returns {Token} */
  peek(k = 0) {
    return /** @type {Token} */ (this.tokens[Math.min(this.i + k, this.tokens.length - 1)]);
  }
  /** @returns {Token} */
  next() {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  /** @param {string} word */
  isKeyword(word, k = 0) {
    const t = this.peek(k);
    return t.t === 'id' && t.v.toUpperCase() === word;
  }

  /** @param {string} type */
  expect(type) {
    const t = this.peek();
    if (t.t !== type) this.fail(t);
    return this.next();
  }

  /** @param {Token} [tok] @returns {never} */
  fail(tok) {
    const t = tok || this.peek();
    const idx = this.tokens.indexOf(t);
    const prev = idx > 0 ? this.tokens[idx - 1] : undefined;
    const after = this.tokens[idx + 1];
    const from = prev ? prev.s : t.s;
    const to = t.t === 'eof' || !after || after.t === 'eof' ? this.input.length : after.e;
    throw syntaxError(`token: "${t.v}", near: "${this.input.slice(from, to)}"`);
  }

  /** One more operator: past DynamoDB's 300 the expression is refused at once, with the count reached. */
  operator() {
    if (++this.operators > MAX_OPERATORS) {
      throw new Error(`The expression contains too many operators; operator count: ${this.operators}`);
    }
  }

  /** One more level of parentheses (see MAX_NESTING). */
  enter() {
    if (++this.depth > MAX_NESTING) throw new Error(this.tooDeep());
  }

  /**
   * The answer for parentheses nested past MAX_NESTING, found without parsing (one pass over the
   * tokens): DynamoDB's operator-count message if the expression has more than 300 operators; its
   * redundant-parentheses message if the parentheses balance (what DynamoDB answers for
   * ((((a<b)))) 2,046 levels deep, as ScyllaDB's test_deeply_nested_expression_3 quotes it);
   * otherwise our own message.
   */
  tooDeep() {
    let operators = 0,
      open = 0,
      balanced = true;
    for (let i = 0; i < this.tokens.length; i++) {
      const t = /** @type {Token} */ (this.tokens[i]);
      if (this.isOperator(t, this.tokens[i + 1])) operators++;
      if (t.t === '(') open++;
      else if (t.t === ')' && --open < 0) balanced = false;
    }
    if (operators > MAX_OPERATORS) return `The expression contains too many operators; operator count: ${MAX_OPERATORS + 1}`;
    if (balanced && open === 0) return 'The expression has redundant parentheses;';
    // nothing but opening parentheses: the syntax error the parser would reach at the end
    if (this.tokens.every((t) => t.t === '(' || t.t === 'eof')) this.fail(this.tokens[this.tokens.length - 1]);
    return `The expression has exceeded the maximum nesting depth; maximum depth: ${MAX_NESTING}`;
  }

  leave() {
    this.depth--;
  }
}

/** @param {any} val */
function immediateType(val) {
  if (!val || typeof val !== 'object' || Array.isArray(val) || val.attrType !== undefined || val.type) return null;
  for (const t of TYPE_NAMES) if (val[t] != null) return t;
  return null;
}

/** @param {any} val */
function operandType(val) {
  if (!val || typeof val !== 'object' || Array.isArray(val)) return null;
  if (val.attrType) return val.attrType;
  return immediateType(val);
}

/** @param {(string|number)[]} path */
function pathStr(path) {
  return `[${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join(', ')}]`;
}

/**
 * First-error-wins slots, reported in a fixed priority order at the end (as DynamoDB does:
 * e.g. a reserved word is reported ahead of an undefined attribute value).
 */
class Problems {
  constructor() {
    /** @type {Record<string, string>} */ this.slots = Object.create(null);
  }
  /** @param {string} slot @param {string} msg */
  add(slot, msg) {
    if (!this.slots[slot]) this.slots[slot] = msg;
  }
  /** @param {string} slot */
  has(slot) {
    return !!this.slots[slot];
  }
  /** @param {string[]} order */
  first(order) {
    for (const s of order) if (this.slots[s]) return this.slots[s];
    return null;
  }
}

/**
 * Names, values, reserved words and document paths, shared by the three grammars.
 */
class Resolver {
  /** @param {any} context dynalite's parse context */
  constructor(context) {
    this.attrNames = context.attrNames || {};
    this.attrVals = context.attrVals || {};
    this.unusedNames = context.unusedAttrNames || {};
    this.unusedVals = context.unusedAttrVals || {};
    this.isReserved = typeof context.isReserved === 'function' ? context.isReserved : () => false;
    this.problems = new Problems();
    /** @type {Record<string, boolean>} */
    this.nestedPaths = Object.create(null);
    /** @type {Record<string, boolean>} */
    this.pathHeads = Object.create(null);
  }

  /** @param {string} name e.g. #a @param {string} slot */
  name(name, slot) {
    if (this.problems.has(slot)) return undefined;
    if (!Object.hasOwn(this.attrNames, name) || !this.attrNames[name]) {
      this.problems.add(slot, `An expression attribute name used in the document path is not defined; attribute name: ${name}`);
      return undefined;
    }
    delete this.unusedNames[name];
    return this.attrNames[name];
  }

  /** @param {string} name e.g. :v @param {string} slot */
  value(name, slot) {
    if (this.problems.has(slot)) return undefined;
    if (!Object.hasOwn(this.attrVals, name) || !this.attrVals[name]) {
      this.problems.add(slot, `An expression attribute value used in expression is not defined; attribute value: ${name}`);
      return undefined;
    }
    delete this.unusedVals[name];
    return this.attrVals[name];
  }

  /**
   * path ::= element { '.' element | '[' digits ']' }, element ::= identifier | #name
   * @param {Cursor} c
   * @param {string} nameSlot where an undefined #name is recorded
   * @returns {any[]}
   */
  path(c, nameSlot) {
    /** @type {any[]} */
    const path = [this.element(c, nameSlot)];
    for (;;) {
      const t = c.peek();
      if (t.t === '.') {
        c.next();
        path.push(this.element(c, nameSlot));
      } else if (t.t === '[') {
        c.next();
        const ix = c.expect('num');
        c.expect(']');
        path.push(Number(ix.v));
      } else break;
    }
    if (path.length > MAX_PATH_LEVELS) {
      // DynamoDB's text, as ScyllaDB's test_projection_expression_path_nesting_levels quotes it
      throw new Error(`The document path has too many nesting levels; nesting levels: ${path.length}`);
    }
    if (path.length > 1) this.nestedPaths[path[0]] = true;
    this.pathHeads[path[0]] = true;
    return path;
  }

  /** @param {Cursor} c @param {string} nameSlot */
  element(c, nameSlot) {
    const t = c.peek();
    if (t.t === 'name') {
      c.next();
      return this.name(t.v, nameSlot);
    }
    if (t.t === 'id') {
      c.next();
      if (this.isReserved(t.v)) this.problems.add('reserved', `Attribute name is a reserved keyword; reserved keyword: ${t.v}`);
      return t.v;
    }
    return c.fail(t);
  }
}

// ------------------------------------------------------------------ condition expressions

/** @param {Token} t @param {Token | undefined} _next */
function isConditionOperator(t, _next) {
  if (COMPARATORS.has(t.t)) return true;
  // BETWEEN x AND y is one operator: its AND is counted, BETWEEN is not
  return t.t === 'id' && t.v.toUpperCase() !== 'BETWEEN' && LOGICAL.has(t.v.toUpperCase());
}

/** @param {Token} t @param {Token | undefined} next */
function isUpdateOperator(t, next) {
  return t.t === '+' || t.t === '-' || (t.t === 'id' && next?.t === '(');
}

const LOGICAL = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

/**
 * @param {string} input
 * @param {any} context
 */
function parseCondition(input, context) {
  const c = new Cursor(input, isConditionOperator);
  const r = new Resolver(context);
  const p = r.problems;
  const compare = typeof context.compare === 'function' ? context.compare : () => false;

  const leafDone = () => {
    if (p.has('condition')) return;
    const msg = p.first(['attrNameVal', 'operand', 'distinct', 'function']);
    if (msg) p.add('condition', msg);
  };
  /** @param {any} e */
  const misusedSize = (e) => {
    if (e && e.type === 'function' && e.name === 'size') {
      p.add('misusedFunction', 'The function is not allowed to be used this way in an expression; function: size');
    }
  };
  /** @param {any[]} args */
  const misusedFunction = (args) => {
    if (p.has('misusedFunction')) return;
    for (const a of args) {
      if (a && a.type === 'function' && a.name !== 'size') {
        p.add('misusedFunction', `The function is not allowed to be used this way in an expression; function: ${a.name}`);
        return;
      }
    }
  };
  /** @param {string} op @param {any[]} args */
  const distinct = (op, args) => {
    if (p.has('distinct') || args.length !== 2 || !Array.isArray(args[0]) || !Array.isArray(args[1])) return;
    const [a, b] = args;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) return;
    p.add(
      'distinct',
      'The first operand must be distinct from the remaining operands for this operator or function; operator: ' +
        op +
        ', first operand: ' +
        pathStr(a),
    );
  };

  /** @param {string} name @param {any[]} args */
  const checkFunction = (name, args) => {
    const arity = Object.hasOwn(CONDITION_FUNCTIONS, name) ? CONDITION_FUNCTIONS[name] : undefined;
    if (!knownWithArity(p, name, arity, args, 'operand')) return undefined;
    distinct(name, args);
    if (p.has('function')) return undefined;
    const bad = (/** @type {string} */ type) => {
      p.add('function', `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);
      return undefined;
    };
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        if (!Array.isArray(args[0])) {
          p.add('function', `Operator or function requires a document path; operator or function: ${name}`);
          return undefined;
        }
        return null;
      case 'begins_with':
        for (const a of args) {
          const t = operandType(a);
          if (t && t !== 'S' && t !== 'B') return bad(t);
        }
        return 'BOOL';
      case 'attribute_type': {
        const t = operandType(args[1]);
        if (t !== 'S') return bad(t == null ? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}' : t);
        if (!TYPE_NAMES.includes(args[1].S)) {
          p.add('function', `Invalid attribute type name found; type: ${args[1].S}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
          return undefined;
        }
        return 'BOOL';
      }
      case 'size': {
        const t = operandType(args[0]);
        if (t === 'N' || t === 'BOOL' || t === 'NULL') return bad(t);
        return 'N';
      }
      default: // contains
        return 'BOOL';
    }
  };

  /** Ordering (<, <=, >, >=, BETWEEN) is defined on N, S and B only: a constant of another type is refused. @param {string} op @param {any[]} args */
  const orderable = (op, args) => {
    if (p.has('function')) return;
    for (const a of args) {
      const t = immediateType(a);
      if (t && t !== 'N' && t !== 'S' && t !== 'B') {
        p.add(
          'function',
          'Incorrect operand type for operator or function; operator or function: ' +
            op +
            ', operand type: ' +
            (TYPE_WORDS[t] || t),
        );
        return;
      }
    }
  };

  /** @param {any} lo @param {any} hi */
  const betweenBounds = (lo, hi) => {
    if (p.has('function')) return;
    const t1 = immediateType(lo),
      t2 = immediateType(hi);
    if (!t1 || !t2) return;
    const show =
      'lower bound operand: AttributeValue: {' +
      t1 +
      ':' +
      lo[t1] +
      '}, upper bound operand: AttributeValue: {' +
      t2 +
      ':' +
      hi[t2] +
      '}';
    if (t1 !== t2) p.add('function', `The BETWEEN operator requires same data type for lower and upper bounds; ${show}`);
    else if (safeCompare(compare, lo, hi))
      p.add('function', `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${show}`);
  };

  // Nodes carry their kind while parsing: 'cond' (a boolean condition) or 'operand'.
  /** @typedef {{ kind: 'cond'|'operand', node: any, parens: number, end: number }} Parsed */

  /**
   * One precedence level of a left-to-right chain of `keyword` (OR over AND over NOT), folded
   * into a right-nested tree as dynalite's evaluator expects.
   * @param {'OR'|'AND'} keyword
   * @param {() => Parsed} operand the next tighter level
   * @returns {Parsed}
   */
  const chain = (keyword, operand) => {
    const first = operand();
    if (!c.isKeyword(keyword)) return first;
    /** @type {any[]} */
    const parts = [asCond(first)];
    while (c.isKeyword(keyword)) {
      c.next();
      c.operator();
      parts.push(asCond(operand()));
    }
    parts.forEach(misusedSize);
    return { kind: 'cond', node: foldRight(keyword === 'OR' ? 'or' : 'and', parts), parens: 0, end: c.i };
  };
  /** @returns {Parsed} */
  const orExpr = () => chain('OR', andExpr);
  /** @returns {Parsed} */
  const andExpr = () => chain('AND', notExpr);

  /** @returns {Parsed} */
  const notExpr = () => {
    if (c.isKeyword('NOT')) {
      c.next();
      c.operator();
      const inner = asCond(notExpr());
      misusedSize(inner);
      return { kind: 'cond', node: { type: 'not', args: [inner] }, parens: 0, end: c.i };
    }
    return comparison();
  };

  /** A condition where one is required; a bare operand is a syntax error at the token after it. @param {Parsed} x */
  const asCond = (x) => {
    if (x.kind !== 'cond') c.fail(c.tokens[x.end] || c.peek());
    return x.node;
  };
  /** @param {Parsed} x */
  const asOperand = (x) => {
    if (x.kind !== 'operand') c.fail(c.tokens[x.end] || c.peek());
    return x.node;
  };

  /** @returns {Parsed} */
  const comparison = () => {
    const left = primary();
    const t = c.peek();
    if (COMPARATORS.has(t.t)) {
      if (left.kind !== 'operand') c.fail(t);
      c.next();
      c.operator();
      const right = asOperand(primary());
      const args = [left.node, right];
      misusedFunction(args);
      distinct(t.t, args);
      if (t.t !== '=' && t.t !== '<>') orderable(t.t, args);
      leafDone();
      return { kind: 'cond', node: { type: t.t, args }, parens: 0, end: c.i };
    }
    if (c.isKeyword('BETWEEN')) {
      if (left.kind !== 'operand') c.fail(t);
      c.next();
      c.operator();
      const lo = asOperand(primary());
      if (!c.isKeyword('AND')) c.fail();
      c.next();
      const hi = asOperand(primary());
      const args = [left.node, lo, hi];
      misusedFunction(args);
      orderable('BETWEEN', args);
      betweenBounds(lo, hi);
      leafDone();
      return { kind: 'cond', node: { type: 'between', args }, parens: 0, end: c.i };
    }
    if (c.isKeyword('IN')) {
      if (left.kind !== 'operand') c.fail(t);
      c.next();
      c.operator();
      c.expect('(');
      const args = [left.node, asOperand(primary())];
      while (c.peek().t === ',') {
        c.next();
        args.push(asOperand(primary()));
      }
      c.expect(')');
      misusedFunction(args);
      if (args.length - 1 > MAX_IN_OPERANDS)
        p.add('function', `The IN operator is provided with too many operands; number of operands: ${args.length - 1}`);
      leafDone();
      return { kind: 'cond', node: { type: 'in', args }, parens: 0, end: c.i };
    }
    if (left.kind === 'operand' && left.node && left.node.type === 'function' && left.parens === 0) {
      // a function call standing alone is a condition (size() alone is reported as misused)
      leafDone();
      return { kind: 'cond', node: left.node, parens: 0, end: left.end };
    }
    return left;
  };

  /** operand | function call | ( anything ) @returns {Parsed} */
  const primary = () => {
    const t = c.peek();
    if (t.t === '(') {
      c.next();
      c.enter();
      const inner = orExpr();
      c.expect(')');
      c.leave();
      if (inner.parens > 0) p.add('parens', 'The expression has redundant parentheses;');
      if (inner.kind === 'operand' && inner.node && inner.node.type === 'function' && inner.parens === 0) {
        // "(size(a)) = :v" keeps size as an operand; "(attribute_exists(a))" is a condition
        if (!isComparisonNext()) {
          leafDone();
          return { kind: 'cond', node: inner.node, parens: 1, end: c.i };
        }
      }
      return { kind: inner.kind, node: inner.node, parens: inner.parens + 1, end: c.i };
    }
    if (t.t === 'value') {
      c.next();
      return { kind: 'operand', node: r.value(t.v, 'attrNameVal'), parens: 0, end: c.i };
    }
    if (t.t === 'id' && c.peek(1).t === '(' && !LOGICAL.has(t.v.toUpperCase())) {
      c.next();
      c.next();
      /** @type {any[]} */
      const args = [];
      if (c.peek().t === ')') c.fail();
      args.push(asOperand(primary()));
      while (c.peek().t === ',') {
        c.next();
        args.push(asOperand(primary()));
      }
      c.expect(')');
      misusedFunction(args);
      const attrType = checkFunction(t.v, args);
      return { kind: 'operand', node: { type: 'function', name: t.v, args, attrType }, parens: 0, end: c.i };
    }
    if ((t.t === 'id' && !LOGICAL.has(t.v.toUpperCase())) || t.t === 'name') {
      return { kind: 'operand', node: r.path(c, 'attrNameVal'), parens: 0, end: c.i };
    }
    return c.fail(t);
  };

  const isComparisonNext = () => COMPARATORS.has(c.peek().t) || c.isKeyword('BETWEEN') || c.isKeyword('IN');

  const top = orExpr();
  if (c.peek().t !== 'eof') c.fail();
  const expression = asCond(top);
  misusedSize(expression);
  return (
    p.first(['parens', 'unknownFunction', 'misusedFunction', 'reserved', 'condition']) || {
      expression,
      nestedPaths: r.nestedPaths,
      pathHeads: r.pathHeads,
    }
  );
}

/** @param {(op: string, a: any, b: any) => any} compare @param {any} a @param {any} b */
function safeCompare(compare, a, b) {
  try {
    return compare('GT', a, b);
  } catch {
    return false;
  }
}

/** @param {string} type @param {any[]} parts */
function foldRight(type, parts) {
  let node = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) node = { type, args: [parts[i], node] };
  return node;
}

// ------------------------------------------------------------------ update expressions

const SECTION_WORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);

/**
 * update ::= section { section }, each of SET / REMOVE / ADD / DELETE at most once
 * @param {string} input
 * @param {any} context
 */
function parseUpdate(input, context) {
  const c = new Cursor(input, isUpdateOperator);
  const r = new Resolver(context);
  const p = r.problems;
  /** @type {Record<string, boolean>} */
  const seen = Object.create(null);
  /** @type {any[]} */
  const paths = [];
  /** @type {any[]} */
  const sections = [];

  /** @param {any[]} path */
  const checkPath = (path) => {
    if (p.has('pathOverlap') || !Array.isArray(path)) return;
    for (const other of paths) {
      let conflict = false,
        diverged = false;
      for (let i = 0; i < other.length && i < path.length; i++) {
        if (typeof other[i] !== typeof path[i]) {
          conflict = true;
          break;
        }
        if (other[i] !== path[i]) {
          diverged = true;
          break;
        }
      }
      if (conflict) {
        p.add(
          'pathConflict',
          'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ' +
            pathStr(other) +
            ', path two: ' +
            pathStr(path),
        );
        continue;
      }
      if (!diverged) {
        p.add(
          'pathOverlap',
          'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ' +
            pathStr(other) +
            ', path two: ' +
            pathStr(path),
        );
        return;
      }
    }
    paths.push(path);
  };

  /** @param {string} name @param {any[]} args */
  const checkFunction = (name, args) => {
    const arity = name === '+' || name === '-' ? 2 : Object.hasOwn(UPDATE_FUNCTIONS, name) ? UPDATE_FUNCTIONS[name] : undefined;
    if (!knownWithArity(p, name, arity, args, 'function')) return undefined;
    const requireType = (/** @type {string} */ want) => {
      for (const a of args) {
        const t = immediateType(a);
        if (t && t !== want) {
          p.add('function', `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${t}`);
          return undefined;
        }
      }
      return want;
    };
    if (name === 'if_not_exists') {
      if (!Array.isArray(args[0])) {
        p.add('function', `Operator or function requires a document path; operator or function: ${name}`);
        return undefined;
      }
      return operandType(args[1]);
    }
    // DynamoDB refuses a list_append nested in a list_append (if_not_exists inside one is fine)
    if (name === 'list_append' && args.some((a) => a && a.type === 'function' && a.name === 'list_append')) {
      p.add('misusedFunction', 'The function is not allowed to be used this way in an expression; function: list_append');
      return undefined;
    }
    return requireType(name === 'list_append' ? 'L' : 'N');
  };

  /** operand ::= path | :value | function ( operand, ... ) | ( value ) @returns {any} */
  const operand = () => {
    const t = c.peek();
    if (t.t === '(') {
      c.next();
      c.enter();
      const v = value();
      c.expect(')');
      c.leave();
      return v;
    }
    if (t.t === 'value') {
      c.next();
      return r.value(t.v, 'attrVal');
    }
    if (t.t === 'id' && c.peek(1).t === '(') {
      c.next();
      c.next();
      c.operator();
      const args = [operand()];
      while (c.peek().t === ',') {
        c.next();
        args.push(operand());
      }
      c.expect(')');
      const attrType = checkFunction(t.v, args);
      return { type: 'function', name: t.v, args, attrType };
    }
    if ((t.t === 'id' && !SECTION_WORDS.has(t.v.toUpperCase())) || t.t === 'name') return r.path(c, 'attrName');
    return c.fail(t);
  };

  /** value ::= operand [ ('+' | '-') operand ] @returns {any} */
  const value = () => {
    const a = operand();
    const t = c.peek();
    if (t.t === '+' || t.t === '-') {
      c.next();
      c.operator();
      const b = operand();
      const args = [a, b];
      const attrType = checkFunction(t.t, args);
      return { type: t.t === '+' ? 'add' : 'subtract', args, attrType };
    }
    return a;
  };

  /** @param {string} operator @param {any} val */
  const checkOperand = (operator, val) => {
    if (p.has('operand') || !val) return undefined;
    const names = /** @type {Record<string, string>} */ ({
      S: 'STRING',
      N: 'NUMBER',
      B: 'BINARY',
      NULL: 'NULL',
      BOOL: 'BOOLEAN',
      L: 'LIST',
      M: 'MAP',
    });
    const type = immediateType(val);
    if (type && names[type] && !(operator === 'ADD' && type === 'N')) {
      p.add('operand', `Incorrect operand type for operator or function; operator: ${operator}, operand type: ${names[type]}`);
    }
    return type;
  };

  const targetPath = () => {
    const t = c.peek();
    if ((t.t === 'id' && !SECTION_WORDS.has(t.v.toUpperCase())) || t.t === 'name') return r.path(c, 'attrName');
    return c.fail(t);
  };

  const isSectionStart = () => {
    const t = c.peek();
    return t.t === 'id' && SECTION_WORDS.has(t.v.toUpperCase());
  };

  if (!isSectionStart()) c.fail();
  while (isSectionStart()) {
    const word = c.next().v.toUpperCase();
    if (seen[word]) p.add('section', `The "${word}" section can only be used once in an update expression;`);
    seen[word] = true;
    for (;;) {
      const path = targetPath();
      checkPath(path);
      if (word === 'SET') {
        c.expect('=');
        const val = value();
        sections.push({ type: 'set', path, val, attrType: operandType(val) });
      } else if (word === 'REMOVE') {
        sections.push({ type: 'remove', path });
      } else {
        const t = c.peek();
        if (t.t !== 'value') c.fail(t);
        c.next();
        const val = r.value(t.v, 'attrVal');
        const attrType = checkOperand(word, val);
        sections.push({ type: word === 'ADD' ? 'add' : 'delete', path, val, attrType });
      }
      if (c.peek().t !== ',') break;
      c.next();
    }
  }
  if (c.peek().t !== 'eof') c.fail();
  return (
    p.first([
      'reserved',
      'unknownFunction',
      'section',
      'attrName',
      'attrVal',
      'pathOverlap',
      'pathConflict',
      'operand',
      'function',
      'misusedFunction',
    ]) || { sections: inApplyOrder(sections), paths, nestedPaths: r.nestedPaths }
  );
}

/**
 * Every path of an update expression names the item as it was before the update
 * (`REMOVE a[1] SET a[3] = :x` sets the original a[3]). dynalite applies the actions one after
 * the other, so they are handed over in an order where none moves another's target: SET, ADD
 * and DELETE first, then the REMOVEs, later list positions before earlier ones.
 * @param {any[]} sections
 */
function inApplyOrder(sections) {
  const removes = sections.filter((s) => s.type === 'remove');
  if (!removes.length) return sections;
  removes.sort((a, b) => comparePathsDescending(a.path, b.path));
  return sections.filter((s) => s.type !== 'remove').concat(removes);
}

/** @param {any[]} a @param {any[]} b */
function comparePathsDescending(a, b) {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return b[i] - a[i];
    return String(b[i]) < String(a[i]) ? -1 : 1;
  }
  return b.length - a.length;
}

// ------------------------------------------------------------------ projection expressions

/**
 * projection ::= path { , path }
 * @param {string} input
 * @param {any} context
 */
function parseProjection(input, context) {
  const c = new Cursor(input, () => false);
  const r = new Resolver(context);
  const p = r.problems;
  /** @type {any[][]} */
  const paths = [];
  for (;;) {
    const t = c.peek();
    if (t.t !== 'id' && t.t !== 'name') c.fail(t);
    paths.push(r.path(c, 'attrNameVal'));
    if (c.peek().t !== ',') break;
    c.next();
  }
  if (c.peek().t !== 'eof') c.fail();
  /** @type {any[][]} */
  const kept = [];
  outer: for (const path of paths) {
    if (p.has('pathOverlap')) break;
    for (const other of kept) {
      let i = 0;
      for (; i < other.length && i < path.length; i++) {
        if (typeof other[i] !== typeof path[i]) {
          p.add(
            'pathConflict',
            'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ' +
              pathStr(other) +
              ', path two: ' +
              pathStr(path),
          );
          continue outer;
        }
        if (other[i] !== path[i]) break;
      }
      if (i === other.length || i === path.length) {
        p.add(
          'pathOverlap',
          'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ' +
            pathStr(other) +
            ', path two: ' +
            pathStr(path),
        );
        continue outer;
      }
    }
    kept.push(path);
  }
  return p.first(['reserved', 'attrNameVal', 'pathOverlap', 'pathConflict']) || { paths, nestedPaths: r.nestedPaths };
}

/**
 * Wraps a grammar in the `{ parse(str, { context }) }` interface dynalite's validations call,
 * adding DynamoDB's 4 KB expression size limit.
 * @param {(input: string, context: any) => any} grammar
 */
function asParser(grammar) {
  return {
    /** @param {string} input @param {{ context?: any }} [options] */
    parse(input, options) {
      if (typeof input !== 'string') throw syntaxError('token: "<EOF>", near: ""');
      const size = Buffer.byteLength(input, 'utf8');
      if (size > MAX_EXPRESSION_BYTES) {
        throw new Error(`Expression size has exceeded the maximum allowed size; expression size: ${size}`);
      }
      return grammar(input, options?.context || {});
    },
  };
}

module.exports = {
  parseCondition,
  parseUpdate,
  parseProjection,
  conditionParser: asParser(parseCondition),
  updateParser: asParser(parseUpdate),
  projectionParser: asParser(parseProjection),
  MAX_EXPRESSION_BYTES,
  MAX_NESTING,
  MAX_PATH_LEVELS,
};
