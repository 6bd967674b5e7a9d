// @ts-check

/**
 * TransactWriteItems / TransactGetItems on top of dynalite.
 *
 * How a write transaction runs:
 *  1. every member is validated with dynalite's own request validators (so
 *     expressions are parsed exactly like PutItem/UpdateItem/DeleteItem);
 *  2. the item locks of every touched item are taken (dynalite's per-table
 *     lock, tables in name order, keys sorted: no deadlock, and a concurrent
 *     PutItem/UpdateItem/DeleteItem/BatchWriteItem on one of those items waits);
 *  3. each member is run through dynalite's own action (putItem / updateItem /
 *     deleteItem) against a *staging* store whose writes are captured instead
 *     of applied; conditions therefore see the state before the transaction;
 *  4. if every member succeeded, all captured item + index writes and the
 *     stream records go to LevelDB in ONE atomic batch (so GetItem, Query and
 *     Scan, which read through LevelDB snapshots/iterators, see all or nothing);
 *     otherwise nothing is written and TransactionCanceledException is returned.
 */

const crypto = require('node:crypto');
const internals = require('./dynalite-internals');
const errors = require('./errors');
const { collectionMetric } = require('./indexkeys');
const { attributeNameProblem } = require('./names');
const { itemSize } = require('./size');

const { db, validations, actions, actionValidations, prefixes } = internals;

const MAX_ITEMS = 100;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;
const KINDS = ['ConditionCheck', 'Put', 'Delete', 'Update'];
/** dynalite's empty-key messages (both of its prefixes); the part from "The AttributeValue" is DynamoDB's. */
const EMPTY_KEY_VALUE =
  /^One or more parameter values (?:were invalid:|are not valid\.) (The AttributeValue for a key attribute cannot contain an empty (?:string|binary) value\. Key: .*)$/s;

/**
 * @typedef {{ kind: string, tableName: string, data: any, returnOld: boolean, key: string, table?: any }} Member
 * @typedef {{ ops: any[], old: any, newItem: any, wrote: boolean }} Stage
 */

/** @param {any} fn */
const promisify = (fn) =>
  new Promise((resolve, reject) => fn((/** @type {any} */ err, /** @type {any} */ val) => (err ? reject(err) : resolve(val))));

class Transactions {
  /**
   * @param {{ store: any, getItemDb: (name: string) => any, streams: InstanceType<typeof import('./streams').Streams>, now?: () => number, written?: (tableName: string, item: any) => void }} opts
   */
  constructor(opts) {
    this.store = opts.store;
    this.getItemDb = opts.getItemDb; // dynalite's original (unhooked) getItemDb
    this.streams = opts.streams;
    /** told of every item a committed transaction wrote (null for a delete) */
    this.written = opts.written || (() => {});
    /** @type {Map<string, { hash: string, at: number, state: 'pending' | 'done', response?: any }>} */
    this.tokens = new Map();
  }

  /**
   * Validates one member with dynalite's validator for the equivalent single-item action.
   * @param {'putItem' | 'updateItem' | 'deleteItem' | 'getItem'} action
   * @param {any} raw
   */
  validateMember(action, raw) {
    const v = actionValidations[action];
    const data = validations.checkTypes(JSON.parse(JSON.stringify(raw)), v.types);
    validations.checkValidations(data, v.types, v.custom, this.store);
    return data;
  }

  /** @param {string} name */
  async table(name) {
    return promisify((/** @type {any} */ cb) => this.store.getTable(name, cb));
  }

  /**
   * Takes dynalite's item locks for every key, per table in name order.
   * @param {Map<string, string[]>} keysByTable
   * @returns {Promise<() => void>} release
   */
  async lockAll(keysByTable) {
    /** @type {any[]} */
    const releasers = [];
    for (const name of [...keysByTable.keys()].sort()) {
      const keys = [...new Set(keysByTable.get(name))].sort();
      const itemDb = this.getItemDb(name);
      releasers.push(await new Promise((resolve) => itemDb.lock(keys, resolve)));
    }
    return () => {
      for (const r of releasers.reverse()) r(() => {})();
    };
  }

  /**
   * A store that looks like dynalite's but stages writes instead of applying them.
   * @param {Stage} stage
   */
  stagingStore(stage) {
    const store = this.store,
      getItemDb = this.getItemDb;
    return {
      options: store.options,
      tableDb: store.tableDb,
      getTable: store.getTable,
      getItemDb(/** @type {string} */ name) {
        const real = getItemDb(name),
          pfx = prefixes.item(name);
        return {
          lock: (/** @type {string} */ _key, /** @type {any} */ fn) => fn((/** @type {any} */ done) => done),
          get: (/** @type {string} */ key, /** @type {any} */ cb) =>
            real.get(key, (/** @type {any} */ err, /** @type {any} */ v) => {
              if (!err || err.name === 'NotFoundError') stage.old = v || null;
              cb(err, v);
            }),
          put: (/** @type {string} */ key, /** @type {any} */ value, /** @type {any} */ cb) => {
            stage.ops.push({ type: 'put', key: pfx + key, value });
            stage.newItem = value;
            stage.wrote = true;
            setImmediate(cb);
          },
          del: (/** @type {string} */ key, /** @type {any} */ cb) => {
            stage.ops.push({ type: 'del', key: pfx + key });
            stage.newItem = null;
            stage.wrote = true;
            setImmediate(cb);
          },
        };
      },
      getIndexDb(/** @type {string} */ type, /** @type {string} */ tableName, /** @type {string} */ indexName) {
        const pfx = prefixes.index(type, tableName, indexName);
        return {
          put: (/** @type {string} */ key, /** @type {any} */ value, /** @type {any} */ cb) => {
            stage.ops.push({ type: 'put', key: pfx + key, value });
            setImmediate(cb);
          },
          del: (/** @type {string} */ key, /** @type {any} */ cb) => {
            stage.ops.push({ type: 'del', key: pfx + key });
            setImmediate(cb);
          },
        };
      },
    };
  }

  /** @param {any} data @param {'write' | 'get'} what */
  checkList(data, what) {
    const list = data.TransactItems;
    if (!Array.isArray(list)) {
      throw errors.validation(
        "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
      );
    }
    if (list.length < 1) {
      throw errors.validation(
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: " +
          'Member must have length greater than or equal to 1',
      );
    }
    if (list.length > MAX_ITEMS) {
      // DynamoDB prints the list as Java objects: TransactWriteItem@<hash>, ...
      const type = what === 'write' ? 'TransactWriteItem' : 'TransactGetItem';
      const dump = list
        .map((/** @type {any} */ item) => {
          const hash = crypto.createHash('sha1').update(JSON.stringify(item)).digest('hex').slice(0, 8);
          return `com.amazonaws.dynamodb.v20120810.${type}@${hash}`;
        })
        .join(', ');
      throw errors.validation(
        `1 validation error detected: Value '[${dump}]' at 'transactItems' failed to satisfy constraint: ` +
          `Member must have length less than or equal to ${MAX_ITEMS}`,
      );
    }
    for (const item of list) {
      const kinds = item && typeof item === 'object' ? Object.keys(item).filter((k) => item[k] != null) : [];
      if (what === 'write' && (kinds.length !== 1 || !KINDS.includes(/** @type {string} */ (kinds[0])))) {
        throw errors.validation('TransactItems can only contain one of Check, Put, Update or Delete');
      }
      if (what === 'get' && (kinds.length !== 1 || kinds[0] !== 'Get')) {
        throw errors.validation('TransactItems can only contain Get');
      }
    }
    return list;
  }

  /**
   * @param {Member[]} members
   */
  async resolveKeys(members) {
    /** @type {Map<string, any>} */
    const tables = new Map();
    for (const m of members) {
      if (!tables.has(m.tableName)) tables.set(m.tableName, await this.table(m.tableName));
    }
    // A key DynamoDB cannot use (missing, wrong type, not a scalar), or an index key of the wrong
    // type in a Put item or set by an Update, cancels the transaction with a ValidationError reason
    // for that action. An empty string / binary key value is refused up front instead, as a
    // top-level ValidationException, whatever the action (DynamoDB's answers as captured by
    // nubo-db/dynamodb-conformance, tests/tier3/error-messages/transactWriteItems.test.ts).
    const keyProblems = members.map((m) => {
      const table = tables.get(m.tableName);
      const invalid = m.kind === 'Put' ? db.validateItem(m.data.Item, table) : db.validateKey(m.data.Key, table);
      if (invalid?.body) return String(invalid.body.message);
      if (m.kind === 'Update') {
        const update = db.validateUpdates(m.data.AttributeUpdates, m.data._updates, table);
        const message = update?.body ? String(update.body.message) : '';
        if (message.includes('Type mismatch for Index Key')) return message;
      }
      return null;
    });
    const empty = keyProblems.find((p) => p != null && EMPTY_KEY_VALUE.test(p));
    if (empty) throw errors.validation(empty.replace(EMPTY_KEY_VALUE, 'One or more parameter values are not valid. $1'));
    if (keyProblems.some((p) => p != null)) {
      const reasons = keyProblems.map((p) => (p == null ? { Code: 'None' } : { Code: 'ValidationError', Message: p }));
      throw errors.apiError(
        `${errors.DDB}TransactionCanceledException`,
        'Transaction cancelled, please refer cancellation reasons for specific reasons [' +
          reasons.map((r) => r.Code).join(', ') +
          ']',
        { CancellationReasons: reasons },
      );
    }
    const seen = new Set();
    /** @type {Map<string, string[]>} */
    const keysByTable = new Map();
    for (const m of members) {
      const table = tables.get(m.tableName);
      m.table = table;
      let invalid;
      if (m.kind === 'Update') invalid = db.validateUpdates(m.data.AttributeUpdates, m.data._updates, table);
      if (!invalid && m.kind === 'Get') invalid = db.validateKeyPaths(m.data._projection?.nestedPaths, table);
      if (invalid) throw invalid;
      m.key = db.createKey(m.kind === 'Put' ? m.data.Item : m.data.Key, table);
      const id = `${m.tableName}\u0000${m.key}`;
      if (seen.has(id)) throw errors.validation('Transaction request cannot include multiple operations on one item');
      seen.add(id);
      const list = keysByTable.get(m.tableName) || [];
      list.push(m.key);
      keysByTable.set(m.tableName, list);
    }
    return keysByTable;
  }

  /** @param {any} data TransactWriteItems request */
  async write(data) {
    checkEnum(data.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
    checkEnum(data.ReturnItemCollectionMetrics, 'returnItemCollectionMetrics', ['SIZE', 'NONE']);
    const list = this.checkList(data, 'write');
    const token = data.ClientRequestToken;
    if (token != null && (typeof token !== 'string' || token.length < 1 || token.length > 36)) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          token +
          "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36",
      );
    }
    const kindOf = (/** @type {any} */ item) => /** @type {string} */ (Object.keys(item).find((k) => item[k] != null));
    // the actions' enum values first, for the whole request (DynamoDB's order)
    for (const item of list) {
      const kind = kindOf(item);
      const rv = item[kind].ReturnValuesOnConditionCheckFailure;
      if (rv != null && rv !== 'ALL_OLD' && rv !== 'NONE') {
        throw errors.validation(
          "1 validation error detected: Value '" +
            rv +
            "' at 'transactItems.member." +
            kind.toLowerCase() +
            ".returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
        );
      }
    }
    // then attribute names, as on PutItem: refused before any expression is parsed or table read
    const badName = attributeNameProblem('TransactWriteItems', data);
    if (badName) throw errors.validation(badName);
    /** @type {Member[]} */
    const members = list.map((/** @type {any} */ item) => {
      const kind = kindOf(item);
      const raw = { ...item[kind] };
      const rv = raw.ReturnValuesOnConditionCheckFailure;
      delete raw.ReturnValuesOnConditionCheckFailure;
      if (kind === 'Update' && !raw.UpdateExpression)
        throw errors.validation('UpdateExpression is required in TransactWriteItems Update');
      if (kind === 'ConditionCheck' && !raw.ConditionExpression)
        throw errors.validation('ConditionExpression is required in TransactWriteItems ConditionCheck');
      const action = kind === 'Put' ? 'putItem' : kind === 'Update' ? 'updateItem' : 'deleteItem';
      const validated = this.validateMember(action, raw);
      return { kind, tableName: validated.TableName, data: validated, returnOld: rv === 'ALL_OLD', key: '' };
    });

    checkPayloadSize(members);

    // Idempotency (ClientRequestToken): same token + same request within 10 minutes = same result, applied once.
    let hash = '';
    if (token != null) {
      const { ClientRequestToken: _t, ...rest } = data;
      hash = crypto.createHash('sha256').update(JSON.stringify(rest)).digest('hex');
      const now = Date.now();
      for (const [k, v] of this.tokens) if (now - v.at > IDEMPOTENCY_WINDOW_MS) this.tokens.delete(k);
      const seen = this.tokens.get(token);
      if (seen) {
        if (seen.hash !== hash) {
          throw errors.apiError(
            `${errors.DDB}IdempotentParameterMismatchException`,
            'Request parameters do not match the parameters of an earlier request with the same ClientRequestToken',
          );
        }
        if (seen.state === 'pending') {
          throw errors.apiError(
            `${errors.DDB}TransactionInProgressException`,
            'Another transaction with the same ClientRequestToken is in progress',
          );
        }
        return seen.response;
      }
      this.tokens.set(token, { hash, at: now, state: 'pending' });
    }

    try {
      const { response, replay } = await this.applyWrite(members, data);
      if (token != null) this.tokens.set(token, { hash, at: Date.now(), state: 'done', response: replay });
      return response;
    } catch (err) {
      if (token != null) this.tokens.delete(token);
      throw err;
    }
  }

  /**
   * @param {Member[]} members
   * @param {any} data
   */
  async applyWrite(members, data) {
    const keysByTable = await this.resolveKeys(members);
    const release = await this.lockAll(keysByTable);
    /** @type {number[]} item size per action: the larger of before and after */
    let sizes = [];
    try {
      /** @type {Stage[]} */
      const stages = members.map(() => ({ ops: [], old: null, newItem: null, wrote: false }));
      const outcomes = await Promise.all(
        members.map(async (m, i) => {
          const stage = /** @type {Stage} */ (stages[i]);
          try {
            if (m.kind === 'ConditionCheck') {
              const existing = await promisify((/** @type {any} */ cb) => this.getItemDb(m.tableName).get(m.key, cb));
              stage.old = existing || null;
              const failed = db.checkConditional(m.data, existing);
              if (failed) throw failed;
            } else {
              const action = m.kind === 'Put' ? actions.putItem : m.kind === 'Update' ? actions.updateItem : actions.deleteItem;
              await promisify((/** @type {any} */ cb) => action(this.stagingStore(stage), m.data, cb));
            }
            return { Code: 'None' };
          } catch (/** @type {any} */ err) {
            const type = String(err?.body?.__type || '');
            if (type.endsWith('#ConditionalCheckFailedException')) {
              /** @type {Record<string, any>} */
              const reason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
              if (m.returnOld && stage.old) reason.Item = stage.old;
              return reason;
            }
            // an index key DynamoDB cannot store fails the whole request, not one action
            if (err?.indexKeyProblem) throw errors.validation(err.indexKeyProblem[m.kind === 'Update' ? 'update' : 'put']);
            if (type.endsWith('#ValidationException')) return { Code: 'ValidationError', Message: err.body.message };
            throw err;
          }
        }),
      );
      if (outcomes.some((o) => o.Code !== 'None')) {
        throw errors.apiError(
          `${errors.DDB}TransactionCanceledException`,
          'Transaction cancelled, please refer cancellation reasons for specific reasons [' +
            outcomes.map((o) => o.Code).join(', ') +
            ']',
          { CancellationReasons: outcomes },
        );
      }
      const changes = [];
      for (let i = 0; i < members.length; i++) {
        const stage = /** @type {Stage} */ (stages[i]),
          m = /** @type {Member} */ (members[i]);
        if (stage.wrote) changes.push({ tableName: m.tableName, oldItem: stage.old, newItem: stage.newItem });
      }
      const records = this.streams.prepare(changes);
      try {
        await this.store.db.batch([...stages.flatMap((s) => s.ops), ...records.ops]);
      } finally {
        records.done();
      }
      for (const c of changes) this.written(c.tableName, c.newItem);
      sizes = stages.map((st) => Math.max(st.old ? itemSize(st.old) : 0, st.newItem ? itemSize(st.newItem) : 0));
    } finally {
      release();
    }
    /** @type {Record<string, any>} */
    const response = {};
    /** @type {Record<string, any> | undefined} */
    let replay;
    if (data.ReturnConsumedCapacity === 'TOTAL' || data.ReturnConsumedCapacity === 'INDEXES') {
      // a transactional write is two standard writes (1 unit per KB of the larger of the item
      // before and after, a ConditionCheck included); a same-token replay reports the
      // transactional read of the stored result instead (two reads of 1 unit per 4 KB), as
      // DynamoDB does (measured by nubo-db/dynamodb-conformance, tests/tier2/transactions/transactWrite)
      /** @type {Map<string, { write: number, read: number }>} */
      const units = new Map();
      members.forEach((m, i) => {
        const size = sizes[i] || 0;
        const u = units.get(m.tableName) || { write: 0, read: 0 };
        u.write += 2 * Math.max(1, Math.ceil(size / 1024));
        u.read += 2 * Math.max(1, Math.ceil(size / 4096));
        units.set(m.tableName, u);
      });
      response.ConsumedCapacity = [...units].map(([TableName, u]) => ({
        TableName,
        CapacityUnits: u.write,
        WriteCapacityUnits: u.write,
      }));
      replay = {
        ConsumedCapacity: [...units].map(([TableName, u]) => ({ TableName, CapacityUnits: u.read, ReadCapacityUnits: u.read })),
      };
    }
    if (data.ReturnItemCollectionMetrics === 'SIZE') {
      // per table with a local secondary index, each item collection a Put / Update / Delete wrote
      /** @type {Record<string, any[]>} */
      const byTable = {};
      /** @type {Set<string>} */
      const seen = new Set();
      for (const m of members) {
        if (m.kind === 'ConditionCheck') continue;
        const metric = collectionMetric(m.table, m.kind === 'Put' ? m.data.Item : m.data.Key);
        const id = metric && `${m.tableName}\u0000${JSON.stringify(metric.ItemCollectionKey)}`;
        if (!metric || !id || seen.has(id)) continue;
        seen.add(id);
        (byTable[m.tableName] ||= []).push(metric);
      }
      if (Object.keys(byTable).length) response.ItemCollectionMetrics = byTable;
    }
    return { response, replay: replay ? { ...response, ...replay } : response };
  }

  /** @param {any} data TransactGetItems request */
  async get(data) {
    checkEnum(data.ReturnConsumedCapacity, 'returnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
    const list = this.checkList(data, 'get');
    /** @type {Member[]} */
    const members = list.map((/** @type {any} */ item) => {
      const validated = this.validateMember('getItem', item.Get);
      return { kind: 'Get', tableName: validated.TableName, data: validated, returnOld: false, key: '' };
    });
    const keysByTable = await this.resolveKeys(members);
    const release = await this.lockAll(keysByTable);
    /** @type {any[]} */
    let items;
    try {
      items = await Promise.all(
        members.map((m) => promisify((/** @type {any} */ cb) => this.getItemDb(m.tableName).get(m.key, cb))),
      );
    } finally {
      release();
    }
    /** @type {Record<string, any>} */
    const response = {
      Responses: members.map((m, i) => {
        const item = items[i];
        if (!item) return {};
        const paths = m.data._projection ? m.data._projection.paths : null;
        const projected = paths ? db.mapPaths(paths, item) : item;
        // a projection naming nothing the item holds: DynamoDB leaves Item out (observed by
        // nubo-db/dynamodb-conformance, tests/tier2/transactions/transactGet)
        return Object.keys(projected).length ? { Item: projected } : {};
      }),
    };
    if (data.ReturnConsumedCapacity === 'TOTAL' || data.ReturnConsumedCapacity === 'INDEXES') {
      /** @type {Map<string, number>} */
      const units = new Map();
      // two reads of 1 unit per 4 KB of the item (a missing item counts as one unit)
      members.forEach((m, i) => {
        const size = items[i] ? itemSize(items[i]) : 0;
        units.set(m.tableName, (units.get(m.tableName) || 0) + 2 * Math.max(1, Math.ceil(size / 4096)));
      });
      // under INDEXES the table's own share is listed too (no index is read)
      response.ConsumedCapacity = [...units].map(([TableName, n]) => ({
        TableName,
        CapacityUnits: n,
        ReadCapacityUnits: n,
        ...(data.ReturnConsumedCapacity === 'INDEXES' ? { Table: { CapacityUnits: n, ReadCapacityUnits: n } } : {}),
      }));
    }
    return response;
  }
}

/**
 * The aggregate size of a transaction's items may not exceed 4 MB: the items put, and the keys
 * and expression values of the other actions (DynamoDB's message, as it prints it).
 * @param {Member[]} members
 */
function checkPayloadSize(members) {
  let size = 0;
  for (const m of members) {
    size += db.itemSize((m.kind === 'Put' ? m.data.Item : m.data.Key) || {});
    if (m.data.ExpressionAttributeValues) size += db.itemSize(m.data.ExpressionAttributeValues);
  }
  if (size > MAX_PAYLOAD_BYTES) {
    const part = `Transaction payload size cannot exceed 4MB. Payload Size: ${size}`;
    throw errors.validation(`Transaction payload size cannot exceed 4MB. Payload Size: : ${part}`);
  }
}

/**
 * DynamoDB checks enum members before anything else in the request.
 * @param {any} value
 * @param {string} member
 * @param {string[]} allowed
 */
function checkEnum(value, member, allowed) {
  if (value != null && !allowed.includes(value)) {
    throw errors.validation(
      "1 validation error detected: Value '" +
        String(value) +
        "' at '" +
        member +
        "' failed to satisfy constraint: Member must satisfy enum value set: [" +
        allowed.join(', ') +
        ']',
    );
  }
}

module.exports = { Transactions, MAX_ITEMS, IDEMPOTENCY_WINDOW_MS };
