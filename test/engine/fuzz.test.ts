// Wire-level fuzzing: random and mutated requests for every operation, sent to the engine CLI
// (its own process). Every request must get an answer that is not a 5xx, and after each batch
// the process is alive and answers ListTables.
import fc from 'fast-check';
import { DynamoDBClient, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { clientConfig, createTable, DDB, N, raw, S, startCli, tableName, type CliEngine } from './helpers';

const OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
  'UpdateTimeToLive',
  'TransactWriteItems',
  'TransactGetItems',
]
  .map(DDB)
  .concat(['ListStreams', 'DescribeStream', 'GetShardIterator', 'GetRecords'].map((op) => `DynamoDBStreams_20120810.${op}`));

let engine: CliEngine;
let ddb: DynamoDBClient;
const table = tableName('fuzz');

beforeAll(async () => {
  engine = await startCli(['--body-timeout-ms', '2000']);
  ddb = new DynamoDBClient(clientConfig(engine.endpoint));
  await createTable(ddb, table, { sortKey: true, gsi: true, stream: 'NEW_AND_OLD_IMAGES' });
  await ddb.send(
    new PutItemCommand({ TableName: table, Item: { pk: S('p'), sk: S('s'), gpk: S('g'), n: N(1), l: { L: [S('x'), N(2)] } } }),
  );
});
afterAll(async () => {
  ddb.destroy();
  expect(await engine.stop()).toBe(0);
});

// --- arbitraries

const TOKENS = [
  'a',
  'n',
  'l',
  'pk',
  'sk',
  '#n',
  '#zz',
  ':v',
  ':n',
  ':zz',
  '(',
  ')',
  '[0]',
  '[99]',
  '.',
  ',',
  'AND',
  'OR',
  'NOT',
  '=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  'BETWEEN',
  'IN',
  'size',
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'contains',
  'begins_with',
  'if_not_exists',
  'list_append',
  'SET',
  'REMOVE',
  'ADD',
  'DELETE',
  '+',
  '-',
  'name',
  '$',
  '"',
  '\u00e9',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((t) => t.join(' '));
const wellFormed = fc.constantFrom(
  'a = :v',
  'n > :n AND attribute_exists(l)',
  'l[0] IN (:v, :n, a)',
  'NOT (size(l) BETWEEN :n AND :n)',
  'contains(l, :v) OR begins_with(a, :v)',
  'SET n = n + :n, a = if_not_exists(a, :v)',
  'REMOVE l[0] SET l[3] = :v',
  'ADD n :n',
  'SET l = list_append(l, :l)',
  'pk, sk, l[1], #n',
);
const expression = fc.oneof(tokenSoup, wellFormed, fc.string({ maxLength: 40 }));

const attributeValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  av: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.string({ maxLength: 10 }) }),
    fc.record({ N: fc.oneof(fc.constantFrom('1', '-0.5', '1e3', '+7', 'NaN', '1'.repeat(40), ''), fc.string({ maxLength: 5 })) }),
    fc.record({ B: fc.constantFrom('AA==', 'not base64', '') }),
    fc.record({ BOOL: fc.oneof(fc.boolean(), fc.string({ maxLength: 2 })) }),
    fc.record({ NULL: fc.constantFrom(true, false) }),
    fc.record({ SS: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }) }),
    fc.record({ NS: fc.array(fc.constantFrom('1', '2', 'x'), { maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('av'), { maxLength: 3 }) }),
    fc.record({ M: fc.dictionary(fc.constantFrom('a', 'n', 'pk', ''), tie('av'), { maxKeys: 3 }) }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
})).av;

const item = fc.dictionary(fc.constantFrom('pk', 'sk', 'gpk', 'a', 'n', 'l', ''), attributeValue, { maxKeys: 5 });
const key = fc.oneof(fc.constant({ pk: S('p'), sk: S('s') }), item);
const names = fc.option(fc.dictionary(fc.constantFrom('#n', '#zz', 'bad', '#'), fc.constantFrom('a', 'n', ''), { maxKeys: 3 }), {
  nil: undefined,
});
const values = fc.option(fc.dictionary(fc.constantFrom(':v', ':n', ':l', ':zz', 'x'), attributeValue, { maxKeys: 4 }), {
  nil: undefined,
});
const tableNameArb = fc.oneof(
  fc.constant(table),
  fc.constant('missing-table'),
  fc.string({ maxLength: 4 }),
  fc.jsonValue({ maxDepth: 1 }),
);

/** A plausible request body for any operation: the usual fields with random contents. */
const plausible = fc.record(
  {
    TableName: tableNameArb,
    Item: item,
    Key: key,
    Keys: fc.array(key, { maxLength: 3 }),
    ConditionExpression: expression,
    FilterExpression: expression,
    KeyConditionExpression: fc.oneof(fc.constant('pk = :v'), fc.constant('pk = :v AND sk BETWEEN :v AND :n'), expression),
    UpdateExpression: expression,
    ProjectionExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: fc.constantFrom('ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW', 'NONE', 'bogus'),
    ReturnValuesOnConditionCheckFailure: fc.constantFrom('ALL_OLD', 'NONE', 'bogus'),
    Limit: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.jsonValue({ maxDepth: 0 })),
    IndexName: fc.constantFrom('gsi1', 'nope'),
    Select: fc.constantFrom('COUNT', 'ALL_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'x'),
    Segment: fc.integer({ min: -1, max: 3 }),
    TotalSegments: fc.integer({ min: -1, max: 3 }),
    ExclusiveStartKey: key,
    RequestItems: fc.dictionary(
      fc.constantFrom(table, 'missing-table'),
      fc.oneof(
        fc.record({ Keys: fc.array(key, { maxLength: 2 }) }),
        fc.array(
          fc.oneof(
            fc.record({ PutRequest: fc.record({ Item: item }) }),
            fc.record({ DeleteRequest: fc.record({ Key: key }) }),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          { maxLength: 3 },
        ),
      ),
      { maxKeys: 2 },
    ),
    TransactItems: fc.array(
      fc.oneof(
        fc.record({
          Put: fc.record(
            { TableName: tableNameArb, Item: item, ConditionExpression: expression },
            { requiredKeys: ['TableName'] },
          ),
        }),
        fc.record({
          Update: fc.record(
            { TableName: tableNameArb, Key: key, UpdateExpression: expression, ExpressionAttributeValues: values },
            { requiredKeys: ['TableName'] },
          ),
        }),
        fc.record({ Delete: fc.record({ TableName: tableNameArb, Key: key }) }),
        fc.record({ Get: fc.record({ TableName: tableNameArb, Key: key, ProjectionExpression: expression }) }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      { maxLength: 3 },
    ),
    Tags: fc.array(fc.record({ Key: fc.string({ maxLength: 3 }), Value: fc.jsonValue({ maxDepth: 0 }) }, { requiredKeys: [] }), {
      maxLength: 2,
    }),
    TagKeys: fc.array(fc.jsonValue({ maxDepth: 0 }), { maxLength: 2 }),
    ResourceArn: fc.constantFrom(`arn:aws:dynamodb:us-east-1:000000000000:table/${table}`, 'arn:bad', ''),
    TimeToLiveSpecification: fc.record(
      { Enabled: fc.jsonValue({ maxDepth: 0 }), AttributeName: fc.jsonValue({ maxDepth: 0 }) },
      { requiredKeys: [] },
    ),
    StreamArn: fc.constantFrom('arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/2020', 'bad'),
    ShardIterator: fc.string({ maxLength: 20 }),
    ShardIteratorType: fc.constantFrom('TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'x'),
    KeySchema: fc.jsonValue({ maxDepth: 2 }),
    AttributeDefinitions: fc.jsonValue({ maxDepth: 2 }),
    BillingMode: fc.constantFrom('PAY_PER_REQUEST', 'PROVISIONED', 'x'),
  },
  { requiredKeys: [] },
);

/** A body with one field replaced by an arbitrary JSON value (wrong types in fields). */
const mutated = fc
  .tuple(
    plausible,
    fc.constantFrom('TableName', 'Item', 'Key', 'ExpressionAttributeValues', 'TransactItems', 'RequestItems', 'Limit'),
    fc.jsonValue({ maxDepth: 3 }),
  )
  .map(([body, field, value]) => ({ ...body, [field]: value }));

/** A body with one value below the top level (a map value or a list element, at any depth) replaced by null. */
const nulled = fc.tuple(plausible, fc.nat()).map(([body, pick]) => {
  const copy = JSON.parse(JSON.stringify(body));
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (depth > 0) slots.push([v as Record<string, unknown>, Array.isArray(v) ? Number(k) : k]);
      walk(child, depth + 1);
    }
  };
  walk(copy, 0);
  const slot = slots[pick % Math.max(slots.length, 1)];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = null;
  return copy;
});

const body = fc.oneof(
  { weight: 5, arbitrary: plausible.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: mutated.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: nulled.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: plausible.chain((b) => fc.nat({ max: 200 }).map((cut) => JSON.stringify(b).slice(0, cut))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const request = fc
  .record({
    target: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...OPERATIONS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    ),
    body,
  })
  // the shared table survives (other operations on it are fair game)
  .map((r) => (r.target === DDB('DeleteTable') ? { ...r, body: r.body.split(table).join('missing-table') } : r));

async function servesListTablesQuickly() {
  expect(engine.alive()).toBe(true);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 5000); // a hang detector, not a speed target
  try {
    const out = await ddb.send(new ListTablesCommand({}), { abortSignal: ac.signal });
    expect(Array.isArray(out.TableNames)).toBe(true);
  } finally {
    clearTimeout(timer);
  }
}

test('random and mutated requests for every operation never get a 5xx, and the engine stays up and responsive after each batch', async () => {
  const failures: string[] = [];
  await fc
    .assert(
      fc.asyncProperty(fc.array(request, { minLength: 10, maxLength: 10 }), async (batch) => {
        const answers = await Promise.all(batch.map((r) => raw(engine.endpoint, r.target, r.body).then((res) => ({ r, res }))));
        for (const { r, res } of answers) {
          if (res.status >= 500 || res.status === 0)
            failures.push(`${res.status} for ${r.target} ${r.body.slice(0, 300)} -> ${res.body.slice(0, 200)}`);
        }
        await servesListTablesQuickly();
        return failures.length === 0;
      }),
      // the default seed's runs include a nested null that crashed dynalite's validation (a 500 before
      // nestedNullProblem); FUZZ_SEED=<n> explores others
      { numRuns: 40, seed: Number(process.env.FUZZ_SEED ?? 1), endOnFailure: true },
    )
    .catch((err: Error) => {
      throw new Error(`${failures.join('\n')}\n${engine.stderr().slice(-2000)}\n${err.message.slice(0, 3000)}`);
    });
});
