import {
  CreateTableCommand,
  GetItemCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  ResourceNotFoundException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createTable, failure, N, S, startHarness, tableName, type Harness } from './helpers';

let h: Harness;
let A: string;
let B: string;

beforeAll(async () => {
  h = await startHarness();
  A = tableName('txa');
  B = tableName('txb');
  await createTable(h.ddb, A, { gsi: true });
  await createTable(h.ddb, B, { sortKey: true });
});
afterAll(async () => h.stop());

async function get(table: string, key: Record<string, { S: string }>) {
  return (await h.ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

async function cancelled(items: TransactWriteItem[]): Promise<TransactionCanceledException> {
  try {
    await h.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
  } catch (err) {
    expect(err).toBeInstanceOf(TransactionCanceledException);
    return err as TransactionCanceledException;
  }
  throw new Error('transaction was not cancelled');
}

describe('TransactWriteItems', () => {
  test('applies Put, Update, Delete and ConditionCheck across two tables, including GSI entries', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('upd'), n: N(1) } }));
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('del'), gpk: S('g-del') } }));
    await h.ddb.send(new PutItemCommand({ TableName: B, Item: { pk: S('chk'), sk: S('1'), ok: { BOOL: true } } }));

    await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: A, Item: { pk: S('new'), gpk: S('g-new') }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: {
              TableName: A,
              Key: { pk: S('upd') },
              UpdateExpression: 'SET n = n + :one, #t = :t',
              ExpressionAttributeNames: { '#t': 'tag' },
              ExpressionAttributeValues: { ':one': N(1), ':t': S('x') },
            },
          },
          { Delete: { TableName: A, Key: { pk: S('del') } } },
          {
            ConditionCheck: {
              TableName: B,
              Key: { pk: S('chk'), sk: S('1') },
              ConditionExpression: 'ok = :t',
              ExpressionAttributeValues: { ':t': { BOOL: true } },
            },
          },
          { Put: { TableName: B, Item: { pk: S('chk'), sk: S('2') } } },
        ],
      }),
    );

    expect(await get(A, { pk: S('new') })).toEqual({ pk: S('new'), gpk: S('g-new') });
    expect(await get(A, { pk: S('upd') })).toEqual({ pk: S('upd'), n: N(2), tag: S('x') });
    expect(await get(A, { pk: S('del') })).toBeUndefined();
    expect(await get(B, { pk: S('chk'), sk: S('2') })).toEqual({ pk: S('chk'), sk: S('2') });
    const viaIndex = await h.ddb.send(
      new QueryCommand({
        TableName: A,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g-new') },
      }),
    );
    expect(viaIndex.Items).toEqual([{ pk: S('new'), gpk: S('g-new') }]);
    const deletedIndex = await h.ddb.send(
      new QueryCommand({
        TableName: A,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g-del') },
      }),
    );
    expect(deletedIndex.Items).toEqual([]);
  });

  test('a failed condition cancels everything and reports reasons in action order (None / ConditionalCheckFailed)', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('c1'), v: N(1) } }));
    const err = await cancelled([
      { Put: { TableName: A, Item: { pk: S('c-new') } } },
      {
        Update: {
          TableName: A,
          Key: { pk: S('c1') },
          UpdateExpression: 'SET v = :two',
          ConditionExpression: 'v = :nine',
          ExpressionAttributeValues: { ':two': N(2), ':nine': N(9) },
        },
      },
      { Delete: { TableName: A, Key: { pk: S('c-missing') }, ConditionExpression: 'attribute_exists(pk)' } },
      { ConditionCheck: { TableName: A, Key: { pk: S('c-other') }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    expect(err.CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(err.message).toContain('[None, ConditionalCheckFailed, ConditionalCheckFailed, None]');
    expect(err.CancellationReasons?.[1]?.Item).toBeUndefined(); // no ReturnValuesOnConditionCheckFailure
    expect(await get(A, { pk: S('c-new') })).toBeUndefined();
    expect(await get(A, { pk: S('c1') })).toEqual({ pk: S('c1'), v: N(1) });
  });

  test('ReturnValuesOnConditionCheckFailure=ALL_OLD returns the item in the cancellation reason', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('old1'), v: N(5) } }));
    const err = await cancelled([
      {
        ConditionCheck: {
          TableName: A,
          Key: { pk: S('old1') },
          ConditionExpression: 'v > :ten',
          ExpressionAttributeValues: { ':ten': N(10) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Put: { TableName: A, Item: { pk: S('old2') } } },
    ]);
    expect(err.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: S('old1'), v: N(5) } },
      { Code: 'None' },
    ]);
  });

  test('a type error inside an update cancels the transaction with a ValidationError reason', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('ve'), s: S('text') } }));
    const err = await cancelled([
      { Put: { TableName: A, Item: { pk: S('ve-other') } } },
      {
        Update: {
          TableName: A,
          Key: { pk: S('ve') },
          UpdateExpression: 'SET s = s + :one',
          ExpressionAttributeValues: { ':one': N(1) },
        },
      },
    ]);
    expect(err.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ValidationError']);
    expect(await get(A, { pk: S('ve-other') })).toBeUndefined();
  });

  test('conditions are evaluated against the state before the transaction', async () => {
    // The Put creates 'pre-b'; the ConditionCheck on 'pre-a' sees the old value of 'pre-a' only.
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('pre-a'), v: N(1) } }));
    await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: A,
              Key: { pk: S('pre-a') },
              UpdateExpression: 'SET v = :two',
              ConditionExpression: 'v = :one',
              ExpressionAttributeValues: { ':one': N(1), ':two': N(2) },
            },
          },
          { Put: { TableName: A, Item: { pk: S('pre-b') }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    expect(await get(A, { pk: S('pre-a') })).toEqual({ pk: S('pre-a'), v: N(2) });
  });

  test('two actions on the same item are rejected with ValidationException and nothing is written', async () => {
    const send = h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: A, Item: { pk: S('dup'), v: N(1) } } },
          { ConditionCheck: { TableName: A, Key: { pk: S('dup') }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('multiple operations on one item'),
    });
    expect(await get(A, { pk: S('dup') })).toBeUndefined();
  });

  test('accepts 100 actions and rejects 101 with ValidationException', async () => {
    const items = (n: number): TransactWriteItem[] =>
      Array.from({ length: n }, (_, i) => ({
        Put: { TableName: B, Item: { pk: S('many'), sk: S(String(i).padStart(3, '0')) } },
      }));
    await expect(h.ddb.send(new TransactWriteItemsCommand({ TransactItems: items(101) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await h.ddb.send(new TransactWriteItemsCommand({ TransactItems: items(100) }));
    const q = await h.ddb.send(
      new QueryCommand({
        TableName: B,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': S('many') },
        Select: 'COUNT',
      }),
    );
    expect(q.Count).toBe(100);
  });

  test('an unknown table gives ResourceNotFoundException; a member with two operations gives ValidationException', async () => {
    await expect(
      h.ddb.send(
        new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'no-such-table', Item: { pk: S('x') } } }] }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: A, Item: { pk: S('x') } }, Delete: { TableName: A, Key: { pk: S('y') } } }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('ClientRequestToken: same token and request succeeds without re-applying; a different request gets IdempotentParameterMismatchException', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('idem'), n: N(0) } }));
    const request = {
      ClientRequestToken: 'token-1',
      TransactItems: [
        {
          Update: {
            TableName: A,
            Key: { pk: S('idem') },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': N(1) },
          },
        },
      ],
    };
    await h.ddb.send(new TransactWriteItemsCommand(request));
    await h.ddb.send(new TransactWriteItemsCommand(request));
    expect(await get(A, { pk: S('idem') })).toEqual({ pk: S('idem'), n: N(1) });

    const different = { ...request, TransactItems: [{ Put: { TableName: A, Item: { pk: S('idem-2') } } }] };
    await expect(h.ddb.send(new TransactWriteItemsCommand(different))).rejects.toBeInstanceOf(
      IdempotentParameterMismatchException,
    );
    expect(await get(A, { pk: S('idem-2') })).toBeUndefined();

    await h.ddb.send(new TransactWriteItemsCommand({ ...request, ClientRequestToken: 'token-2' }));
    expect(await get(A, { pk: S('idem') })).toEqual({ pk: S('idem'), n: N(2) });
  });

  // as DynamoDB reports it (measured by nubo-db/dynamodb-conformance, tests/tier2/transactions/transactWrite)
  test('ConsumedCapacity: 2 write units per KB of each action (a ConditionCheck too); a same-token replay reports the read instead; a cancellation reports none', async () => {
    const big = { pk: S('cap-big'), big: S('x'.repeat(1536)) };
    const request = {
      ClientRequestToken: 'cap-token',
      ReturnConsumedCapacity: 'INDEXES' as const,
      TransactItems: [{ Put: { TableName: A, Item: big } }],
    };
    const first = await h.ddb.send(new TransactWriteItemsCommand(request));
    expect(first.ConsumedCapacity).toEqual([{ TableName: A, CapacityUnits: 4, WriteCapacityUnits: 4 }]);
    const replay = await h.ddb.send(new TransactWriteItemsCommand(request));
    expect(replay.ConsumedCapacity).toEqual([{ TableName: A, CapacityUnits: 2, ReadCapacityUnits: 2 }]);
    const withCheck = await h.ddb.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Put: { TableName: A, Item: { pk: S('cap-small') }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            ConditionCheck: {
              TableName: B,
              Key: { pk: S('cap-none'), sk: S('s') },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    expect(withCheck.ConsumedCapacity).toEqual([
      { TableName: A, CapacityUnits: 2, WriteCapacityUnits: 2 },
      { TableName: B, CapacityUnits: 2, WriteCapacityUnits: 2 },
    ]);
    try {
      await h.ddb.send(
        new TransactWriteItemsCommand({
          ReturnConsumedCapacity: 'TOTAL',
          TransactItems: [{ Put: { TableName: A, Item: { pk: S('cap-fresh') }, ConditionExpression: 'attribute_exists(pk)' } }],
        }),
      );
      throw new Error('not cancelled');
    } catch (err) {
      expect(err).toBeInstanceOf(TransactionCanceledException);
      expect('ConsumedCapacity' in (err as object)).toBe(false);
    }
  });

  test('a cancelled transaction does not consume its ClientRequestToken', async () => {
    const request = {
      ClientRequestToken: 'token-cancel',
      TransactItems: [{ Put: { TableName: A, Item: { pk: S('tok-c') }, ConditionExpression: 'attribute_exists(pk)' } }],
    };
    await expect(h.ddb.send(new TransactWriteItemsCommand(request))).rejects.toBeInstanceOf(TransactionCanceledException);
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('tok-c'), v: N(1) } }));
    await h.ddb.send(new TransactWriteItemsCommand(request));
    expect(await get(A, { pk: S('tok-c') })).toEqual({ pk: S('tok-c') });
  });
});

describe('TransactGetItems', () => {
  test('returns the requested items in order, with projections, and an empty entry for a missing item', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('g1'), a: N(1), b: N(2) } }));
    await h.ddb.send(new PutItemCommand({ TableName: B, Item: { pk: S('g2'), sk: S('s'), c: S('z') } }));
    const out = await h.ddb.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: A, Key: { pk: S('g1') }, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': 'a' } } },
          { Get: { TableName: A, Key: { pk: S('g-missing') } } },
          { Get: { TableName: B, Key: { pk: S('g2'), sk: S('s') } } },
        ],
      }),
    );
    expect(out.Responses).toEqual([{ Item: { a: N(1) } }, {}, { Item: { pk: S('g2'), sk: S('s'), c: S('z') } }]);
  });

  // as DynamoDB answers (observed by nubo-db/dynamodb-conformance, tests/tier2/transactions/transactGet)
  test('a projection naming nothing the item holds leaves Item out; INDEXES lists the table share at 2 units per read', async () => {
    await h.ddb.send(new PutItemCommand({ TableName: A, Item: { pk: S('g3'), real: S('here') } }));
    const out = await h.ddb.send(
      new TransactGetItemsCommand({
        TransactItems: [
          {
            Get: {
              TableName: A,
              Key: { pk: S('g3') },
              ProjectionExpression: '#x',
              ExpressionAttributeNames: { '#x': 'nothing' },
            },
          },
          { Get: { TableName: A, Key: { pk: S('g-missing-too') } } },
        ],
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    expect(out.Responses).toEqual([{}, {}]);
    expect(out.ConsumedCapacity).toEqual([
      { TableName: A, CapacityUnits: 4, ReadCapacityUnits: 4, Table: { CapacityUnits: 4, ReadCapacityUnits: 4 } },
    ]);
  });

  test('rejects two reads of the same item with ValidationException', async () => {
    await expect(
      h.ddb.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: A, Key: { pk: S('g1') } } }, { Get: { TableName: A, Key: { pk: S('g1') } } }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('isolation', () => {
  const ACCOUNTS = 5;
  const INITIAL = 1000;

  test('50 concurrent transfers keep the sum invariant, and concurrent Scan / TransactGetItems never see half a transfer', async () => {
    const T = tableName('bank');
    await createTable(h.ddb, T);
    for (let i = 0; i < ACCOUNTS; i++) {
      await h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S(`acct${i}`), balance: N(INITIAL) } }));
    }
    const total = ACCOUNTS * INITIAL;
    let done = false;
    const observed: number[] = [];

    const sum = (items: Array<Record<string, { N?: string }> | undefined>) =>
      items.reduce((acc, item) => acc + Number(item?.balance?.N), 0);
    const scanLoop = async () => {
      while (!done) {
        const scan = await h.ddb.send(new ScanCommand({ TableName: T, ConsistentRead: true }));
        observed.push(sum(scan.Items ?? []));
      }
    };
    const snapshotLoop = async () => {
      while (!done) {
        const snap = await h.ddb.send(
          new TransactGetItemsCommand({
            TransactItems: Array.from({ length: ACCOUNTS }, (_, i) => ({ Get: { TableName: T, Key: { pk: S(`acct${i}`) } } })),
          }),
        );
        observed.push(sum((snap.Responses ?? []).map((r) => r.Item)));
      }
    };
    const readers = Promise.all([scanLoop(), scanLoop(), scanLoop(), snapshotLoop()]);

    let committed = 0;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 2)); // spread the transfers so readers interleave
        const from = `acct${i % ACCOUNTS}`;
        const to = `acct${(i * 3 + 1) % ACCOUNTS === i % ACCOUNTS ? (i + 1) % ACCOUNTS : (i * 3 + 1) % ACCOUNTS}`;
        const amount = (i % 7) + 1;
        try {
          await h.ddb.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: T,
                    Key: { pk: S(from) },
                    UpdateExpression: 'SET balance = balance - :a',
                    ConditionExpression: 'balance >= :a',
                    ExpressionAttributeValues: { ':a': N(amount) },
                  },
                },
                {
                  Update: {
                    TableName: T,
                    Key: { pk: S(to) },
                    UpdateExpression: 'SET balance = balance + :a',
                    ExpressionAttributeValues: { ':a': N(amount) },
                  },
                },
              ],
            }),
          );
          committed += 1;
        } catch (err) {
          if (!(err instanceof TransactionCanceledException)) throw err;
          conflicts += 1;
        }
      }),
    );
    done = true;
    await readers;

    expect(committed + conflicts).toBe(50);
    expect(committed).toBe(50); // balances never run low enough for the condition to fail
    expect(observed.length).toBeGreaterThan(20);
    expect(observed.every((sum) => sum === total)).toBe(true);
    const final = await h.ddb.send(new ScanCommand({ TableName: T }));
    expect((final.Items ?? []).reduce((sum, item) => sum + Number(item.balance?.N), 0)).toBe(total);
  });

  test('single-item UpdateItem calls racing transactions on the same items are never lost (no interleaving)', async () => {
    const T = tableName('race');
    await createTable(h.ddb, T);
    await h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('x'), n: N(0) } }));
    await h.ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('y'), n: N(0) } }));
    const bump = (pk: string) => ({
      Update: {
        TableName: T,
        Key: { pk: S(pk) },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': N(1) },
      },
    });
    await Promise.all([
      ...Array.from({ length: 30 }, () => h.ddb.send(new TransactWriteItemsCommand({ TransactItems: [bump('x'), bump('y')] }))),
      ...Array.from({ length: 30 }, () =>
        h.ddb.send(
          new UpdateItemCommand({
            TableName: T,
            Key: { pk: S('x') },
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': N(1) },
          }),
        ),
      ),
    ]);
    expect(await get(T, { pk: S('x') })).toEqual({ pk: S('x'), n: N(60) });
    expect(await get(T, { pk: S('y') })).toEqual({ pk: S('y'), n: N(30) });
  });
});

describe('validation order', () => {
  test('invalid ReturnConsumedCapacity / ReturnItemCollectionMetrics are a ValidationException, ahead of table lookups and duplicate targets', async () => {
    const dup: TransactWriteItem[] = [
      { Put: { TableName: 'no-such-table', Item: { pk: S('x') } } },
      { Put: { TableName: 'no-such-table', Item: { pk: S('x') } } },
    ];
    for (const extra of [{ ReturnConsumedCapacity: 'ALL' }, { ReturnItemCollectionMetrics: 'FULL' }]) {
      const err = await h.ddb.send(new TransactWriteItemsCommand({ TransactItems: dup, ...(extra as object) })).then(
        () => new Error('expected a ValidationException'),
        (e: Error) => e,
      );
      expect(err.name).toBe('ValidationException');
      expect(err.message).toMatch(
        /^1 validation error detected: Value '(ALL|FULL)' at '(returnConsumedCapacity|returnItemCollectionMetrics)' failed to satisfy constraint: Member must satisfy enum value set: \[/,
      );
    }
  });

  test('an invalid ReturnValuesOnConditionCheckFailure in an action is a ValidationException, ahead of table lookups and duplicate targets', async () => {
    const err = await failure(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'no-such-table', Item: { pk: S('x') } } },
            {
              Put: {
                TableName: 'no-such-table',
                Item: { pk: S('x'), '': S('empty name') },
                ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as never,
              },
            },
          ],
        }),
      ),
    );
    expect([err.name, err.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'ALL_NEW' at 'transactItems.member.put.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
    ]);
  });

  // DynamoDB's answers as captured from DynamoDB by nubo-db/dynamodb-conformance
  // (tests/tier3/error-messages/transactWriteItems.test.ts): wrong-typed, non-scalar or missing keys,
  // and wrong-typed index keys, are cancellation reasons; empty key values are refused up front.
  test('a key error inside an action cancels the transaction with a ValidationError reason for that action', async () => {
    const err = await cancelled([
      { Put: { TableName: A, Item: { pk: S('fine') } } },
      { Put: { TableName: A, Item: { pk: N(1) } } }, // wrong key type
      { Delete: { TableName: A, Key: { pk: { L: [S('x')] } } } }, // not a scalar
      { ConditionCheck: { TableName: A, Key: { nope: S('x') }, ConditionExpression: 'attribute_exists(pk)' } }, // missing key
      { Put: { TableName: A, Item: { pk: S('gsi-typed'), gpk: N(5) } } }, // index key of the wrong type
      {
        Update: {
          TableName: A,
          Key: { pk: S('gsi-set') },
          UpdateExpression: 'SET gpk = :v',
          ExpressionAttributeValues: { ':v': N(5) },
        },
      },
    ]);
    expect(err.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError, ValidationError, ValidationError, ValidationError, ValidationError]',
    );
    const indexMismatch =
      'One or more parameter values were invalid: Type mismatch for Index Key gpk Expected: S Actual: N IndexName: gsi1';
    expect(err.CancellationReasons?.map((r) => r.Message)).toEqual([
      undefined,
      'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
      'The provided key element does not match the schema',
      'The provided key element does not match the schema',
      indexMismatch,
      indexMismatch,
    ]);
    expect(await get(A, { pk: S('fine') })).toBeUndefined();
  });

  test('an empty string or binary key value, in any action, is a top-level ValidationException and nothing is written', async () => {
    const binary = tableName('txbin');
    await h.ddb.send(
      new CreateTableCommand({
        TableName: binary,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'B' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const emptyString =
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk';
    const emptyBinary = emptyString.replace('string', 'binary');
    const fine: TransactWriteItem = { Put: { TableName: A, Item: { pk: S('fine-too') } } };
    const wrongType: TransactWriteItem = { Put: { TableName: A, Item: { pk: N(1) } } }; // a cancellation reason, but the empty key wins
    const update = (table: string, pk: { S: string } | { B: Uint8Array }): TransactWriteItem => ({
      Update: { TableName: table, Key: { pk }, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': S('x') } },
    });
    const cases: [TransactWriteItem, string][] = [
      [{ Put: { TableName: A, Item: { pk: S('') } } }, emptyString],
      [update(A, S('')), emptyString],
      [{ Delete: { TableName: A, Key: { pk: S('') } } }, emptyString],
      [{ ConditionCheck: { TableName: A, Key: { pk: S('') }, ConditionExpression: 'attribute_exists(pk)' } }, emptyString],
      [{ Put: { TableName: binary, Item: { pk: { B: new Uint8Array() } } } }, emptyBinary],
      [{ Delete: { TableName: binary, Key: { pk: { B: new Uint8Array() } } } }, emptyBinary],
      [update(binary, { B: new Uint8Array() }), emptyBinary],
    ];
    for (const [action, message] of cases) {
      const err = await failure(h.ddb.send(new TransactWriteItemsCommand({ TransactItems: [fine, wrongType, action] })));
      expect([err.name, err.message]).toEqual(['ValidationException', message]);
    }
    expect(await get(A, { pk: S('fine-too') })).toBeUndefined();
  });
});
