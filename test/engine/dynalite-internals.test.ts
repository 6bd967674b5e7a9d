// Every dynalite internal the engine relies on, exercised directly, so an upgrade of the pinned
// dynalite that moves or changes one of them fails here, loudly, by name.
const internals = require('../../local/dynamodb/dynalite-internals');

type Cb<T = unknown> = (err: unknown, value?: T) => void;
const call = <T>(fn: (cb: Cb<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));

const table = {
  TableName: 'internals',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'g', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [
    { IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

let store: any;
let server: any;

beforeAll(async () => {
  ({ store, server } = internals.createDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
  const createTable = require('dynalite/actions/createTable');
  await call((cb) => createTable(store, JSON.parse(JSON.stringify(table)), cb));
  await new Promise((resolve) => setTimeout(resolve, 10)); // createTableMs: 0 -> ACTIVE on the next tick
});
afterAll(async () => {
  await new Promise((resolve) => store.db.close(resolve));
  server.removeAllListeners();
});

test('the installed dynalite is the pinned version and exposes every function the engine uses', () => {
  expect(internals.installedVersion).toBe(internals.PINNED_VERSION);
  expect(() => internals.assertInternals()).not.toThrow();
});

test('createDynalite captures the store dynalite creates and its single request handler', () => {
  const other = internals.createDynalite({});
  expect(typeof other.handler).toBe('function');
  other.store.db.close(() => {});
  for (const key of ['db', 'tableDb', 'getItemDb', 'getIndexDb', 'getTable', 'options']) expect(store).toHaveProperty(key);
  expect(store.options.createTableMs).toBe(0);
  expect(store.tableDb.awsRegion).toEqual(expect.any(String));
});

test('items and GSI entries are stored in the main LevelDB under the prefixes the engine writes to', async () => {
  const item = { pk: { S: 'p1' }, g: { S: 'g1' } };
  await call((cb) => internals.actions.putItem(store, { TableName: 'internals', Item: item }, cb));
  const t = await call<any>((cb) => store.getTable('internals', cb));
  const key = internals.db.createKey(item, t);
  expect(await store.db.get(internals.prefixes.item('internals') + key)).toEqual(item);
  const indexKey = require('dynalite/db').createIndexKey(item, t, t.GlobalSecondaryIndexes[0].KeySchema);
  expect(await store.db.get(internals.prefixes.index('Global', 'internals', 'byG') + indexKey)).toEqual(item);
  expect(await store.db.get(`${internals.prefixes.item('internals')}missing/`)).toBeUndefined(); // level 10: undefined, not NotFoundError
});

test('validations parse ConditionExpression, UpdateExpression and ProjectionExpression into _condition, _updates, _projection', () => {
  const { validations, actionValidations, db } = internals;
  const parse = (name: string, data: unknown) => {
    const v = actionValidations[name];
    const out = validations.checkTypes(data, v.types);
    validations.checkValidations(out, v.types, v.custom, store);
    return out;
  };
  const put = parse('putItem', {
    TableName: 'internals',
    Item: { pk: { S: 'a' } },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  expect(put._condition).toBeDefined();
  expect(db.checkConditional(put, undefined)).toBeFalsy();
  expect(db.checkConditional(put, { pk: { S: 'a' } }).body.__type).toMatch(/ConditionalCheckFailedException$/);
  const upd = parse('updateItem', {
    TableName: 'internals',
    Key: { pk: { S: 'a' } },
    UpdateExpression: 'SET n = :n',
    ExpressionAttributeValues: { ':n': { N: '1' } },
  });
  expect(upd._updates.sections).toHaveLength(1);
  const del = parse('deleteItem', {
    TableName: 'internals',
    Key: { pk: { S: 'a' } },
    ConditionExpression: 'attribute_exists(pk)',
  });
  expect(del._condition).toBeDefined();
  const get = parse('getItem', { TableName: 'internals', Key: { pk: { S: 'a' } }, ProjectionExpression: 'pk' });
  expect(db.mapPaths(get._projection.paths, { pk: { S: 'a' }, x: { N: '1' } })).toEqual({ pk: { S: 'a' } });
  expect(() =>
    parse('putItem', { TableName: 'internals', Item: { pk: { S: 'a' } }, ConditionExpression: 'nonsense(' }),
  ).toThrow();
});

test("actions use the store's getItemDb/getIndexDb and item lock, so a staging store can capture their writes", async () => {
  const writes: string[] = [];
  const real = store.getItemDb('internals');
  const staging = {
    ...store,
    getItemDb: () => ({
      lock: (_key: string, fn: (release: (cb: Cb) => Cb) => void) => fn((cb) => cb),
      get: real.get.bind(real),
      put: (key: string, _v: unknown, cb: () => void) => {
        writes.push(`put ${key}`);
        setImmediate(cb);
      },
      del: (key: string, cb: () => void) => {
        writes.push(`del ${key}`);
        setImmediate(cb);
      },
    }),
    getIndexDb: (type: string, _t: string, index: string) => ({
      put: (key: string, _v: unknown, cb: () => void) => {
        writes.push(`idx-put ${type} ${index} ${key}`);
        setImmediate(cb);
      },
      del: (key: string, cb: () => void) => {
        writes.push(`idx-del ${type} ${index} ${key}`);
        setImmediate(cb);
      },
    }),
  };
  await call((cb) =>
    internals.actions.updateItem(
      staging,
      { TableName: 'internals', Key: { pk: { S: 'p1' } }, AttributeUpdates: { g: { Action: 'PUT', Value: { S: 'g2' } } } },
      cb,
    ),
  );
  expect(writes.some((w) => w.startsWith('put '))).toBe(true);
  expect(writes.some((w) => w.startsWith('idx-del Global byG'))).toBe(true);
  expect(writes.some((w) => w.startsWith('idx-put Global byG'))).toBe(true);
  await call((cb) => internals.actions.deleteItem(staging, { TableName: 'internals', Key: { pk: { S: 'p1' } } }, cb));
  expect(writes.some((w) => w.startsWith('del '))).toBe(true);
});

test('the per-table item lock takes arrays of keys and makes a single-key locker wait', async () => {
  const itemDb = store.getItemDb('internals');
  const order: string[] = [];
  const release = await new Promise<(cb: () => void) => () => void>((resolve) => itemDb.lock(['k1', 'k2'], resolve));
  const single = new Promise<void>((resolve) =>
    itemDb.lock('k2', (rel: (cb: () => void) => () => void) => {
      order.push('single');
      rel(() => {})();
      resolve();
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  order.push('release');
  release(() => {})();
  await single;
  expect(order).toEqual(['release', 'single']);
});

test('a LevelDB iterator is a snapshot and a batch is atomic (what read isolation relies on)', async () => {
  const p = internals.prefixes.item('snap');
  await store.db.batch([{ type: 'put', key: `${p}a`, value: { n: 1 } }]);
  const it = store.db.values({ gte: p, lt: `${p}\xff` });
  await store.db.batch([
    { type: 'put', key: `${p}a`, value: { n: 2 } },
    { type: 'put', key: `${p}b`, value: { n: 2 } },
  ]);
  expect(await it.all()).toEqual([{ n: 1 }]);
});

test("dynalite's validations reach the expression parsers through each module's `parse` property, which is ours once installed", () => {
  const { validations, actionValidations, parserModules } = internals;
  const ours = require('../../local/dynamodb/expressions');
  expect(parserModules.condition.parse).toBe(ours.conditionParser.parse);
  expect(parserModules.update.parse).toBe(ours.updateParser.parse);
  expect(parserModules.projection.parse).toBe(ours.projectionParser.parse);
  const v = actionValidations.putItem;
  const data = validations.checkTypes(
    { TableName: 'internals', Item: { pk: { S: 'a' } }, ConditionExpression: 'NOT NOT attribute_exists(pk)' },
    v.types,
  );
  validations.checkValidations(data, v.types, v.custom, store); // dynalite's grammar rejected NOT NOT
  expect(data._condition.expression).toEqual({
    type: 'not',
    args: [{ type: 'not', args: [{ type: 'function', name: 'attribute_exists', args: [['pk']], attrType: null }] }],
  });
});

test('actions/query and actions/scan call db.queryTable through the module (the filter hook), putItem/updateItem/deleteItem call db.checkConditional', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const src = (name: string) => fs.readFileSync(require.resolve(`dynalite/actions/${name}`), 'utf8');
  expect(src('query')).toMatch(/db\.queryTable\(/);
  expect(src('scan')).toMatch(/db\.queryTable\(/);
  for (const name of ['putItem', 'updateItem', 'deleteItem']) expect(src(name)).toMatch(/db\.checkConditional\(/);
  expect(internals.db.queryTable.name).not.toBe('queryTable'); // replaced by the engine's wrapper
});
