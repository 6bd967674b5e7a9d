// DynamoDB's documented answers, checked through the AWS SDK over the wire.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type ConsumedCapacity,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTagsOfResourceCommand,
  QueryCommand,
  TagResourceCommand,
  UpdateTableCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { createTable, DDB, N, raw, S, startHarness, tableName, type Harness, failure } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ allowedOrigins: ['http://localhost:3000'] });
});
afterAll(async () => h.stop());

describe('ReturnValuesOnConditionCheckFailure', () => {
  const t = tableName('rvcf');
  const old = { pk: S('a'), n: N(1), tags: { SS: ['x'] } };
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });
  beforeEach(async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: old }));
  });

  test.each([
    [
      'PutItem',
      () =>
        new PutItemCommand({
          TableName: t,
          Item: { pk: S('a') },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
    ],
    [
      'UpdateItem',
      () =>
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('a') },
          UpdateExpression: 'SET n = :two',
          ConditionExpression: 'n = :two',
          ExpressionAttributeValues: { ':two': N(2) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
    ],
    [
      'DeleteItem',
      () =>
        new DeleteItemCommand({
          TableName: t,
          Key: { pk: S('a') },
          ConditionExpression: 'n > :five',
          ExpressionAttributeValues: { ':five': N(5) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
    ],
  ])('ALL_OLD on a failed %s condition returns the old item in the ConditionalCheckFailedException', async (_op, command) => {
    const err = await failure(h.ddb.send(command() as never));
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect((err as ConditionalCheckFailedException).Item).toEqual(old);
  });

  test('NONE (or no setting) returns no Item, nor does ALL_OLD when the item does not exist', async () => {
    const none = await failure(
      h.ddb.send(
        new PutItemCommand({
          TableName: t,
          Item: { pk: S('a') },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'NONE',
        }),
      ),
    );
    expect((none as ConditionalCheckFailedException).Item).toBeUndefined();
    const missing = await failure(
      h.ddb.send(
        new DeleteItemCommand({
          TableName: t,
          Key: { pk: S('zz') },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    expect(missing).toBeInstanceOf(ConditionalCheckFailedException);
    expect((missing as ConditionalCheckFailedException).Item).toBeUndefined();
  });

  test('an invalid value is a ValidationException naming the enum', async () => {
    const res = await raw(
      h.engine.endpoint,
      DDB('PutItem'),
      JSON.stringify({ TableName: t, Item: { pk: S('b') }, ReturnValuesOnConditionCheckFailure: 'ALL_NEW' }),
    );
    expect(res.status).toBe(400);
    expect(res.json().message).toBe(
      "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
    );
  });
});

describe('conditions and filters', () => {
  const t = tableName('cond');
  const item: Record<string, AttributeValue> = {
    pk: S('i'),
    l: { L: [S('x'), N(2), { M: { k: S('v') } }, { L: [N(1)] }] },
    m: { M: { a: N(1), b: { L: [S('y')] } } },
    ss: { SS: ['a', 'b'] },
    ns: { NS: ['1', '2.0'] },
    n: N('10'),
    s: S('é'),
  };
  beforeAll(async () => {
    await createTable(h.ddb, t);
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: item }));
  });

  async function matches(FilterExpression: string, values: Record<string, AttributeValue> = {}): Promise<boolean> {
    const out = await h.ddb.send(
      new ScanCommand({
        TableName: t,
        FilterExpression,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
    return out.Count === 1;
  }

  test('= and <> compare lists, maps and sets by value, nested ones included (sets in any order, numbers by value)', async () => {
    expect(await matches('l = :v', { ':v': item.l! })).toBe(true);
    expect(await matches('l <> :v', { ':v': { L: [S('x'), N(2)] } })).toBe(true);
    expect(await matches('m = :v', { ':v': { M: { b: { L: [S('y')] }, a: N('1.0') } } })).toBe(true);
    expect(await matches('ss = :v', { ':v': { SS: ['b', 'a'] } })).toBe(true);
    expect(await matches('ns = :v', { ':v': { NS: ['2', '1'] } })).toBe(true);
    expect(await matches('l[2] = :v', { ':v': { M: { k: S('v') } } })).toBe(true);
  });

  test('IN and contains find lists, maps and numbers by value', async () => {
    expect(await matches('m IN (:a, :b)', { ':a': S('no'), ':b': { M: { a: N(1), b: { L: [S('y')] } } } })).toBe(true);
    expect(await matches('contains(l, :v)', { ':v': { M: { k: S('v') } } })).toBe(true);
    expect(await matches('contains(l, :v)', { ':v': { L: [N('1.00')] } })).toBe(true);
    expect(await matches('contains(ns, :v)', { ':v': N('2') })).toBe(true);
    expect(await matches('contains(ss, :v)', { ':v': S('c') })).toBe(false);
  });

  test('two missing attributes are never equal or ordered, but they are <>', async () => {
    expect(await matches('nope1 = nope2')).toBe(false);
    expect(await matches('nope1 < nope2')).toBe(false);
    expect(await matches('nope1 <> nope2')).toBe(true);
    expect(await matches('nope1 <> :v', { ':v': N(1) })).toBe(true);
  });

  test('numbers compare by value, strings by UTF-8 bytes', async () => {
    expect(await matches('n > :v', { ':v': N('9.99') })).toBe(true);
    expect(await matches('n BETWEEN :a AND :b', { ':a': N('1e1'), ':b': N('10') })).toBe(true);
    expect(await matches('n < :v', { ':v': N('-1e2') })).toBe(false);
    expect(await matches('s > :v', { ':v': S('z') })).toBe(true); // é (C3 A9) sorts after z (7A)
  });
});

describe('browser origins', () => {
  const listTables = (headers: Record<string, string>) => raw(h.engine.endpoint, DDB('ListTables'), '{}', headers);

  test('a request with an Origin not on the allow-list is refused with a DynamoDB-shaped 403 and no CORS header', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3001']) {
      const res = await listTables({ Origin: origin });
      expect(res.status).toBe(403);
      expect(res.json().__type).toBe('com.amazon.coral.service#AccessDeniedException');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  test('an allowed origin is answered with that origin (never *), and requests without Origin get no CORS header', async () => {
    const ok = await listTables({ Origin: 'http://localhost:3000' });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const plain = await listTables({});
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('by default (no allowedOrigins) every browser origin is refused', async () => {
    const other = await startHarness();
    try {
      const res = await raw(other.engine.endpoint, DDB('ListTables'), '{}', { Origin: 'http://localhost:3000' });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  test('the engine listens on 127.0.0.1 by default', () => {
    expect(new URL(h.engine.endpoint).hostname).toBe('127.0.0.1');
  });
});

describe('validation and messages', () => {
  const t = tableName('valid');
  beforeAll(async () => {
    await createTable(h.ddb, t, { gsi: true });
  });

  test('Segment without TotalSegments is a ValidationException (Segment 0 included)', async () => {
    for (const Segment of [0, 1]) {
      const err = await failure(h.ddb.send(new ScanCommand({ TableName: t, Segment })));
      expect(err.message).toBe(
        'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
      );
    }
  });

  test('Select=ALL_PROJECTED_ATTRIBUTES without an index is a ValidationException, on Scan and Query', async () => {
    const scan = await failure(h.ddb.send(new ScanCommand({ TableName: t, Select: 'ALL_PROJECTED_ATTRIBUTES' })));
    expect(scan.message).toBe('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
    const query = await failure(
      h.ddb.send(
        new QueryCommand({
          TableName: t,
          Select: 'ALL_PROJECTED_ATTRIBUTES',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('x') },
        }),
      ),
    );
    expect(query.name).toBe('ValidationException');
    const onIndex = await h.ddb.send(new ScanCommand({ TableName: t, IndexName: 'gsi1', Select: 'ALL_PROJECTED_ATTRIBUTES' }));
    expect(onIndex.Count).toBe(0);
  });

  test('ordering a list, map, boolean or null constant is a ValidationException, not a failed comparison', async () => {
    const cases: [AttributeValue, string][] = [
      [{ L: [] }, 'LIST'],
      [{ M: {} }, 'MAP'],
      [{ BOOL: true }, 'BOOLEAN'],
      [{ NULL: true }, 'NULL'],
    ];
    for (const [v, word] of cases) {
      const err = await failure(
        h.ddb.send(new ScanCommand({ TableName: t, FilterExpression: 'a < :v', ExpressionAttributeValues: { ':v': v } })),
      );
      expect(err.message).toBe(
        `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: <, operand type: ${word}`,
      );
    }
  });

  test('IN takes at most 100 operands', async () => {
    const values = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`:v${i}`, N(i)]));
    const err = await failure(
      h.ddb.send(
        new ScanCommand({
          TableName: t,
          FilterExpression: `a IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    expect(err.message).toBe(
      'Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101',
    );
  });

  test('a ProjectionExpression with Select ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES or COUNT is a ValidationException, on Scan and Query', async () => {
    const cases: [string, string][] = [
      ['ALL_ATTRIBUTES', 'ALL_ATTRIBUTES'],
      // reported ahead of the missing IndexName
      ['ALL_PROJECTED_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES'],
      ['COUNT', 'only the Count'],
    ];
    const key = { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('x') } };
    for (const [select, words] of cases) {
      const Select = select as 'ALL_ATTRIBUTES';
      const scan = await failure(h.ddb.send(new ScanCommand({ TableName: t, Select, ProjectionExpression: 'pk' })));
      expect(scan.message).toBe(`Cannot specify the ProjectionExpression when choosing to get ${words}`);
      const query = await failure(h.ddb.send(new QueryCommand({ TableName: t, Select, ProjectionExpression: 'pk', ...key })));
      expect(query.message).toBe(`Cannot specify the ProjectionExpression when choosing to get ${words}`);
    }
    // SPECIFIC_ATTRIBUTES is the one that takes it
    const ok = await h.ddb.send(new ScanCommand({ TableName: t, Select: 'SPECIFIC_ATTRIBUTES', ProjectionExpression: 'pk' }));
    expect(ok.$metadata.httpStatusCode).toBe(200);
  });

  test('a string or binary set holding the empty member twice is refused as a duplicate, and nothing is written', async () => {
    for (const bad of [{ SS: ['', ''] }, { BS: [new Uint8Array(0), new Uint8Array(0)] }, { SS: ['', 'a', ''] }]) {
      const err = await failure(h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('dupset'), s: bad } })));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toMatch(/^One or more parameter values were invalid: Input collection .*contains duplicates\.$/);
    }
    const nested = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('dupset') },
          UpdateExpression: 'SET s = :s',
          ExpressionAttributeValues: { ':s': { M: { inner: { SS: ['', ''] } } } },
        }),
      ),
    );
    expect(nested.message).toContain('contains duplicates');
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('dupset') } }))).Item).toBeUndefined();
    // one empty member is a valid set
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('dupset'), s: { SS: ['', 'a'] } } }));
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('dupset') } }))).Item?.s).toEqual({ SS: ['', 'a'] });
  });

  test('a number with a leading + is accepted and stored without it', async () => {
    await h.ddb.send(
      new PutItemCommand({
        TableName: t,
        Item: { pk: S('plus'), n: N('+5'), ns: { NS: ['+1', '2'] }, e: N('+1e2'), h: N('+.5'), z: N('+0.0'), m: N('+1e-2') },
      }),
    );
    const got = await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('plus') } }));
    expect(got.Item).toEqual({
      pk: S('plus'),
      n: N('5'),
      ns: { NS: ['1', '2'] },
      e: N('100'),
      h: N('0.5'),
      z: N('0'),
      m: N('0.01'),
    });
  });
});

describe('updates', () => {
  const t = tableName('upd');
  beforeAll(async () => {
    await createTable(h.ddb, t, { stream: 'NEW_AND_OLD_IMAGES' });
  });

  test('REMOVE (or an AttributeUpdates DELETE) on a missing item creates nothing', async () => {
    await h.ddb.send(new UpdateItemCommand({ TableName: t, Key: { pk: S('ghost') }, UpdateExpression: 'REMOVE a, b' }));
    await h.ddb.send(
      new UpdateItemCommand({ TableName: t, Key: { pk: S('ghost2') }, AttributeUpdates: { a: { Action: 'DELETE' } } }),
    );
    expect((await h.ddb.send(new ScanCommand({ TableName: t }))).Items).toEqual([]);
    // on an existing item REMOVE still applies, and SET still creates
    await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('real') },
        UpdateExpression: 'SET a = :v, b = :v',
        ExpressionAttributeValues: { ':v': N(1) },
      }),
    );
    await h.ddb.send(new UpdateItemCommand({ TableName: t, Key: { pk: S('real') }, UpdateExpression: 'REMOVE a' }));
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('real') } }))).Item).toEqual({
      pk: S('real'),
      b: N(1),
    });
  });
});

describe('index write capacity', () => {
  const t = tableName('wcu');
  beforeAll(async () => {
    await h.ddb.send(
      new CreateTableCommand({
        TableName: t,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
          { AttributeName: 'l', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['p'] },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byL',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'l', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  });
  let n = 0;
  const fresh = () => ({ pk: S(`i${n++}`), sk: S('1') });
  const arms = (cc: ConsumedCapacity | undefined) => [
    cc?.CapacityUnits,
    cc?.Table?.CapacityUnits,
    cc?.GlobalSecondaryIndexes?.byG?.CapacityUnits,
    cc?.LocalSecondaryIndexes?.byL?.CapacityUnits,
  ];
  const put = (Item: Record<string, AttributeValue>) =>
    h.ddb.send(new PutItemCommand({ TableName: t, Item, ReturnConsumedCapacity: 'INDEXES' }));

  test('a put charges each index it enters, an identical overwrite none, and TOTAL folds them in', async () => {
    expect(arms((await put({ ...fresh(), g: S('g'), p: S('p') })).ConsumedCapacity)).toEqual([2, 1, 1, undefined]);
    expect(arms((await put({ ...fresh(), l: S('l') })).ConsumedCapacity)).toEqual([2, 1, undefined, 1]);
    const sparse = await put({ ...fresh(), other: S('o') });
    expect(sparse.ConsumedCapacity?.GlobalSecondaryIndexes).toBeUndefined();
    expect(sparse.ConsumedCapacity?.LocalSecondaryIndexes).toBeUndefined();
    expect(sparse.ConsumedCapacity?.CapacityUnits).toBe(1);
    const item = { ...fresh(), g: S('g'), l: S('l'), p: S('p') };
    expect(arms((await put(item)).ConsumedCapacity)).toEqual([3, 1, 1, 1]);
    expect(arms((await put(item)).ConsumedCapacity)).toEqual([1, 1, undefined, undefined]);
    const total = await h.ddb.send(
      new PutItemCommand({ TableName: t, Item: { ...fresh(), g: S('g'), p: S('p') }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(total.ConsumedCapacity).toEqual({ TableName: t, CapacityUnits: 2 });
  });

  test('an update charges an index only for what it stores: projected change 1, key change 2, key removed 1', async () => {
    const seeded = async () => {
      const key = fresh();
      await put({ ...key, g: S('g'), l: S('l'), p: S('p'), x: S('o') });
      return key;
    };
    const update = async (UpdateExpression: string, values?: Record<string, AttributeValue>) =>
      (
        await h.ddb.send(
          new UpdateItemCommand({
            TableName: t,
            Key: await seeded(),
            UpdateExpression,
            ExpressionAttributeValues: values,
            ReturnConsumedCapacity: 'INDEXES',
          }),
        )
      ).ConsumedCapacity;
    expect(arms(await update('SET x = :v', { ':v': S('o2') }))).toEqual([2, 1, undefined, 1]);
    expect(arms(await update('SET p = :v', { ':v': S('p2') }))).toEqual([3, 1, 1, 1]);
    expect(arms(await update('SET g = :v', { ':v': S('g2') }))).toEqual([4, 1, 2, 1]);
    expect(arms(await update('REMOVE g'))).toEqual([3, 1, 1, 1]);
    expect(arms(await update('SET l = :v', { ':v': S('l2') }))).toEqual([3, 1, undefined, 2]);
  });

  test('concurrent writes to one item, queued on its lock, are each charged their own index units', async () => {
    const key = fresh();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => put({ ...key, g: S(`g${i}`), p: S('p') })));
    // the first creates the item (enters byG: 2); each later one moves its byG key (1 + 2)
    expect(answers.map((a) => a.ConsumedCapacity?.CapacityUnits).sort()).toEqual([2, ...Array(19).fill(3)]);
  });

  test('a delete charges each index the item was in; a batch sums its writes per table', async () => {
    const key = fresh();
    await put({ ...key, g: S('g'), l: S('l'), p: S('p') });
    const deleted = await h.ddb.send(new DeleteItemCommand({ TableName: t, Key: key, ReturnConsumedCapacity: 'INDEXES' }));
    expect(arms(deleted.ConsumedCapacity)).toEqual([3, 1, 1, 1]);
    const batch = await h.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [t]: [
            { PutRequest: { Item: { ...fresh(), g: S('g'), p: S('p') } } },
            { PutRequest: { Item: { ...fresh(), other: S('o') } } },
          ],
        },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    expect(batch.ConsumedCapacity?.map(arms)).toEqual([[3, 2, 1, undefined]]);
  });
});

describe('legacy conditions and batch projections', () => {
  const t = tableName('legacy');
  const other = tableName('legacy2');
  beforeAll(async () => {
    await createTable(h.ddb, t, { sortKey: true });
    await createTable(h.ddb, other);
    for (const [sk, flag] of [
      ['a', true],
      ['b', false],
    ] as const) {
      await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('p'), sk: S(sk), flag: { BOOL: flag } } }));
    }
  });

  test('QueryFilter and ScanFilter compare a BOOL with EQ and NE', async () => {
    const byKey = { pk: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('p')] } };
    const eq = await h.ddb.send(
      new QueryCommand({
        TableName: t,
        KeyConditions: byKey,
        QueryFilter: { flag: { ComparisonOperator: 'EQ', AttributeValueList: [{ BOOL: true }] } },
      }),
    );
    expect(eq.Items?.map((i) => i.sk?.S)).toEqual(['a']);
    const ne = await h.ddb.send(
      new ScanCommand({ TableName: t, ScanFilter: { flag: { ComparisonOperator: 'NE', AttributeValueList: [{ BOOL: true }] } } }),
    );
    expect(ne.Items?.map((i) => i.sk?.S)).toEqual(['b']);
    // ordering a BOOL stays refused, and a key condition never takes one
    const lt = await failure(
      h.ddb.send(
        new ScanCommand({
          TableName: t,
          ScanFilter: { flag: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } },
        }),
      ),
    );
    expect(lt.message).toBe(
      'One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type',
    );
    const key = await failure(
      h.ddb.send(
        new QueryCommand({
          TableName: t,
          KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ BOOL: true }] } },
        }),
      ),
    );
    expect(key.name).toBe('ValidationException');
  });

  test('BatchGetItem mixing ProjectionExpression on one table with AttributesToGet on another is a ValidationException', async () => {
    const err = await failure(
      h.ddb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [t]: { Keys: [{ pk: S('p'), sk: S('a') }], ProjectionExpression: 'pk' },
            [other]: { Keys: [{ pk: S('x') }], AttributesToGet: ['pk'] },
          },
        }),
      ),
    );
    expect([err.name, err.message]).toEqual([
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
    ]);
    // each form alone, over both tables, is fine
    const ok = await h.ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [t]: { Keys: [{ pk: S('p'), sk: S('a') }], AttributesToGet: ['sk'] },
          [other]: { Keys: [{ pk: S('x') }], AttributesToGet: ['pk'] },
        },
      }),
    );
    expect(ok.Responses?.[t]).toEqual([{ sk: S('a') }]);
  });
});

describe('nesting depth of values in expressions', () => {
  const t = tableName('nest');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });
  const wrapped = (n: number): AttributeValue => {
    let v: AttributeValue = S('leaf');
    for (let i = 0; i < n; i++) v = { M: { n: v } };
    return v;
  };

  test('an ExpressionAttributeValue nested past 32 levels is a ValidationException, not a failed condition; 32 levels are compared', async () => {
    const put = (v: AttributeValue) =>
      h.ddb.send(
        new PutItemCommand({
          TableName: t,
          Item: { pk: S('deep') },
          ConditionExpression: 'attribute_not_exists(d) OR d = :v',
          ExpressionAttributeValues: { ':v': v },
        }),
      );
    const err = await failure(put(wrapped(32)));
    expect([err.name, err.message]).toEqual([
      'ValidationException',
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    ]);
    await put(wrapped(31));
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('deep') } }))).Item).toEqual({ pk: S('deep') });
  });
});

describe('UPDATED_OLD / UPDATED_NEW naming nothing', () => {
  const t = tableName('updnone');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });

  test('leave Attributes out of the answer: REMOVE with UPDATED_NEW, a new attribute with UPDATED_OLD', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('k'), x: S('keep'), y: S('drop') } }));
    const removed = await h.ddb.send(
      new UpdateItemCommand({ TableName: t, Key: { pk: S('k') }, UpdateExpression: 'REMOVE y', ReturnValues: 'UPDATED_NEW' }),
    );
    expect(removed.Attributes).toBeUndefined();
    const added = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('k') },
        UpdateExpression: 'SET z = :z',
        ExpressionAttributeValues: { ':z': S('new') },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    expect(added.Attributes).toBeUndefined();
    // the update was applied, and attributes that were updated still come back
    const again = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('k') },
        UpdateExpression: 'SET z = :z REMOVE x',
        ExpressionAttributeValues: { ':z': S('newer') },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    expect(again.Attributes).toEqual({ x: S('keep'), z: S('new') });
  });
});

describe('update paths name the item as it was', () => {
  const t = tableName('paths');
  const list = (...xs: AttributeValue[]) => ({ L: xs });
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });

  test('REMOVE a[1] SET a[3] indexes the original list; REMOVE a[1], a[2] removes the original elements 1 and 2', async () => {
    const put = () =>
      h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('l'), a: list(N(0), N(1), N(2), N(3), N(4)) } }));
    await put();
    const one = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('l') },
        UpdateExpression: 'REMOVE a[1] SET a[3] = :x',
        ExpressionAttributeValues: { ':x': S('x') },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(one.Attributes?.a).toEqual(list(N(0), N(2), S('x'), N(4)));
    await put();
    const two = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('l') },
        UpdateExpression: 'REMOVE a[1], a[2]',
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(two.Attributes?.a).toEqual(list(N(0), N(3), N(4)));
  });
});

describe('indexes', () => {
  test('ReturnItemCollectionMetrics=SIZE returns ItemCollectionMetrics on a table with an LSI (and none without)', async () => {
    const t = tableName('lsi');
    await h.ddb.send(
      new CreateTableCommand({
        TableName: t,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'ls', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byLs',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'ls', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    const put = await h.ddb.send(
      new PutItemCommand({ TableName: t, Item: { pk: S('a'), sk: S('1'), ls: S('x') }, ReturnItemCollectionMetrics: 'SIZE' }),
    );
    expect(put.ItemCollectionMetrics).toEqual({ ItemCollectionKey: { pk: S('a') }, SizeEstimateRangeGB: [0, 1] });
    const del = await h.ddb.send(
      new DeleteItemCommand({ TableName: t, Key: { pk: S('a'), sk: S('1') }, ReturnItemCollectionMetrics: 'SIZE' }),
    );
    expect(del.ItemCollectionMetrics?.ItemCollectionKey).toEqual({ pk: S('a') });
    const plain = tableName('nolsi');
    await createTable(h.ddb, plain);
    const none = await h.ddb.send(
      new PutItemCommand({ TableName: plain, Item: { pk: S('a') }, ReturnItemCollectionMetrics: 'SIZE' }),
    );
    expect(none.ItemCollectionMetrics).toBeUndefined();
  });

  test('an empty string as a GSI key is refused on PutItem and BatchWriteItem', async () => {
    const t = tableName('idx');
    await createTable(h.ddb, t, { gsi: true });
    const err = await failure(h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a'), gpk: S('') } })));
    expect(err.message).toBe(
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: gpk',
    );
    const res = await raw(
      h.engine.endpoint,
      DDB('BatchWriteItem'),
      JSON.stringify({ RequestItems: { [t]: [{ PutRequest: { Item: { pk: S('b'), gpk: S('') } } }] } }),
    );
    expect(res.status).toBe(400);
    expect((await h.ddb.send(new ScanCommand({ TableName: t }))).Count).toBe(0);
  });

  test('an empty binary as a GSI key is refused on PutItem, BatchWriteItem and UpdateItem, with the put and update wordings', async () => {
    const t = tableName('idxb');
    await h.ddb.send(
      new CreateTableCommand({
        TableName: t,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'bidx', AttributeType: 'B' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'gsib', KeySchema: [{ AttributeName: 'bidx', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
      }),
    );
    const empty = { B: new Uint8Array(0) };
    const putForm =
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: gsib, IndexKey: bidx';
    expect((await failure(h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a'), bidx: empty } })))).message).toBe(
      putForm,
    );
    const batch = await failure(
      h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [t]: [{ PutRequest: { Item: { pk: S('b'), bidx: empty } } }] } })),
    );
    expect(batch.message).toBe(putForm);
    const update = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('c') },
          UpdateExpression: 'SET bidx = :v',
          ExpressionAttributeValues: { ':v': empty },
        }),
      ),
    );
    expect(update.message).toBe(
      'One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty binary value.',
    );
    expect((await h.ddb.send(new ScanCommand({ TableName: t }))).Count).toBe(0);
  });
});

describe('tables and tags', () => {
  test('TableId is a UUID, the same in every description of the table', async () => {
    const u = tableName('uuid');
    const created = await createTableOut(u);
    const described = await h.ddb.send(new DescribeTableCommand({ TableName: u }));
    expect(created).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(described.Table?.TableId).toBe(created);
  });

  const t = tableName('tags');
  const arn = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
  beforeAll(async () => {
    await h.ddb.send(
      new CreateTableCommand({
        TableName: t,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        Tags: [{ Key: 'team', Value: 'messaging' }],
      }),
    );
  });

  test('CreateTable with a disabled stream that names a StreamViewType is a ValidationException, and no table is made', async () => {
    const name = tableName('streamoff');
    const err = await failure(
      h.ddb.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamEnabled: false, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      ),
    );
    expect([err.name, err.message]).toEqual([
      'ValidationException',
      'One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified',
    ]);
    expect((await failure(h.ddb.send(new DescribeTableCommand({ TableName: name })))).name).toBe('ResourceNotFoundException');
  });

  test('a settings-only UpdateTable of a table being deleted is ResourceInUseException, and the table stays deletable', async () => {
    const slow = await startHarness({ deleteTableMs: 300 });
    try {
      const name = tableName('deleting');
      await createTable(slow.ddb, name);
      await slow.ddb.send(new DeleteTableCommand({ TableName: name }));
      const refused = await failure(slow.ddb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: true })));
      expect(refused.name).toBe('ResourceInUseException');
      expect(refused.message).toBe(`Attempt to change a resource which is still in use: Table is being deleted: ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const gone = await failure(slow.ddb.send(new DeleteTableCommand({ TableName: name })));
      expect(gone.name).toBe('ResourceNotFoundException');
    } finally {
      await slow.stop();
    }
  });

  test('deletion protection, table class, on-demand throughput and SSE round-trip; a protected table cannot be deleted', async () => {
    const name = tableName('protect');
    const base = {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST' as const,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
    };
    const created = await h.ddb.send(
      new CreateTableCommand({
        ...base,
        DeletionProtectionEnabled: true,
        TableClass: 'STANDARD_INFREQUENT_ACCESS',
        OnDemandThroughput: { MaxReadRequestUnits: 10, MaxWriteRequestUnits: 5 },
        SSESpecification: { Enabled: true },
      }),
    );
    expect(created.TableDescription?.DeletionProtectionEnabled).toBe(true);
    const described = (await h.ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
    expect(described?.DeletionProtectionEnabled).toBe(true);
    expect(described?.TableClassSummary?.TableClass).toBe('STANDARD_INFREQUENT_ACCESS');
    expect(described?.OnDemandThroughput).toEqual({ MaxReadRequestUnits: 10, MaxWriteRequestUnits: 5 });
    expect(described?.SSEDescription).toMatchObject({ Status: 'ENABLED', SSEType: 'KMS' });
    expect(described?.SSEDescription?.KMSMasterKeyArn).toMatch(/^arn:aws:kms:/);

    const refused = await failure(h.ddb.send(new DeleteTableCommand({ TableName: name })));
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toContain('protected against deletion');
    expect((await h.ddb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus).toBe('ACTIVE');

    const updated = await h.ddb.send(
      new UpdateTableCommand({
        TableName: name,
        DeletionProtectionEnabled: false,
        TableClass: 'STANDARD',
        OnDemandThroughput: { MaxReadRequestUnits: 20, MaxWriteRequestUnits: 15 },
      }),
    );
    expect(updated.TableDescription?.DeletionProtectionEnabled).toBe(false);
    const after = (await h.ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
    expect(after?.TableClassSummary?.TableClass).toBe('STANDARD');
    expect(after?.OnDemandThroughput).toEqual({ MaxReadRequestUnits: 20, MaxWriteRequestUnits: 15 });
    await h.ddb.send(new DeleteTableCommand({ TableName: name }));

    // a table made again under the name starts with the defaults
    await h.ddb.send(new CreateTableCommand(base));
    const fresh = (await h.ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
    expect(fresh?.DeletionProtectionEnabled).toBe(false);
    expect([fresh?.TableClassSummary, fresh?.SSEDescription, fresh?.OnDemandThroughput]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const badClass = await failure(h.ddb.send(new UpdateTableCommand({ TableName: name, TableClass: 'COLD' as never })));
    expect(badClass.name).toBe('ValidationException');
    await h.ddb.send(new DeleteTableCommand({ TableName: name }));
  });

  test('tags given at CreateTable are listed', async () => {
    const out = await h.ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn(t) }));
    expect(out.Tags).toEqual([{ Key: 'team', Value: 'messaging' }]);
  });

  test('CreateTable of an existing table is ResourceInUseException with a message', async () => {
    const err = await failure(
      h.ddb.send(
        new CreateTableCommand({
          TableName: t,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      ),
    );
    expect([err.name, err.message]).toEqual(['ResourceInUseException', `Table already exists: ${t}`]);
  });

  test('a malformed ARN is a ValidationException; a well-formed ARN of a missing table is AccessDeniedException', async () => {
    const bad = await failure(h.ddb.send(new TagResourceCommand({ ResourceArn: 'arn:bad', Tags: [{ Key: 'a', Value: 'b' }] })));
    expect([bad.name, bad.message]).toEqual([
      'ValidationException',
      'Invalid TableArn: Invalid ResourceArn provided as input arn:bad',
    ]);
    for (const send of [
      () => h.ddb.send(new TagResourceCommand({ ResourceArn: arn('no-such-table'), Tags: [{ Key: 'a', Value: 'b' }] })),
      () => h.ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn('no-such-table') })),
    ]) {
      expect((await failure(send())).name).toBe('AccessDeniedException');
    }
  });

  test('tag keys over 128 and values over 256 characters are a ValidationException; concurrent TagResource calls all land', async () => {
    const long = await failure(
      h.ddb.send(new TagResourceCommand({ ResourceArn: arn(t), Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] })),
    );
    expect(long.message).toMatch(
      /^1 validation error detected: Value 'k{129}' at 'tags\.1\.member\.key' failed to satisfy constraint: Member must have length less than or equal to 128$/,
    );
    const value = await failure(
      h.ddb.send(new TagResourceCommand({ ResourceArn: arn(t), Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })),
    );
    expect(value.name).toBe('ValidationException');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.ddb.send(new TagResourceCommand({ ResourceArn: arn(t), Tags: [{ Key: `c${i}`, Value: String(i) }] })),
      ),
    );
    const tags = (await h.ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn(t) }))).Tags ?? [];
    expect(tags.filter((x) => x.Key?.startsWith('c')).length).toBe(20);
  });

  test("UpdateTable's TableDescription carries the stream fields", async () => {
    const s = tableName('upd-stream');
    await createTable(h.ddb, s, { stream: 'KEYS_ONLY' });
    const d = await h.ddb.send(new DescribeTableCommand({ TableName: s }));
    const u = await h.ddb.send(new UpdateTableCommand({ TableName: s, BillingMode: 'PAY_PER_REQUEST' }));
    expect(u.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    expect(u.TableDescription?.LatestStreamArn).toBe(d.Table?.LatestStreamArn);
    expect(u.TableDescription?.LatestStreamLabel).toBe(d.Table?.LatestStreamLabel);
  });
});

async function createTableOut(name: string): Promise<string | undefined> {
  const out = await h.ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  return out.TableDescription?.TableId;
}

describe('function names and operand counts', () => {
  const t = tableName('fn');
  beforeAll(async () => {
    await createTable(h.ddb, t);
  });

  test.each([
    [
      'an unknown function in a condition',
      { ConditionExpression: 'no_such_fn(a)' },
      'Invalid function name; function: no_such_fn',
    ],
    [
      'a condition function with too many operands',
      { ConditionExpression: 'attribute_exists(a, b)' },
      'Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2',
    ],
    [
      'an unknown function in an update',
      { UpdateExpression: 'SET a = no_such_fn(b)' },
      'Invalid function name; function: no_such_fn',
    ],
    [
      'an update function with too few operands',
      { UpdateExpression: 'SET a = list_append(b)' },
      'Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1',
    ],
  ])('%s is a ValidationException naming it', async (_label, expression, message) => {
    const error = await failure(
      h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('fn') },
          UpdateExpression: 'SET x = :one',
          ExpressionAttributeValues: { ':one': N(1) },
          ...expression,
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(message);
  });
});
