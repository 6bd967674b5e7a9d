// DynamoDB's limits and their messages (issue #18), checked through the AWS SDK over the wire.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { createTable, failure, S, startHarness, tableName, type Harness } from './helpers';

let h: Harness;
let T: string; // pk (S) + a GSI on gpk (S)
let R: string; // pk + sk (S) + an LSI on lsk (S) + a GSI on gpk (HASH) / gsk (RANGE), INCLUDE x
beforeAll(async () => {
  h = await startHarness();
  T = tableName('lim');
  await createTable(h.ddb, T, { gsi: true });
  R = tableName('limr');
  await h.ddb.send(
    new CreateTableCommand({
      TableName: R,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'lsk', AttributeType: 'S' },
        { AttributeName: 'gpk', AttributeType: 'S' },
        { AttributeName: 'gsk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'lsi1',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'lsk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gpk', KeyType: 'HASH' },
            { AttributeName: 'gsk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['x'] },
        },
      ],
    }),
  );
});
afterAll(async () => h.stop());

const HASH_TOO_LONG =
  'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes';
const RANGE_TOO_LONG =
  'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes';
const EMPTY_INDEX_KEY_UPDATE =
  'One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.';
const emptyIndexKeyPut = (index: string, key: string) =>
  'One or more parameter values are not valid. A value specified for a secondary index key is not supported. ' +
  `The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index}, IndexKey: ${key}`;

/** Items in a table, over every 1 MB page. */
async function count(table: string): Promise<number> {
  let n = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await h.ddb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    n += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

describe('transactions', () => {
  test("empty TransactItems get DynamoDB's exact message, on TransactWriteItems and TransactGetItems", async () => {
    const message =
      "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1";
    expect((await failure(h.ddb.send(new TransactWriteItemsCommand({ TransactItems: [] })))).message).toBe(message);
    expect((await failure(h.ddb.send(new TransactGetItemsCommand({ TransactItems: [] })))).message).toBe(message);
  });

  test("101 TransactItems get DynamoDB's message, listing every item as DynamoDB prints it", async () => {
    const puts = Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: T, Item: { pk: S(`many-${i}`) } } }));
    const err = await failure(h.ddb.send(new TransactWriteItemsCommand({ TransactItems: puts })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(
      /^1 validation error detected: Value '\[(com\.amazonaws\.dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+, ){100}com\.amazonaws\.dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+\]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
    const gets = Array.from({ length: 101 }, (_, i) => ({ Get: { TableName: T, Key: { pk: S(`many-${i}`) } } }));
    const getErr = await failure(h.ddb.send(new TransactGetItemsCommand({ TransactItems: gets })));
    expect(getErr.message).toMatch(
      /^1 validation error detected: Value '\[com\.amazonaws\.dynamodb\.v20120810\.TransactGetItem@/,
    );
    expect(await count(T)).toBe(0);
  });

  test('the aggregate size of the items may not exceed 4 MB (nothing is written); just under it succeeds', async () => {
    const t = tableName('big');
    await createTable(h.ddb, t);
    const blob = 'x'.repeat(390 * 1024);
    const puts = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ Put: { TableName: t, Item: { pk: S(`${prefix}${i}`), blob: S(blob) } } }));
    const err = await failure(h.ddb.send(new TransactWriteItemsCommand({ TransactItems: puts(11, 'over') })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/^Transaction payload size cannot exceed 4MB\. Payload Size: .*\b\d{7}$/);
    expect(await count(t)).toBe(0);
    await h.ddb.send(new TransactWriteItemsCommand({ TransactItems: puts(10, 'under') }));
    expect(await count(t)).toBe(10);
  });

  test('an empty secondary index key in a Put or Update is a top-level ValidationException, and nothing is written', async () => {
    const put = await failure(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: T, Item: { pk: S('tx-ok') } } },
            { Put: { TableName: T, Item: { pk: S('tx-empty'), gpk: S('') } } },
          ],
        }),
      ),
    );
    expect(put.name).toBe('ValidationException');
    expect(put.message).toBe(emptyIndexKeyPut('gsi1', 'gpk'));
    const update = await failure(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: T, Item: { pk: S('tx-ok') } } },
            {
              Update: {
                TableName: T,
                Key: { pk: S('tx-upd') },
                UpdateExpression: 'SET gpk = :e',
                ExpressionAttributeValues: { ':e': S('') },
              },
            },
          ],
        }),
      ),
    );
    expect(update.name).toBe('ValidationException');
    expect(update.message).toBe(EMPTY_INDEX_KEY_UPDATE);
    expect(await count(T)).toBe(0);
  });
});

describe('batch operations', () => {
  test('more than 100 keys in BatchGetItem, counted over all tables, is "Too many items requested"', async () => {
    const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ pk: S(`${p}${i}`) }));
    const withSk = (n: number, p: string) => keys(n, p).map((k) => ({ ...k, sk: S('s') }));
    const atLimit = await h.ddb.send(
      new BatchGetItemCommand({ RequestItems: { [T]: { Keys: keys(60, 'a') }, [R]: { Keys: withSk(40, 'b') } } }),
    );
    expect(atLimit.Responses?.[T]).toEqual([]);
    const over = await failure(
      h.ddb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [T]: { Keys: keys(60, 'a') },
            [R]: { Keys: withSk(41, 'b') },
          },
        }),
      ),
    );
    expect(over.name).toBe('ValidationException');
    expect(over.message).toBe('Too many items requested for the BatchGetItem call');
    // over the limit in one table: the request model's constraint, reported first (captured by
    // nubo-db/dynamodb-conformance, tests/tier3/error-messages/batchGetItem)
    const oneTable = await failure(h.ddb.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: keys(101, 'c') } } })));
    expect(oneTable.message).toBe(
      `1 validation error detected: Value at 'RequestItems.${T}.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100`,
    );
  });

  test('more than 25 writes in BatchWriteItem, counted over all tables, is "Too many items requested" and writes nothing', async () => {
    const t2 = tableName('bw');
    await createTable(h.ddb, t2);
    const writes = (n: number, p: string) =>
      Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: S(`${p}${i}`) } } }));
    const err = await failure(
      h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: writes(13, 'a'), [t2]: writes(13, 'b') } })),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe('Too many items requested for the BatchWriteItem call');
    const oneTable = await failure(h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [t2]: writes(26, 'd') } })));
    expect(oneTable.message).toBe(
      `1 validation error detected: Value at 'RequestItems.${t2}.member' failed to satisfy constraint: Member must have length less than or equal to 25`,
    );
    expect(await count(t2)).toBe(0);
    await h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [t2]: writes(25, 'c') } }));
    expect(await count(t2)).toBe(25);
  });
});

describe('query and scan parameters', () => {
  test('Select=SPECIFIC_ATTRIBUTES without a projection is refused (Query wraps the message, Scan does not)', async () => {
    const text = 'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES';
    const q = await failure(
      h.ddb.send(
        new QueryCommand({
          TableName: T,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('a') },
          Select: 'SPECIFIC_ATTRIBUTES',
        }),
      ),
    );
    expect(q.message).toBe(`1 validation error detected: ${text}`);
    const s = await failure(h.ddb.send(new ScanCommand({ TableName: T, Select: 'SPECIFIC_ATTRIBUTES' })));
    expect(s.message).toBe(text);
    const ok = await h.ddb.send(new ScanCommand({ TableName: T, Select: 'SPECIFIC_ATTRIBUTES', ProjectionExpression: 'pk' }));
    expect(ok.Count).toBeGreaterThanOrEqual(0);
  });

  test('Segment / TotalSegments pairs out of range are refused with DynamoDB messages', async () => {
    const over = await failure(h.ddb.send(new ScanCommand({ TableName: T, Segment: 0, TotalSegments: 1000001 })));
    expect(over.message).toBe(
      "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
    );
    const notLess = await failure(h.ddb.send(new ScanCommand({ TableName: T, Segment: 2, TotalSegments: 2 })));
    expect(notLess.message).toBe(
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2',
    );
    const noSegment = await failure(h.ddb.send(new ScanCommand({ TableName: T, TotalSegments: 2 })));
    expect(noSegment.message).toBe(
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
    await h.ddb.send(new ScanCommand({ TableName: T, Segment: 999999, TotalSegments: 1000000 }));
  });

  test('a bad ExclusiveStartKey is refused: wrong attribute, wrong type, outside the key condition', async () => {
    const wrongName = await failure(h.ddb.send(new ScanCommand({ TableName: T, ExclusiveStartKey: { nope: S('x') } })));
    expect(wrongName.message).toBe('The provided starting key is invalid: The provided key element does not match the schema');
    const wrongType = await failure(h.ddb.send(new ScanCommand({ TableName: T, ExclusiveStartKey: { pk: { N: '1' } } })));
    expect(wrongType.message).toBe('The provided starting key is invalid: The provided key element does not match the schema');
    const outside = await failure(
      h.ddb.send(
        new QueryCommand({
          TableName: T,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('a') },
          ExclusiveStartKey: { pk: S('b') },
        }),
      ),
    );
    expect(outside.message).toBe('The provided starting key is outside query boundaries based on provided conditions');
  });
});

describe('secondary index keys', () => {
  test('an index partition key over 2048 bytes or sort key over 1024 bytes is refused on PutItem and UpdateItem', async () => {
    const long = (n: number) => S('k'.repeat(n));
    const putHash = await failure(h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('p'), gpk: long(2049) } })));
    expect(putHash.message).toBe(HASH_TOO_LONG);
    const putGsiRange = await failure(
      h.ddb.send(new PutItemCommand({ TableName: R, Item: { pk: S('p'), sk: S('s'), gpk: S('g'), gsk: long(1025) } })),
    );
    expect(putGsiRange.message).toBe(RANGE_TOO_LONG);
    const updLsi = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: R,
          Key: { pk: S('p'), sk: S('s') },
          UpdateExpression: 'SET lsk = :v',
          ExpressionAttributeValues: { ':v': long(1025) },
        }),
      ),
    );
    expect(updLsi.message).toBe(RANGE_TOO_LONG);
    // multi-byte characters count by UTF-8 bytes: 683 × 3 bytes = 2049
    const wide = await failure(h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('p'), gpk: S('€'.repeat(683)) } })));
    expect(wide.message).toBe(HASH_TOO_LONG);
    await h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('p-ok'), gpk: long(2048) } }));
    await h.ddb.send(new PutItemCommand({ TableName: R, Item: { pk: S('p-ok'), sk: S('s'), lsk: long(1024) } }));
    expect(await count(R)).toBe(1);
    await h.ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('p-ok') } }));
  });

  test('UpdateItem setting an index key to an empty string is refused with the update form of the message', async () => {
    const err = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: T,
          Key: { pk: S('u-empty') },
          UpdateExpression: 'SET gpk = :e',
          ExpressionAttributeValues: { ':e': S('') },
        }),
      ),
    );
    expect(err.message).toBe(EMPTY_INDEX_KEY_UPDATE);
    const item = await h.ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('u-empty') } }));
    expect(item.Item).toBeUndefined();
  });

  test('ConsistentRead on a GSI is a ValidationException (Query and Scan); on an LSI it is allowed', async () => {
    const message = 'Consistent reads are not supported on global secondary indexes';
    const q = await failure(
      h.ddb.send(
        new QueryCommand({
          TableName: T,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gpk = :g',
          ExpressionAttributeValues: { ':g': S('g') },
          ConsistentRead: true,
        }),
      ),
    );
    expect(q.message).toBe(message);
    const s = await failure(h.ddb.send(new ScanCommand({ TableName: T, IndexName: 'gsi1', ConsistentRead: true })));
    expect(s.message).toBe(message);
    await h.ddb.send(new ScanCommand({ TableName: R, IndexName: 'lsi1', ConsistentRead: true }));
  });

  test('a query on an INCLUDE or KEYS_ONLY index returns only the projected attributes', async () => {
    const item: Record<string, AttributeValue> = {
      pk: S('proj'),
      sk: S('s1'),
      lsk: S('l1'),
      gpk: S('g1'),
      gsk: S('h1'),
      x: S('included'),
      y: S('not projected'),
    };
    await h.ddb.send(new PutItemCommand({ TableName: R, Item: item }));
    const gsi = await h.ddb.send(
      new QueryCommand({
        TableName: R,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g1') },
      }),
    );
    const { lsk: _l, y: _y, ...includeProjected } = item;
    expect(gsi.Items).toEqual([includeProjected]);
    const lsi = await h.ddb.send(
      new QueryCommand({
        TableName: R,
        IndexName: 'lsi1',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': S('proj') },
        Select: 'ALL_PROJECTED_ATTRIBUTES',
      }),
    );
    expect(lsi.Items).toEqual([{ pk: S('proj'), sk: S('s1'), lsk: S('l1') }]);
  });
});

describe('CreateTable', () => {
  const table = (over: Partial<ConstructorParameters<typeof CreateTableCommand>[0]>) =>
    new CreateTableCommand({
      TableName: tableName('ct'),
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'g', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ...over,
    });
  const gsi = (Projection: { ProjectionType: 'INCLUDE' | 'ALL'; NonKeyAttributes?: string[] }, name = 'gidx') => ({
    IndexName: name,
    KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }],
    Projection,
  });

  test('an INCLUDE projection without NonKeyAttributes is refused', async () => {
    const err = await failure(h.ddb.send(table({ GlobalSecondaryIndexes: [gsi({ ProjectionType: 'INCLUDE' })] })));
    expect(err.message).toBe(
      'One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified',
    );
  });

  test('more than 100 projected attributes over all indexes (counted per index) are refused', async () => {
    const attrs = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const err = await failure(
      h.ddb.send(
        table({
          GlobalSecondaryIndexes: [
            gsi({ ProjectionType: 'INCLUDE', NonKeyAttributes: attrs(60, 'a') }, 'one'),
            gsi({ ProjectionType: 'INCLUDE', NonKeyAttributes: attrs(41, 'a') }, 'two'),
          ],
        }),
      ),
    );
    expect(err.message).toMatch(
      /^One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of 100\b/,
    );
    await h.ddb.send(
      table({
        GlobalSecondaryIndexes: [
          gsi({ ProjectionType: 'INCLUDE', NonKeyAttributes: attrs(60, 'a') }, 'one'),
          gsi({ ProjectionType: 'INCLUDE', NonKeyAttributes: attrs(40, 'a') }, 'two'),
        ],
      }),
    );
  });

  test('an attribute defined twice, with conflicting or the same type, is refused', async () => {
    const conflicting = await failure(
      h.ddb.send(
        table({
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'g', AttributeType: 'S' },
            { AttributeName: 'g', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexes: [gsi({ ProjectionType: 'ALL' })],
        }),
      ),
    );
    expect(conflicting.message).toBe('Cannot have two attributes with the same name');
    const same = await failure(
      h.ddb.send(
        table({
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'pk', AttributeType: 'S' },
          ],
        }),
      ),
    );
    expect(same.message).toBe('Cannot have two attributes with the same name');
  });

  test('key attribute names are 1 to 255 characters, reported in the validation envelope', async () => {
    const long = 'n'.repeat(256);
    const err = await failure(
      h.ddb.send(
        table({
          AttributeDefinitions: [{ AttributeName: long, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: long, KeyType: 'HASH' }],
        }),
      ),
    );
    expect(err.message).toBe(
      `2 validation errors detected: Value '${long}' at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255; ` +
        `Value '${long}' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255`,
    );
    const empty = await failure(
      h.ddb.send(
        table({
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: '', AttributeType: 'S' },
          ],
          GlobalSecondaryIndexes: [
            { IndexName: 'gidx', KeySchema: [{ AttributeName: '', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
          ],
        }),
      ),
    );
    expect(empty.message).toBe(
      "2 validation errors detected: Value '' at 'attributeDefinitions.2.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'globalSecondaryIndexes.1.member.keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const ok = 'n'.repeat(255);
    await h.ddb.send(
      table({
        AttributeDefinitions: [{ AttributeName: ok, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: ok, KeyType: 'HASH' }],
      }),
    );
  });
});

describe('update return values', () => {
  test('UPDATED_OLD / UPDATED_NEW / ALL_NEW return exactly the attributes DynamoDB returns', async () => {
    const t = tableName('rv');
    await createTable(h.ddb, t);
    const key = { pk: S('r') };
    await h.ddb.send(
      new PutItemCommand({
        TableName: t,
        Item: { ...key, m: { M: { a: S('1'), b: S('2') } }, gone: S('x'), keep: S('k') },
      }),
    );
    const update = (ReturnValues: 'UPDATED_OLD' | 'UPDATED_NEW' | 'ALL_NEW', v: string) =>
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: key,
          UpdateExpression: 'SET m.a = :v REMOVE gone',
          ExpressionAttributeValues: { ':v': S(v) },
          ReturnValues,
        }),
      );
    // the updated paths only (a removed attribute has an old value but no new one)
    expect((await update('UPDATED_OLD', '3')).Attributes).toEqual({ m: { M: { a: S('1') } }, gone: S('x') });
    expect((await update('UPDATED_NEW', '4')).Attributes).toEqual({ m: { M: { a: S('4') } } });
    expect((await update('ALL_NEW', '5')).Attributes).toEqual({ ...key, m: { M: { a: S('5'), b: S('2') } }, keep: S('k') });
  });

  test('a REMOVE-only update of a missing item returns no new attributes (nothing was created)', async () => {
    const t = tableName('rvm');
    await createTable(h.ddb, t);
    for (const ReturnValues of ['ALL_NEW', 'UPDATED_NEW', 'ALL_OLD', 'UPDATED_OLD'] as const) {
      const out = await h.ddb.send(
        new UpdateItemCommand({ TableName: t, Key: { pk: S('ghost') }, UpdateExpression: 'REMOVE q', ReturnValues }),
      );
      expect(out.Attributes).toBeUndefined();
    }
    expect(await count(t)).toBe(0);
  });
});

describe('validation order inside a transaction', () => {
  test("a nesting-depth violation is reported ahead of a later action's syntax error", async () => {
    // a document path of 33 levels (DynamoDB allows 32, the top-level attribute included)
    const paren = `a${'.b'.repeat(32)} = :v`;
    const err = await failure(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: T,
                Item: { pk: S('n1') },
                ConditionExpression: paren,
                ExpressionAttributeValues: { ':v': S('1') },
              },
            },
            { Put: { TableName: T, Item: { pk: S('n2') }, ConditionExpression: 'a =' } },
          ],
        }),
      ),
    );
    expect(err.message).toBe('Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33');
    let deep: AttributeValue = S('x');
    for (let i = 0; i < 33; i++) deep = { M: { a: deep } };
    const item = await failure(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: T, Item: { pk: S('n3'), d: deep } } },
            { Put: { TableName: T, Item: { pk: S('n4') }, ConditionExpression: 'a =' } },
          ],
        }),
      ),
    );
    expect(item.message).toBe(
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    );
  });
});

describe('legacy conditional parameters (Expected, QueryFilter, ScanFilter) on the same evaluator', () => {
  const t = tableName('legacy');
  const item: Record<string, AttributeValue> = {
    pk: S('L'),
    sk: S('1'),
    n: { N: '1.50' },
    l: { L: [S('x'), { N: '2' }, { M: { k: S('v') } }] },
    m: { M: { a: { N: '1' }, b: { L: [S('y')] } } },
    ns: { NS: ['3', '1', '2'] },
  };
  beforeAll(async () => {
    await createTable(h.ddb, t, { sortKey: true });
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: item }));
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('L'), sk: S('2'), n: { N: '7' } } }));
  });
  const put = (Expected: Record<string, unknown>, ConditionalOperator?: 'AND' | 'OR') =>
    h.ddb.send(new PutItemCommand({ TableName: t, Item: item, Expected: Expected as never, ConditionalOperator }));

  test('Expected compares lists, maps, sets and numbers by value, and CONTAINS finds a list element', async () => {
    await put({
      n: { Value: { N: '1.5' } },
      l: { ComparisonOperator: 'EQ', AttributeValueList: [{ L: [S('x'), { N: '2.0' }, { M: { k: S('v') } }] }] },
      m: { ComparisonOperator: 'EQ', AttributeValueList: [{ M: { b: { L: [S('y')] }, a: { N: '1' } } }] },
      ns: { ComparisonOperator: 'EQ', AttributeValueList: [{ NS: ['1', '2', '3'] }] },
    });
    await put({ l: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ N: '2' }] } });
    await put({ ns: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ N: '4' }] }, nope: { Exists: false } });
    const failed = await failure(put({ l: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('zz')] } }));
    expect(failed.name).toBe('ConditionalCheckFailedException');
  });

  test('ConditionalOperator OR passes when any condition holds, whatever its position', async () => {
    await put({ n: { Value: { N: '99' } }, ns: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ N: '3' }] } }, 'OR');
    const failed = await failure(put({ n: { Value: { N: '99' } }, nope: { Exists: true, Value: S('x') } }, 'OR'));
    expect(failed.name).toBe('ConditionalCheckFailedException');
  });

  test('QueryFilter and ScanFilter (with OR) evaluate like the filter expression', async () => {
    const q = await h.ddb.send(
      new QueryCommand({
        TableName: t,
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('L')] } },
        QueryFilter: {
          ns: { ComparisonOperator: 'EQ', AttributeValueList: [{ NS: ['2', '3', '1.0'] }] },
          n: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '7' }] },
        },
        ConditionalOperator: 'OR',
      }),
    );
    expect(q.Items?.map((i) => i.sk?.S)).toEqual(['1', '2']);
    expect(q.ScannedCount).toBe(2);
    const s = await h.ddb.send(
      new ScanCommand({
        TableName: t,
        ScanFilter: {
          l: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('nothing')] },
          n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '6.5' }] },
        },
        ConditionalOperator: 'OR',
      }),
    );
    expect(s.Items?.map((i) => i.sk?.S)).toEqual(['2']);
  });
});

describe('numbers computed by updates', () => {
  const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  test('a sum or difference DynamoDB cannot store is refused (too large, or more than 38 digits), and nothing changes', async () => {
    const t = tableName('num');
    await createTable(h.ddb, t);
    const key = { pk: S('n') };
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { ...key, b: { N: '1' } } }));
    const set = (expr: string, a: string, b: string) =>
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: key,
          UpdateExpression: `SET b = ${expr}`,
          ExpressionAttributeValues: { ':a': { N: a }, ':b': { N: b } },
        }),
      );
    expect((await failure(set(':a + :b', '9e125', '9e125'))).message).toBe(OVERFLOW);
    expect((await failure(set(':a - :b', '9e125', '-9e125'))).message).toBe(OVERFLOW);
    // 1e50 + 1 needs 51 significant digits: DynamoDB reports it as an overflow too
    expect((await failure(set(':a + :b', '1e50', '1'))).message).toBe(OVERFLOW);
    expect((await failure(set(':a - :b', '1.1e-130', '1e-130'))).message).toBe(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
    const nines = '9'.repeat(38);
    await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: key,
        UpdateExpression: 'ADD c :n',
        ExpressionAttributeValues: { ':n': { N: nines } },
      }),
    );
    const add = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: key,
          UpdateExpression: 'ADD c :n',
          ExpressionAttributeValues: { ':n': { N: nines } },
        }),
      ),
    );
    expect(add.message).toBe(OVERFLOW);
    // attributes named like AttributeValue types (M, L, N) are items' attributes, not values
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('typed-names'), M: S('m'), L: S('l'), N: { N: '1' } } }));
    const named = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('typed-names') },
          UpdateExpression: 'SET z = :a + :a',
          ExpressionAttributeValues: { ':a': { N: '9e125' } },
        }),
      ),
    );
    expect(named.message).toBe(OVERFLOW);
    const item = await h.ddb.send(new GetItemCommand({ TableName: t, Key: key }));
    expect(item.Item).toEqual({ ...key, b: { N: '1' }, c: { N: nines } });
    // the largest magnitude and exact wide sums are fine
    await set(':a + :b', '9e125', '9e124');
    const largest = (await h.ddb.send(new GetItemCommand({ TableName: t, Key: key }))).Item?.b?.N;
    expect(Number(largest)).toBe(9.9e125);
    await set(':a + :b', '1', '10000000000000000000000');
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: key }))).Item?.b).toEqual({ N: '10000000000000000000001' });
  });
});

describe('table names and key schemas', () => {
  test("a 2-character table name and a KeySchema of 3 elements get DynamoDB's messages", async () => {
    const input = {
      BillingMode: 'PAY_PER_REQUEST' as const,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
    };
    const short = await failure(h.ddb.send(new CreateTableCommand({ ...input, TableName: 'ab' })));
    // DynamoDB's envelope (captured by nubo-db/dynamodb-conformance, tests/tier3/error-messages/createTable)
    expect(short.message).toBe(
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    const badAndShort = await failure(h.ddb.send(new CreateTableCommand({ ...input, TableName: 'x!' })));
    expect(badAndShort.message).toBe(
      "2 validation errors detected: Value 'x!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'x!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    const three = await failure(
      h.ddb.send(
        new CreateTableCommand({
          ...input,
          TableName: tableName('ks'),
          AttributeDefinitions: [
            { AttributeName: 'a', AttributeType: 'S' },
            { AttributeName: 'b', AttributeType: 'S' },
            { AttributeName: 'c', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'a', KeyType: 'HASH' },
            { AttributeName: 'b', KeyType: 'RANGE' },
            { AttributeName: 'c', KeyType: 'RANGE' },
          ],
        }),
      ),
    );
    expect(three.message).toBe(
      "1 validation error detected: Value '[KeySchemaElement(attributeName=a, keyType=HASH), KeySchemaElement(attributeName=b, keyType=RANGE), KeySchemaElement(attributeName=c, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2",
    );
  });
});

describe('ReturnItemCollectionMetrics=SIZE on BatchWriteItem and TransactWriteItems', () => {
  test('each item collection written on a table with an LSI is reported, per table (none for tables without one)', async () => {
    const metric = (pk: string) => ({ ItemCollectionKey: { pk: S(pk) }, SizeEstimateRangeGB: [0, 1] });
    const batch = await h.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [R]: [
            { PutRequest: { Item: { pk: S('c1'), sk: S('1') } } },
            { PutRequest: { Item: { pk: S('c1'), sk: S('2') } } },
            { DeleteRequest: { Key: { pk: S('c2'), sk: S('1') } } },
          ],
          [T]: [{ PutRequest: { Item: { pk: S('plain') } } }],
        },
        ReturnItemCollectionMetrics: 'SIZE',
      }),
    );
    expect(batch.ItemCollectionMetrics).toEqual({ [R]: [metric('c1'), metric('c2')] });
    const tx = await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: R, Item: { pk: S('c3'), sk: S('1') } } },
          {
            Update: {
              TableName: R,
              Key: { pk: S('c4'), sk: S('1') },
              UpdateExpression: 'SET x = :x',
              ExpressionAttributeValues: { ':x': S('x') },
            },
          },
          { ConditionCheck: { TableName: R, Key: { pk: S('c1'), sk: S('1') }, ConditionExpression: 'attribute_exists(pk)' } },
          { Put: { TableName: T, Item: { pk: S('plain2') } } },
        ],
        ReturnItemCollectionMetrics: 'SIZE',
      }),
    );
    expect(tx.ItemCollectionMetrics).toEqual({ [R]: [metric('c3'), metric('c4')] });
    const none = await h.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { [T]: [{ PutRequest: { Item: { pk: S('plain3') } } }] },
        ReturnItemCollectionMetrics: 'SIZE',
      }),
    );
    expect(none.ItemCollectionMetrics ?? {}).toEqual({});
  });
});

describe('UpdateTable creating a GSI follows the CreateTable projection rules', () => {
  test('INCLUDE without NonKeyAttributes, NonKeyAttributes with ALL, and over 100 projected attributes in all are refused', async () => {
    const update = (Projection: Record<string, unknown>) =>
      h.ddb.send(
        new UpdateTableCommand({
          TableName: R,
          AttributeDefinitions: [{ AttributeName: 'z', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: 'gnew',
                KeySchema: [{ AttributeName: 'z', KeyType: 'HASH' }],
                Projection: Projection as never,
              },
            },
          ],
        }),
      );
    expect((await failure(update({ ProjectionType: 'INCLUDE' }))).message).toBe(
      'One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified',
    );
    expect((await failure(update({ ProjectionType: 'ALL', NonKeyAttributes: ['q'] }))).message).toBe(
      'One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified',
    );
    // R's gsi2 already projects 1 attribute (x)
    const many = Array.from({ length: 100 }, (_, i) => `q${i}`);
    expect((await failure(update({ ProjectionType: 'INCLUDE', NonKeyAttributes: many }))).message).toMatch(
      /^One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of 100\b/,
    );
  });
});

describe('update functions', () => {
  test('list_append nested in list_append is refused; if_not_exists inside list_append works', async () => {
    const t = tableName('la');
    await createTable(h.ddb, t);
    const key = { pk: S('l') };
    const update = (UpdateExpression: string) =>
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: key,
          UpdateExpression,
          ExpressionAttributeValues: { ':a': { L: [S('a')] }, ':b': { L: [S('b')] } },
        }),
      );
    const message =
      'Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append';
    expect((await failure(update('SET l = list_append(list_append(:a, :b), :a)'))).message).toBe(message);
    expect((await failure(update('SET l = list_append(:a, list_append(:b, :a))'))).message).toBe(message);
    await update('SET l = list_append(if_not_exists(l, :a), :b)');
    await update('SET l = list_append(if_not_exists(l, :a), :b)');
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: key }))).Item?.l).toEqual({ L: [S('a'), S('b'), S('b')] });
    const path = await failure(update('SET l = if_not_exists(:a, :b)'));
    expect(path.message).toBe(
      'Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists',
    );
  });
});

describe('document paths of 32 levels, the top-level attribute included', () => {
  // DynamoDB's text for 33 levels, as ScyllaDB's test_projection_expression_path_nesting_levels
  // (written to pass on DynamoDB) quotes it
  const tooDeep = (kind: string) =>
    `Invalid ${kind}Expression: The document path has too many nesting levels; nesting levels: 33`;
  const path = (levels: number) => `a${'.b'.repeat(levels - 1)}`;
  /** An item whose `a` holds maps down to `a.b…b` (levels long), that path holding `leaf`. */
  const nested = (levels: number, leaf: AttributeValue): AttributeValue => {
    let v = leaf;
    for (let i = 1; i < levels; i++) v = { M: { b: v } };
    return v;
  };

  test('work in projection, condition, filter and update expressions at 32 levels', async () => {
    const key = { pk: S('deep32') };
    await h.ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, a: nested(32, S('x')) } }));
    const got = await h.ddb.send(
      new GetItemCommand({ TableName: T, Key: key, ProjectionExpression: path(32), ConsistentRead: true }),
    );
    expect(got.Item).toEqual({ a: nested(32, S('x')) });
    await h.ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key,
        UpdateExpression: `SET ${path(32)} = :y`,
        ConditionExpression: `${path(32)} = :x`,
        ExpressionAttributeValues: { ':x': S('x'), ':y': S('y') },
      }),
    );
    const scanned = await h.ddb.send(
      new ScanCommand({
        TableName: T,
        FilterExpression: `${path(32)} = :y`,
        ExpressionAttributeValues: { ':y': S('y') },
        ConsistentRead: true,
      }),
    );
    expect(scanned.Items).toEqual([{ ...key, a: nested(32, S('y')) }]);
  });

  test("33 levels are refused with DynamoDB's message in every expression that takes paths, and nothing is written", async () => {
    const key = { pk: S('deep33') };
    const cases: [string, Promise<unknown>][] = [
      ['Projection', h.ddb.send(new GetItemCommand({ TableName: T, Key: key, ProjectionExpression: `x, ${path(33)}` }))],
      [
        'Condition',
        h.ddb.send(new PutItemCommand({ TableName: T, Item: key, ConditionExpression: `attribute_not_exists(${path(33)})` })),
      ],
      [
        'Filter',
        h.ddb.send(
          new ScanCommand({ TableName: T, FilterExpression: `${path(33)} = :v`, ExpressionAttributeValues: { ':v': S('v') } }),
        ),
      ],
      [
        'Update',
        h.ddb.send(
          new UpdateItemCommand({
            TableName: T,
            Key: key,
            UpdateExpression: `SET ${path(33)} = :v`,
            ExpressionAttributeValues: { ':v': S('v') },
          }),
        ),
      ],
      [
        'KeyCondition',
        h.ddb.send(
          new QueryCommand({
            TableName: T,
            KeyConditionExpression: `pk = :v AND ${path(33)} = :v`,
            ExpressionAttributeValues: { ':v': S('v') },
          }),
        ),
      ],
      [
        'Condition',
        h.ddb.send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Put: { TableName: T, Item: key, ConditionExpression: `attribute_not_exists(${path(33)})` } }],
          }),
        ),
      ],
    ];
    for (const [kind, sent] of cases) {
      const err = await failure(sent);
      expect([err.name, err.message]).toEqual(['ValidationException', tooDeep(kind)]);
    }
    // list indexes are levels too; names given through ExpressionAttributeNames count the same
    const indexed = await failure(
      h.ddb.send(
        new GetItemCommand({
          TableName: T,
          Key: key,
          ProjectionExpression: `#a${'[0]'.repeat(31)}.#b`,
          ExpressionAttributeNames: { '#a': 'a', '#b': 'b' },
        }),
      ),
    );
    expect(indexed.message).toBe(tooDeep('Projection'));
    expect((await h.ddb.send(new GetItemCommand({ TableName: T, Key: key, ConsistentRead: true }))).Item).toBeUndefined();
  });
});

describe('request parameters DynamoDB refuses, with its messages', () => {
  const expectRefused = async (sent: Promise<unknown>, message: string) => {
    const err = await failure(sent);
    expect([err.name, err.message]).toEqual(['ValidationException', message]);
  };

  // the texts as nubo-db/dynamodb-conformance captured them from DynamoDB (tests/tier3/error-messages):
  // Query and Scan word Limit 0 differently
  test('Limit 0 on Query and Scan, and empty RequestItems on BatchGetItem and BatchWriteItem', async () => {
    const limit =
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1";
    const queryLimit =
      "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1";
    await expectRefused(
      h.ddb.send(
        new QueryCommand({
          TableName: T,
          KeyConditionExpression: 'pk = :v',
          ExpressionAttributeValues: { ':v': S('x') },
          Limit: 0,
        }),
      ),
      queryLimit,
    );
    await expectRefused(h.ddb.send(new ScanCommand({ TableName: T, Limit: 0 })), limit);
    await expectRefused(
      h.ddb.send(new BatchGetItemCommand({ RequestItems: {} })),
      'The requestItems parameter is required for BatchGetItem',
    );
    await expectRefused(
      h.ddb.send(new BatchWriteItemCommand({ RequestItems: {} })),
      'The requestItems parameter is required for BatchWriteItem',
    );
  });

  test('an empty TableName stops validation at the name; UpdateItem reports only its invalid ReturnValues', async () => {
    const empty =
      "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1";
    await expectRefused(h.ddb.send(new PutItemCommand({ TableName: '', Item: {}, ReturnValues: 'DOG' as never })), empty);
    await expectRefused(h.ddb.send(new UpdateItemCommand({ TableName: '', Key: {} })), empty);
    await expectRefused(h.ddb.send(new DeleteItemCommand({ TableName: '', Key: {} })), empty);
    await expectRefused(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: T,
          Key: { pk: S('x') },
          ReturnValues: 'DOG' as never,
          ReturnConsumedCapacity: 'CAT' as never,
        }),
      ),
      "1 validation error detected: Value 'DOG' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
    );
  });

  test('ReturnValues: an unknown value on any write; on PutItem and DeleteItem anything but ALL_OLD or NONE; nothing is written', async () => {
    const key = { pk: S('rv') };
    await expectRefused(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: T,
          Key: key,
          UpdateExpression: 'SET a = :v',
          ExpressionAttributeValues: { ':v': S('v') },
          ReturnValues: 'DOG' as never,
        }),
      ),
      "1 validation error detected: Value 'DOG' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
    );
    await h.ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, a: S('kept') } }));
    for (const ReturnValues of ['UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] as const) {
      await expectRefused(
        h.ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, a: S('new') }, ReturnValues })),
        'ReturnValues can only be ALL_OLD or NONE',
      );
      // DeleteItem refuses them too (ScyllaDB's test_delete_item_returnvalues, written to pass on DynamoDB)
      await expectRefused(
        h.ddb.send(new DeleteItemCommand({ TableName: T, Key: key, ReturnValues })),
        'ReturnValues can only be ALL_OLD or NONE',
      );
    }
    const kept = await h.ddb.send(new GetItemCommand({ TableName: T, Key: key, ConsistentRead: true }));
    expect(kept.Item).toEqual({ ...key, a: S('kept') });
    const deleted = await h.ddb.send(new DeleteItemCommand({ TableName: T, Key: key, ReturnValues: 'ALL_OLD' }));
    expect(deleted.Attributes).toEqual({ ...key, a: S('kept') });
  });

  test('a secondary index key of the wrong type is refused on PutItem, UpdateItem and BatchWriteItem', async () => {
    const mismatch =
      'One or more parameter values were invalid: Type mismatch for Index Key gpk Expected: S Actual: N IndexName: gsi1';
    await expectRefused(h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('it1'), gpk: { N: '1' } } })), mismatch);
    await expectRefused(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: T,
          Key: { pk: S('it2') },
          UpdateExpression: 'SET gpk = :n',
          ExpressionAttributeValues: { ':n': { N: '1' } },
        }),
      ),
      mismatch,
    );
    await expectRefused(
      h.ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [T]: [{ PutRequest: { Item: { pk: S('it3'), gpk: { N: '1' } } } }] } }),
      ),
      mismatch,
    );
    for (const pk of ['it1', 'it2', 'it3']) {
      expect((await h.ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S(pk) } }))).Item).toBeUndefined();
    }
  });

  test("an empty string or binary in a Key gets DynamoDB's wording on every operation that takes one", async () => {
    // DynamoDB's text as captured from DynamoDB by nubo-db/dynamodb-conformance (DeleteItem, transactions)
    const empty =
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk';
    const Key = { pk: S('') };
    await expectRefused(h.ddb.send(new GetItemCommand({ TableName: T, Key })), empty);
    await expectRefused(h.ddb.send(new DeleteItemCommand({ TableName: T, Key })), empty);
    await expectRefused(
      h.ddb.send(
        new UpdateItemCommand({ TableName: T, Key, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': S('v') } }),
      ),
      empty,
    );
    await expectRefused(h.ddb.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: [Key] } } })), empty);
    await expectRefused(h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: [{ DeleteRequest: { Key } }] } })), empty);
    await expectRefused(h.ddb.send(new PutItemCommand({ TableName: T, Item: Key })), empty);
  });
});
