// UpdateTable creating and deleting global secondary indexes on a PAY_PER_REQUEST table.
import {
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { createTable, S, startHarness, tableName, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

async function describe_(t: string): Promise<TableDescription> {
  return (await h.ddb.send(new DescribeTableCommand({ TableName: t }))).Table ?? {};
}

test('creating a GSI backfills existing items: IndexStatus CREATING, then ACTIVE, and queries find old and new items', async () => {
  const t = tableName('gsi-create');
  await createTable(h.ddb, t);
  for (let i = 0; i < 20; i++)
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S(`p${i}`), color: S(i % 2 ? 'red' : 'blue') } }));
  const out = await h.ddb.send(
    new UpdateTableCommand({
      TableName: t,
      AttributeDefinitions: [{ AttributeName: 'color', AttributeType: 'S' }],
      GlobalSecondaryIndexUpdates: [
        {
          Create: {
            IndexName: 'byColor',
            KeySchema: [{ AttributeName: 'color', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        },
      ],
    }),
  );
  const created = out.TableDescription?.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'byColor');
  expect(created?.IndexStatus).toBe('CREATING');
  await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('late'), color: S('red') } })); // written during the backfill
  let status: string | undefined;
  for (let i = 0; i < 100 && status !== 'ACTIVE'; i++) {
    status = (await describe_(t)).GlobalSecondaryIndexes?.find((x) => x.IndexName === 'byColor')?.IndexStatus;
    if (status !== 'ACTIVE') await new Promise((r) => setTimeout(r, 20));
  }
  expect(status).toBe('ACTIVE');
  const red = await h.ddb.send(
    new QueryCommand({
      TableName: t,
      IndexName: 'byColor',
      KeyConditionExpression: 'color = :c',
      ExpressionAttributeValues: { ':c': S('red') },
    }),
  );
  expect(red.Count).toBe(11);
  expect((await describe_(t)).AttributeDefinitions).toContainEqual({ AttributeName: 'color', AttributeType: 'S' });
});

test('deleting a GSI removes it from DescribeTable; deleting a missing index is ResourceNotFoundException', async () => {
  const t = tableName('gsi-delete');
  await createTable(h.ddb, t, { gsi: true });
  await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a'), gpk: S('g') } }));
  const out = await h.ddb.send(
    new UpdateTableCommand({ TableName: t, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'gsi1' } }] }),
  );
  expect(out.TableDescription?.GlobalSecondaryIndexes?.[0]?.IndexStatus).toBe('DELETING');
  expect((await describe_(t)).GlobalSecondaryIndexes).toBeUndefined();
  await expect(
    h.ddb.send(
      new QueryCommand({
        TableName: t,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g') },
      }),
    ),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  await expect(
    h.ddb.send(new UpdateTableCommand({ TableName: t, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'gsi1' } }] })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
});

// as DynamoDB answers (observed by nubo-db/dynamodb-conformance, tests/tier2/updateTable/gsi)
test("a GSI create's AttributeDefinitions: the index keys must be in the request, a stored type is kept, unused definitions are dropped", async () => {
  const t = tableName('gsi-defs');
  await createTable(h.ddb, t, { sortKey: true });
  const create = (IndexName: string, keys: string[], defs: [string, 'S' | 'N'][]) =>
    h.ddb.send(
      new UpdateTableCommand({
        TableName: t,
        AttributeDefinitions: defs.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName,
              KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i ? 'RANGE' : 'HASH' })),
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          },
        ],
      }),
    );
  // pk is the table's, but the request does not define it
  await expect(create('byPkG', ['pk', 'g'], [['g', 'S']])).rejects.toMatchObject({ name: 'ValidationException' });
  // a type outside [B, N, S], or a name defined twice, is refused, and nothing is stored
  await expect(create('byX', ['x'], [['x', 'X' as 'S']])).rejects.toMatchObject({
    name: 'ValidationException',
    message: expect.stringContaining("at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint"),
  });
  await expect(
    create(
      'byX',
      ['x'],
      [
        ['x', 'S'],
        ['x', 'N'],
      ],
    ),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  expect((await describe_(t)).GlobalSecondaryIndexes).toBeUndefined();
  // pk redeclared as N is accepted and stays S; 'unused' is dropped
  const out = await create(
    'byG',
    ['g'],
    [
      ['pk', 'N'],
      ['g', 'S'],
      ['unused', 'S'],
    ],
  );
  const sorted = (d: TableDescription) =>
    [...(d.AttributeDefinitions ?? [])].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
  const expected = [
    { AttributeName: 'g', AttributeType: 'S' },
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ];
  expect(sorted(out.TableDescription ?? {})).toEqual(expected);
  expect(sorted(await describe_(t))).toEqual(expected);
  await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('still-a-string'), sk: S('1'), g: S('x') } }));
});
