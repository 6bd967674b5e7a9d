// Time to Live through the AWS SDK: UpdateTimeToLive / DescribeTimeToLive, the background sweep
// (REMOVE stream records by the DynamoDB service), and migrate applying resources/table.yml's TTL.
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { migrate } from '../../local/migrate';
import { createTable, DDB, N, raw, S, startHarness, tableName, type Harness, failure } from './helpers';

const nowS = () => Math.floor(Date.now() / 1000);
const enable = (h: Harness, t: string, attr = 'exp') =>
  h.ddb.send(new UpdateTimeToLiveCommand({ TableName: t, TimeToLiveSpecification: { AttributeName: attr, Enabled: true } }));

async function records(h: Harness, t: string): Promise<_Record[]> {
  const arn = (await h.ddb.send(new DescribeTableCommand({ TableName: t }))).Table?.LatestStreamArn;
  const shard = (await h.streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards?.[0]?.ShardId;
  let it = (
    await h.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))
  ).ShardIterator;
  const out: _Record[] = [];
  while (it) {
    const page = await h.streams.send(new GetRecordsCommand({ ShardIterator: it }));
    out.push(...(page.Records ?? []));
    if (!page.Records?.length) break;
    it = page.NextShardIterator;
  }
  return out;
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await probe();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await probe();
  }
  return v;
}

describe('UpdateTimeToLive / DescribeTimeToLive', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ttlIntervalMs: 60_000 });
  });
  afterAll(async () => h.stop());

  test('enable then disable; DescribeTimeToLive reports ENABLED with the attribute, then DISABLED', async () => {
    const t = tableName('ttl');
    await createTable(h.ddb, t);
    expect((await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
    expect((await enable(h, t)).TimeToLiveSpecification).toEqual({ AttributeName: 'exp', Enabled: true });
    expect((await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'exp',
    });
    const again = await failure(enable(h, t));
    expect([again.name, again.message]).toEqual(['ValidationException', 'TimeToLive is already enabled']);
    const other = await failure(
      h.ddb.send(new UpdateTimeToLiveCommand({ TableName: t, TimeToLiveSpecification: { AttributeName: 'x', Enabled: false } })),
    );
    expect(other.message).toBe('TimeToLive is active on a different AttributeName: current AttributeName is exp');
    await h.ddb.send(
      new UpdateTimeToLiveCommand({ TableName: t, TimeToLiveSpecification: { AttributeName: 'exp', Enabled: false } }),
    );
    expect((await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
  });

  test('a missing table is ResourceNotFoundException; a missing specification is a ValidationException', async () => {
    await expect(enable(h, 'no-such-table')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(h.ddb.send(new DescribeTimeToLiveCommand({ TableName: 'no-such-table' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    const res = await raw(
      h.engine.endpoint,
      DDB('UpdateTimeToLive'),
      JSON.stringify({ TableName: 'abc', TimeToLiveSpecification: { Enabled: true } }),
    );
    expect(res.status).toBe(400);
    expect(res.json().message).toBe(
      "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null",
    );
  });

  test('a table deleted and created again starts with TTL disabled', async () => {
    const t = tableName('ttl-recreate');
    await createTable(h.ddb, t);
    await enable(h, t);
    await h.ddb.send(new DeleteTableCommand({ TableName: t }));
    await createTable(h.ddb, t);
    expect((await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription?.TimeToLiveStatus).toBe(
      'DISABLED',
    );
  });

  test('an expired item is still returned until the sweep reaches it', async () => {
    const t = tableName('ttl-unswept');
    await createTable(h.ddb, t);
    await enable(h, t);
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('old'), exp: N(nowS() - 100) } }));
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('old') } }))).Item).toBeDefined();
  });
});

describe('the TTL sweep', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ttlIntervalMs: 100 });
  });
  afterAll(async () => h.stop());

  test('deletes items whose TTL Number is in the past, with a REMOVE stream record by the DynamoDB service; keeps the rest', async () => {
    const t = tableName('ttl-sweep');
    await createTable(h.ddb, t, { stream: 'NEW_AND_OLD_IMAGES' });
    const items = {
      expired: { pk: S('expired'), exp: N(nowS() - 10) },
      future: { pk: S('future'), exp: N(nowS() + 3600) },
      text: { pk: S('text'), exp: S(String(nowS() - 10)) },
      none: { pk: S('none') },
      ancient: { pk: S('ancient'), exp: N(nowS() - 6 * 365 * 24 * 3600) }, // more than 5 years ago: ignored, as in DynamoDB
      byUser: { pk: S('byUser'), exp: N(nowS() + 3600) },
    };
    for (const item of Object.values(items)) await h.ddb.send(new PutItemCommand({ TableName: t, Item: item }));
    await h.ddb.send(new DeleteItemCommand({ TableName: t, Key: { pk: S('byUser') } }));
    await enable(h, t);

    const left = await eventually(
      async () => (await h.ddb.send(new ScanCommand({ TableName: t }))).Items?.map((i) => i.pk?.S).sort(),
      (keys) => !keys?.includes('expired'),
    );
    expect(left).toEqual(['ancient', 'future', 'none', 'text']);

    const removes = (await records(h, t)).filter((r) => r.eventName === 'REMOVE');
    expect(removes.map((r) => [r.dynamodb?.Keys?.pk?.S, r.userIdentity])).toEqual([
      ['byUser', undefined],
      ['expired', { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' }],
    ]);
    expect(removes[1]?.dynamodb?.OldImage).toEqual(items.expired);
  });

  test('sweeps items written after TTL was enabled by every write path; a later write that moves or removes the TTL wins', async () => {
    for (const stream of [undefined, 'NEW_AND_OLD_IMAGES' as const]) {
      const t = tableName('ttl-writes');
      await createTable(h.ddb, t, stream ? { stream } : {});
      await enable(h, t);
      const past = N(nowS() - 10);
      await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('put'), exp: past } }));
      await h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('update') },
          UpdateExpression: 'SET exp = :e',
          ExpressionAttributeValues: { ':e': past },
        }),
      );
      await h.ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [t]: [{ PutRequest: { Item: { pk: S('batch'), exp: past } } }] } }),
      );
      await h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: t, Item: { pk: S('tx-put'), exp: past } } },
            {
              Update: {
                TableName: t,
                Key: { pk: S('tx-update') },
                UpdateExpression: 'SET exp = :e',
                ExpressionAttributeValues: { ':e': past },
              },
            },
          ],
        }),
      );
      // queued to expire in ~3 s, then rewritten at once (a sweep runs every 100 ms meanwhile): the
      // rewrite wins once the old entry falls due, while 'kept', queued alike and not rewritten, goes
      const soon = N(nowS() + 3);
      await h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: t, Item: { pk: S('moved'), exp: soon } } },
            { Put: { TableName: t, Item: { pk: S('removed'), exp: soon } } },
            { Put: { TableName: t, Item: { pk: S('kept'), exp: soon } } },
          ],
        }),
      );
      await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('moved'), exp: N(nowS() + 3600) } }));
      await h.ddb.send(new UpdateItemCommand({ TableName: t, Key: { pk: S('removed') }, UpdateExpression: 'REMOVE exp' }));
      const left = await eventually(
        async () => (await h.ddb.send(new ScanCommand({ TableName: t }))).Items?.map((i) => i.pk?.S).sort(),
        (keys) => keys?.length === 2,
        10_000,
      );
      expect(left).toEqual(['moved', 'removed']);
    }
  });

  test('no sweep deletes anything while TTL is disabled', async () => {
    const t = tableName('ttl-off');
    await createTable(h.ddb, t);
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('expired'), exp: N(nowS() - 10) } }));
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('expired') } }))).Item).toBeDefined();
  });
});

test("migrate enables resources/table.yml's TimeToLiveSpecification (expires_at), idempotently", async () => {
  const h = await startHarness({ ttlIntervalMs: 60_000 });
  try {
    const t = tableName('migrated');
    expect(await migrate({ endpoint: h.engine.endpoint, tableName: t })).toBe('created');
    expect(await migrate({ endpoint: h.engine.endpoint, tableName: t })).toBe('exists');
    expect((await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires_at',
    });
  } finally {
    await h.stop();
  }
});

test('the TTL setting survives a restart on a data folder, and items expired before it are swept after it', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'engine-ttl-'));
  const t = tableName('ttl-persist');
  try {
    const first = await startHarness({ path: dir, ttlIntervalMs: 60_000 });
    await createTable(first.ddb, t);
    await enable(first, t, 'expires_at');
    await first.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('stale'), expires_at: N(nowS() - 10) } }));
    await first.stop();
    const second = await startHarness({ path: dir, ttlIntervalMs: 100 });
    try {
      expect((await second.ddb.send(new DescribeTimeToLiveCommand({ TableName: t }))).TimeToLiveDescription).toEqual({
        TimeToLiveStatus: 'ENABLED',
        AttributeName: 'expires_at',
      });
      // an item that expired before the restart is found by the restarted engine's sweep
      const gone = await eventually(
        async () => (await second.ddb.send(new GetItemCommand({ TableName: t, Key: { pk: S('stale') } }))).Item,
        (item) => item === undefined,
      );
      expect(gone).toBeUndefined();
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
