// DynamoDB's documented answers on list appends, projections, attribute names and the 1 MB page,
// through the AWS SDK over the wire.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createTable, failure, N, S, startHarness, tableName, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

describe('SET on a list index past the end', () => {
  const t = tableName('append');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });

  test('appends the element, and UPDATED_NEW returns it at the index where it landed', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a'), l: { L: [N(1), N(2)] } } }));
    const out = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('a') },
        UpdateExpression: 'SET l[10] = :v',
        ExpressionAttributeValues: { ':v': S('new') },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(out.Attributes).toEqual({ l: { L: [S('new')] } });
    const item = await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('a') } }));
    expect(item.Item?.l).toEqual({ L: [N(1), N(2), S('new')] });
  });

  test('several appends land in index order; UPDATED_OLD has nothing for them (they did not exist)', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('b'), l: { L: [N(1)] } } }));
    const update = (rv: 'UPDATED_NEW' | 'UPDATED_OLD', k: string) =>
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S(k) },
          UpdateExpression: 'SET l[20] = :y, l[7] = :x',
          ExpressionAttributeValues: { ':x': S('x'), ':y': S('y') },
          ReturnValues: rv,
        }),
      );
    const created = await update('UPDATED_NEW', 'b');
    expect(created.Attributes).toEqual({ l: { L: [S('x'), S('y')] } });
    const item = await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('b') } }));
    expect(item.Item?.l).toEqual({ L: [N(1), S('x'), S('y')] });

    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('c'), l: { L: [N(1)] } } }));
    const old = await update('UPDATED_OLD', 'c');
    expect(old.Attributes?.l).toBeUndefined();
  });

  test('an index inside the list still names that element in UPDATED_NEW', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('d'), l: { L: [N(1), N(2), N(3)] } } }));
    const out = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('d') },
        UpdateExpression: 'SET l[1] = :v',
        ExpressionAttributeValues: { ':v': S('two') },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(out.Attributes).toEqual({ l: { L: [S('two')] } });
  });
});

describe('list_append inside if_not_exists', () => {
  const t = tableName('ine');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });
  const append = (v: string) =>
    h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('a') },
        UpdateExpression: 'SET l = list_append(if_not_exists(l, :empty), :v)',
        ExpressionAttributeValues: { ':empty': { L: [] }, ':v': { L: [S(v)] } },
        ReturnValues: 'ALL_NEW',
      }),
    );

  test('creates the list when the attribute is missing, then appends to it', async () => {
    expect((await append('first')).Attributes?.l).toEqual({ L: [S('first')] });
    expect((await append('second')).Attributes?.l).toEqual({ L: [S('first'), S('second')] });
  });
});

describe('CreateTable: NonKeyAttributes', () => {
  const input = (name: string, nonKey: string[]): CreateTableCommandInput => ({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'gpk', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byg',
        KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: nonKey },
      },
    ],
  });

  test('an attribute named twice is a ValidationException and no table is created', async () => {
    const name = tableName('dupnk');
    const err = await failure(h.ddb.send(new CreateTableCommand(input(name, ['a', 'b', 'a']))));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/Duplicate/);
    const missing = await failure(h.ddb.send(new ScanCommand({ TableName: name })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  test('a key attribute named twice is refused with "Cannot have two attributes with the same name"', async () => {
    const err = await failure(h.ddb.send(new CreateTableCommand(input(tableName('dupkey'), ['pk', 'pk']))));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe('Cannot have two attributes with the same name');
  });

  test('a key attribute named once is accepted and changes nothing (keys are always projected)', async () => {
    const name = tableName('keynk');
    await h.ddb.send(new CreateTableCommand(input(name, ['a', 'gpk'])));
    await h.ddb.send(new PutItemCommand({ TableName: name, Item: { pk: S('1'), gpk: S('g'), a: S('A'), b: S('B') } }));
    const out = await h.ddb.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'byg',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g') },
      }),
    );
    expect(out.Items).toEqual([{ pk: S('1'), gpk: S('g'), a: S('A') }]);
  });

  test('UpdateTable creating an index follows the same rule', async () => {
    const name = tableName('dupnkgsi');
    await createTable(h.ddb, name);
    const err = await failure(
      h.ddb.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'gpk', AttributeType: 'S' }],
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: 'byg',
                KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
                Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['x', 'x'] },
              },
            },
          ],
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/Duplicate/);
  });
});

describe('ProjectionExpression on a GSI query', () => {
  test('naming an attribute the index does not project returns the items without it', async () => {
    const name = tableName('gsiproj');
    await h.ddb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'gpk', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byg',
            KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['a'] },
          },
        ],
      }),
    );
    await h.ddb.send(new PutItemCommand({ TableName: name, Item: { pk: S('1'), gpk: S('g'), a: S('A'), b: S('B') } }));
    const out = await h.ddb.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'byg',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g') },
        ProjectionExpression: 'a, b',
      }),
    );
    expect(out.Items).toEqual([{ a: S('A') }]);
  });
});

describe('attribute names in items', () => {
  const t = tableName('names');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });
  const absent = async (pk: string) =>
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S(pk) } }))).Item).toBeUndefined();

  test('an empty name is a ValidationException on PutItem, BatchWriteItem and AttributeUpdates, and nothing is written', async () => {
    const put = await failure(h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('e1'), '': S('v') } })));
    expect(put.name).toBe('ValidationException');
    expect(put.message).toBe('One or more parameter values were invalid: Empty attribute name');
    await absent('e1');

    const batch = await failure(
      h.ddb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [t]: [{ PutRequest: { Item: { pk: S('e2') } } }, { PutRequest: { Item: { pk: S('e3'), '': S('v') } } }],
          },
        }),
      ),
    );
    expect(batch.message).toBe('One or more parameter values were invalid: Empty attribute name');
    await absent('e2');
    await absent('e3');

    const legacy = await failure(
      h.ddb.send(
        new UpdateItemCommand({ TableName: t, Key: { pk: S('e4') }, AttributeUpdates: { '': { Action: 'PUT', Value: S('v') } } }),
      ),
    );
    expect(legacy.message).toBe('One or more parameter values were invalid: Empty attribute name');
    await absent('e4');
  });

  test("an empty name in ExpressionAttributeNames gets DynamoDB's message", async () => {
    const err = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('e5') },
          UpdateExpression: 'SET #e = :v',
          ExpressionAttributeNames: { '#e': '' },
          ExpressionAttributeValues: { ':v': S('v') },
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe('ExpressionAttributeNames contains invalid value: Empty attribute name for key #e');
    await absent('e5');
  });

  test('a name of 64 KB is accepted, one byte more is refused', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('n1'), ['x'.repeat(65535)]: S('v') } }));
    const err = await failure(
      h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('n2'), ['é'.repeat(32768)]: S('v') } })),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/Attribute name size exceeds the limit of 65535 bytes/);
    await absent('n2');
  });

  test('TransactWriteItems: an empty or over-64 KB name in a Put, or an empty ExpressionAttributeNames value, refuses the whole transaction with the PutItem message', async () => {
    const send = (TransactItems: ConstructorParameters<typeof TransactWriteItemsCommand>[0]['TransactItems']) =>
      failure(h.ddb.send(new TransactWriteItemsCommand({ TransactItems })));
    const fine = { Put: { TableName: t, Item: { pk: S('t1') } } };
    const cases = [
      [
        await send([fine, { Put: { TableName: t, Item: { pk: S('t2'), '': S('v') } } }]),
        'One or more parameter values were invalid: Empty attribute name',
      ],
      [
        await send([fine, { Put: { TableName: t, Item: { pk: S('t2'), ['é'.repeat(32768)]: S('v') } } }]),
        'One or more parameter values were invalid: Attribute name size exceeds the limit of 65535 bytes',
      ],
      [
        await send([
          fine,
          {
            Update: {
              TableName: t,
              Key: { pk: S('t2') },
              UpdateExpression: 'SET #e = :v',
              ExpressionAttributeNames: { '#e': '' },
              ExpressionAttributeValues: { ':v': S('v') },
            },
          },
        ]),
        'ExpressionAttributeNames contains invalid value: Empty attribute name for key #e',
      ],
    ] as const;
    for (const [err, message] of cases) {
      // a top-level ValidationException (like an empty key value), not a cancellation reason
      expect([err.name, err.message]).toEqual(['ValidationException', message]);
    }
    await absent('t1');
    await absent('t2');
    // a 64 KB name is accepted in a transaction too
    await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: t, Item: { pk: S('t3'), ['x'.repeat(65535)]: S('v') } } }],
      }),
    );
  });
});

describe('the 1 MB page', () => {
  // Each item is 100,011 bytes by DynamoDB's rule (names and values in UTF-8 bytes): 'pk' + 'p' +
  // 'sk' + 3 digits + 'd' + 50,000 two-byte characters. Ten fit in 1 MB (1,048,576 bytes), the
  // eleventh would cross it. Counted in characters (dynalite's rule) they are half as large.
  const t = tableName('page');
  const big = 'é'.repeat(50_000);
  beforeAll(async () => {
    await createTable(h.ddb, t, { sortKey: true });
    for (let i = 0; i < 12; i++) {
      await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('p'), sk: S(String(i).padStart(3, '0')), d: S(big) } }));
    }
  });
  const keys = (items: Record<string, AttributeValue>[] | undefined) => (items || []).map((i) => i.sk?.S);

  test('Query stops before the item that would take the page over 1 MB, and the next page starts with it', async () => {
    const q = (start?: Record<string, AttributeValue>) =>
      h.ddb.send(
        new QueryCommand({
          TableName: t,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('p') },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: start,
        }),
      );
    const first = await q();
    expect(keys(first.Items)).toEqual(['000', '001', '002', '003', '004', '005', '006', '007', '008', '009']);
    expect(first.ScannedCount).toBe(10);
    expect(first.LastEvaluatedKey).toEqual({ pk: S('p'), sk: S('009') });
    const second = await q(first.LastEvaluatedKey);
    expect(keys(second.Items)).toEqual(['010', '011']);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });

  test('Scan pages by the same rule, counting items before the filter', async () => {
    const first = await h.ddb.send(
      new ScanCommand({
        TableName: t,
        FilterExpression: 'sk <> :none',
        ExpressionAttributeValues: { ':none': S('none') },
        ProjectionExpression: 'sk',
      }),
    );
    expect(first.ScannedCount).toBe(10);
    expect(first.Count).toBe(10);
    expect(first.LastEvaluatedKey).toEqual({ pk: S('p'), sk: S('009') });
  });

  test('Limit still stops the page first, with a LastEvaluatedKey', async () => {
    const out = await h.ddb.send(
      new QueryCommand({
        TableName: t,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': S('p') },
        ProjectionExpression: 'sk',
        Limit: 3,
        ScanIndexForward: false,
      }),
    );
    expect(keys(out.Items)).toEqual(['011', '010', '009']);
    expect(out.LastEvaluatedKey).toEqual({ pk: S('p'), sk: S('009') });
  });
});
