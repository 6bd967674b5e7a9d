// @ts-check

/**
 * The ONLY module that reaches into dynalite's internals. Everything the engine
 * relies on is listed (and checked at load time) here, so an upgrade of dynalite
 * that moves any of it fails loudly instead of silently misbehaving.
 * test/engine/dynalite-internals.test.ts covers every item below.
 *
 * Pinned: dynalite 4.0.0.
 */

const path = require('node:path');

const PINNED_VERSION = '4.0.0';

/**
 * dynalite ships no type declarations: load its modules as `any`.
 * @param {string} id
 * @returns {any}
 */
const load = (id) => require(id);

/** @type {any} */
const dynalite = load('dynalite');
/** @type {any} */
const db = load('dynalite/db');
/** @type {any} */
const validations = load('dynalite/validations');

/** dynalite's own action implementations we compose (they take `(store, data, cb)`). */
const actions = {
  /** @type {any} */ putItem: load('dynalite/actions/putItem'),
  /** @type {any} */ updateItem: load('dynalite/actions/updateItem'),
  /** @type {any} */ deleteItem: load('dynalite/actions/deleteItem'),
};

/** dynalite's request validators ({types, custom}) we reuse for transaction members. */
const actionValidations = {
  /** @type {any} */ putItem: load('dynalite/validations/putItem'),
  /** @type {any} */ updateItem: load('dynalite/validations/updateItem'),
  /** @type {any} */ deleteItem: load('dynalite/validations/deleteItem'),
  /** @type {any} */ getItem: load('dynalite/validations/getItem'),
  /** @type {any} */ createTable: load('dynalite/validations/createTable'),
};

/** dynalite's generated expression parsers: validations/index.js calls `<module>.parse(str, { context })`. */
const parserModules = {
  /** @type {any} */ condition: load('dynalite/db/conditionParser'),
  /** @type {any} */ update: load('dynalite/db/updateParser'),
  /** @type {any} */ projection: load('dynalite/db/projectionParser'),
};

const installedVersion = require(path.join(path.dirname(require.resolve('dynalite')), 'package.json')).version;

/** Key prefixes dynalite's store uses inside its single LevelDB (db/index.js getSubDb / createPrefixedDbWrapper). */
const prefixes = {
  /** @param {string} tableName */
  item: (tableName) => `item-${tableName}~`,
  /** @param {string} indexType 'Local' | 'Global' @param {string} tableName @param {string} indexName */
  index: (indexType, tableName, indexName) => `index-${indexType.toLowerCase()}~${tableName}~${indexName}~`,
};

/** Throws a clear error if any internal we use is missing. */
function assertInternals() {
  const problems = [];
  if (installedVersion !== PINNED_VERSION)
    problems.push(`dynalite version is ${installedVersion}, engine is pinned to ${PINNED_VERSION}`);
  for (const fn of [
    'create',
    'checkConditional',
    'createKey',
    'validateKey',
    'validateItem',
    'validateUpdates',
    'validationError',
    'mapPaths',
    'mapPath',
    'validateKeyPaths',
    'itemSize',
    'updateIndexes',
    'getIndexActions',
  ]) {
    if (typeof db[fn] !== 'function') problems.push(`dynalite/db.${fn} is not a function`);
  }
  for (const fn of ['checkTypes', 'checkValidations', 'validateConditions']) {
    if (typeof validations[fn] !== 'function') problems.push(`dynalite/validations.${fn} is not a function`);
  }
  for (const [name, fn] of Object.entries(actions)) {
    if (typeof fn !== 'function') problems.push(`dynalite/actions/${name} is not a function`);
  }
  for (const [name, v] of Object.entries(actionValidations)) {
    if (!v || typeof v.types !== 'object') problems.push(`dynalite/validations/${name}.types missing`);
  }
  for (const [name, mod] of Object.entries(parserModules)) {
    if (!mod || typeof mod.parse !== 'function') problems.push(`dynalite/db/${name}Parser.parse is not a function`);
  }
  if (typeof db.queryTable !== 'function') problems.push('dynalite/db.queryTable is not a function');
  if (problems.length) {
    throw new Error(`local dynamodb engine: incompatible dynalite internals: ${problems.join('; ')}`);
  }
}

let expressionLayerInstalled = false;
/**
 * dynalite's checkTypes drops ReturnValuesOnConditionCheckFailure from the request it
 * validates, so the engine tells us, per request, whether the caller asked for ALL_OLD.
 * @type {() => boolean}
 */
let returnOldOnFailure = () => false;
/** @param {() => boolean} probe */
function setReturnOldProbe(probe) {
  returnOldOnFailure = probe;
}
/**
 * The operation (X-Amz-Target) of the request being served, set by index.js.
 * @type {() => string}
 */
let currentOperation = () => '';
/** @param {() => string} probe */
function setOperationProbe(probe) {
  currentOperation = probe;
}

/**
 * Told of every item write to a table with secondary indexes, after dynalite updated them
 * (index.js counts index write capacity from it).
 * @type {(table: any, oldItem: any, newItem: any) => void}
 */
let indexWritten = () => {};
/** @param {(table: any, oldItem: any, newItem: any) => void} fn */
function onIndexWrite(fn) {
  indexWritten = fn;
}

/**
 * Swaps dynalite's expression layer for ours, once per process:
 * - the three generated PEG parsers (exponential backtracking on nested parentheses) are
 *   replaced by ./expressions.js, through the `parse` property dynalite's validations call;
 * - condition and filter evaluation goes through ./conditions.js (which never throws):
 *   `db.checkConditional` (called by actions/putItem, updateItem, deleteItem and our
 *   transactions as `db.checkConditional`) evaluates `_condition` itself, and `db.queryTable`
 *   (called by actions/query and scan as `db.queryTable`, after their validation and key-range
 *   planning) is ./pages.js: it reads the page (Limit, and DynamoDB's 1 MB rule with its item
 *   sizes), then filters and projects it; Limit, ScannedCount, LastEvaluatedKey and the 1 MB
 *   page are counted before the filter, as in DynamoDB.
 * A ConditionalCheckFailedException carries the old `Item` when the request asked for
 * ReturnValuesOnConditionCheckFailure=ALL_OLD.
 */
const EMPTY_KEY_TEXT = 'The AttributeValue for a key attribute cannot contain an empty ';
const EMPTY_KEY_WERE_INVALID = `One or more parameter values were invalid: ${EMPTY_KEY_TEXT}`;

/**
 * A legacy condition comparing with EQ / NE against one BOOL value.
 * @param {any} c
 */
function isBooleanEquality(c) {
  const list = c && typeof c === 'object' ? c.AttributeValueList : null;
  if (!(c.ComparisonOperator === 'EQ' || c.ComparisonOperator === 'NE') || !Array.isArray(list) || list.length !== 1)
    return false;
  const v = list[0];
  return !!v && typeof v === 'object' && Object.keys(v).length === 1 && typeof v.BOOL === 'boolean';
}

function installExpressionLayer() {
  if (expressionLayerInstalled) return;
  expressionLayerInstalled = true;
  const expressions = require('./expressions');
  const { evaluate, legacyExpression } = require('./conditions');
  parserModules.condition.parse = expressions.conditionParser.parse;
  parserModules.update.parse = expressions.updateParser.parse;
  parserModules.projection.parse = expressions.projectionParser.parse;

  const originalCheckConditional = db.checkConditional;
  db.checkConditional = (/** @type {any} */ data, /** @type {any} */ existingItem) => {
    // actions/updateItem calls this before it reads `data._updates.paths` for UPDATED_OLD / UPDATED_NEW
    if (data?._updates) pointAppendsAtTheirIndex(data._updates, existingItem);
    let err;
    if (data?._condition) {
      err = evaluate(existingItem || {}, data._condition.expression) ? null : conditionalFailure();
    } else if (data?.Expected) {
      // the legacy form, on the same evaluator (dynalite's own stops at the first false term under OR)
      const expression = legacyExpression(data.Expected, data.ConditionalOperator);
      err = !expression || evaluate(existingItem || {}, expression) ? null : conditionalFailure();
    } else err = originalCheckConditional(data, existingItem);
    if (err?.body && existingItem && ((data && data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') || returnOldOnFailure())) {
      err.body.Item = existingItem;
    }
    return err || null;
  };

  // Secondary index keys of every item written (PutItem, UpdateItem, BatchWriteItem and the
  // members of a transaction all reach db.updateIndexes): empty or too-long values are refused.
  const { indexKeyProblem, unstorableNumber } = require('./indexkeys');
  const originalUpdateIndexes = db.updateIndexes;
  db.updateIndexes = function (
    /** @type {any} */ store,
    /** @type {any} */ table,
    /** @type {any} */ existingItem,
    /** @type {any} */ item,
    /** @type {(err?: any) => void} */ cb,
  ) {
    const op = currentOperation();
    // only updates compute numbers (PutItem / BatchWriteItem numbers were validated as input)
    if (item && !op.endsWith('.PutItem') && !op.endsWith('.BatchWriteItem')) {
      const numeric = unstorableNumber(item);
      if (numeric) return cb(db.validationError(numeric));
    }
    const problem = item ? indexKeyProblem(table, item) : null;
    if (problem) {
      const err = db.validationError(op.endsWith('.UpdateItem') ? problem.update : problem.put);
      err.indexKeyProblem = problem;
      return cb(err);
    }
    return originalUpdateIndexes.call(this, store, table, existingItem, item, (/** @type {any} */ err) => {
      if (!err && (table.GlobalSecondaryIndexes || table.LocalSecondaryIndexes)) indexWritten(table, existingItem, item);
      cb(err);
    });
  };

  // An empty string / binary in a key given as `Key` (GetItem, UpdateItem, DeleteItem, the batch
  // operations, transactions) gets DynamoDB's wording, the one PutItem already has: "One or more
  // parameter values are not valid. The AttributeValue for a key attribute cannot contain an
  // empty … value. Key: pk" (captured from DynamoDB by nubo-db/dynamodb-conformance for
  // DeleteItem and the transaction actions); dynalite says "were invalid:" there.
  const originalValidateKey = db.validateKey;
  db.validateKey = function (/** @type {any} */ key, /** @type {any} */ table) {
    const err = originalValidateKey.call(this, key, table);
    const message = err?.body?.message;
    if (typeof message === 'string' && message.startsWith(EMPTY_KEY_WERE_INVALID)) {
      err.body.message =
        err.message = `One or more parameter values are not valid. ${message.slice(EMPTY_KEY_WERE_INVALID.length - EMPTY_KEY_TEXT.length)}`;
    }
    return err;
  };

  // The legacy QueryFilter / ScanFilter: DynamoDB compares a BOOL with EQ / NE (captured by
  // nubo-db/dynamodb-conformance, tests/tier3/legacy-api/queryFilter); dynalite's validation
  // allows only scalars and sets there. Such a condition is left out of dynalite's check (its
  // one value is a well-formed BOOL) and evaluated by conditions.js like the others.
  // actions/query and scan call it through the module object.
  const originalValidateConditions = validations.validateConditions;
  validations.validateConditions = function (/** @type {any} */ conditions) {
    if (!conditions || typeof conditions !== 'object') return originalValidateConditions.call(this, conditions);
    /** @type {Record<string, any>} */
    const rest = {};
    for (const [name, c] of Object.entries(conditions)) {
      if (!isBooleanEquality(c)) rest[name] = c;
    }
    return originalValidateConditions.call(this, rest);
  };

  // Query / Scan pages: ours (pages.js), with DynamoDB's 1 MB rule and our filter evaluation.
  const { makeQueryTable } = require('./pages');
  db.queryTable = makeQueryTable({ db, prefixes });
}

/**
 * `SET l[10] = :v` on a shorter list appends the element (DynamoDB: "If the element does not
 * already exist, SET appends the new element to the end of the list"; several are appended in
 * index order). `UPDATED_NEW` returns the updated attributes as they are after the update, so the
 * path it projects must name the element where it landed (`l[2]` on a 2-element list), not the
 * index written. Rewrites `updates.paths` (the paths dynalite projects for UPDATED_OLD /
 * UPDATED_NEW) accordingly; on the old item the new index names nothing, as the written one did.
 * REMOVEs of earlier elements of the same list in the same update move the appended ones down.
 * @param {{ sections?: any[], paths?: any[] }} updates parsed UpdateExpression
 * @param {any} oldItem
 */
function pointAppendsAtTheirIndex(updates, oldItem) {
  if (!oldItem || !Array.isArray(updates.sections) || !Array.isArray(updates.paths)) return;
  /** @type {Map<string, { parent: any[], length: number, removed: number, indexes: Set<number> }>} */
  const lists = new Map();
  for (const s of updates.sections) {
    const last = s?.path?.[s.path.length - 1];
    if (s?.type !== 'set' || typeof last !== 'number') continue;
    const parent = s.path.slice(0, -1);
    const list = db.mapPath(parent, oldItem);
    if (!list || !Array.isArray(list.L) || last < list.L.length) continue;
    const key = JSON.stringify(parent);
    let entry = lists.get(key);
    if (!entry) lists.set(key, (entry = { parent, length: list.L.length, removed: 0, indexes: new Set() }));
    entry.indexes.add(last);
  }
  if (!lists.size) return;
  for (const s of updates.sections) {
    const last = s?.path?.[s.path.length - 1];
    if (s?.type !== 'remove' || typeof last !== 'number') continue;
    const entry = lists.get(JSON.stringify(s.path.slice(0, -1)));
    if (entry && last < entry.length) entry.removed++;
  }
  /** @type {Map<string, any[]>} */
  const moved = new Map();
  for (const { parent, length, removed, indexes } of lists.values()) {
    [...indexes]
      .sort((a, b) => a - b)
      .forEach((index, rank) => moved.set(JSON.stringify([...parent, index]), [...parent, length - removed + rank]));
  }
  updates.paths = updates.paths.map((p) => moved.get(JSON.stringify(Array.isArray(p) ? p : [p])) || p);
}

function conditionalFailure() {
  const err = /** @type {any} */ (new Error('The conditional request failed'));
  err.statusCode = 400;
  err.body = {
    __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    message: 'The conditional request failed',
  };
  return err;
}

/**
 * Creates a dynalite server AND captures the store it creates internally.
 * dynalite's index.js calls `db.create(options)` (a property lookup on the shared
 * `dynalite/db` module) synchronously inside `dynalite(options)`; we intercept
 * that one call.
 * @param {Record<string, any>} options
 * @returns {{ server: import('http').Server, store: any, handler: (req: any, res: any) => void }}
 */
function createDynalite(options) {
  assertInternals();
  installExpressionLayer();
  const originalCreate = db.create;
  /** @type {any} */
  let captured = null;
  db.create = function (/** @type {any[]} */ ...args) {
    captured = originalCreate.apply(this, args);
    return captured;
  };
  let server;
  try {
    server = dynalite(options);
  } finally {
    db.create = originalCreate;
  }
  if (!captured) throw new Error('local dynamodb engine: could not capture dynalite store (dynalite internals changed)');
  const listeners = server.listeners('request');
  if (listeners.length !== 1) throw new Error('local dynamodb engine: expected exactly one dynalite request listener');
  const handler = /** @type {any} */ (listeners[0]);
  for (const key of ['db', 'tableDb', 'getItemDb', 'getIndexDb', 'getTable', 'options', 'deleteItemDb', 'getTagDb']) {
    if (!(key in captured)) throw new Error(`local dynamodb engine: dynalite store has no ${key}`);
  }
  return { server, store: captured, handler };
}

module.exports = {
  isBooleanEquality,
  onIndexWrite,
  PINNED_VERSION,
  installedVersion,
  db,
  validations,
  actions,
  actionValidations,
  parserModules,
  prefixes,
  installExpressionLayer,
  setReturnOldProbe,
  setOperationProbe,
  assertInternals,
  createDynalite,
};
