import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { Level } from 'level';
import { createTable, S, startHarness, type Harness } from './helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-persist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function records(h: Harness, table: string) {
  const d = await h.ddb.send(new DescribeTableCommand({ TableName: table }));
  const arn = d.Table?.LatestStreamArn ?? '';
  const s = await h.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const it = await h.streams.send(
    new GetShardIteratorCommand({
      StreamArn: arn,
      ShardId: s.StreamDescription?.Shards?.[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const out = await h.streams.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
  return { arn, records: out.Records ?? [] };
}

test('with a data folder, items, stream state and stream records survive a restart, and sequence numbers keep increasing', async () => {
  const first = await startHarness({ path: dir });
  let arnBefore: string;
  let seqBefore: bigint;
  try {
    await createTable(first.ddb, 'persisted', { stream: 'NEW_IMAGE' });
    await first.ddb.send(new UpdateTableCommand({ TableName: 'persisted', DeletionProtectionEnabled: true }));
    await first.ddb.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: S('a'), v: S('1') } }));
    await first.ddb.send(
      new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'persisted', Item: { pk: S('b') } } }] }),
    );
    const before = await records(first, 'persisted');
    arnBefore = before.arn;
    expect(before.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'b']);
    seqBefore = BigInt(before.records[1]?.dynamodb?.SequenceNumber ?? '0');
  } finally {
    await first.stop();
  }

  const second = await startHarness({ path: dir });
  try {
    expect((await second.ddb.send(new GetItemCommand({ TableName: 'persisted', Key: { pk: S('a') } }))).Item).toEqual({
      pk: S('a'),
      v: S('1'),
    });
    const d = await second.ddb.send(new DescribeTableCommand({ TableName: 'persisted' }));
    expect(d.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(d.Table?.LatestStreamArn).toBe(arnBefore);
    expect(d.Table?.DeletionProtectionEnabled).toBe(true); // table settings are kept with the data
    await second.ddb.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: S('c') } }));
    const after = await records(second, 'persisted');
    expect(after.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'b', 'c']);
    expect(BigInt(after.records[2]?.dynamodb?.SequenceNumber ?? '0')).toBeGreaterThan(seqBefore);
  } finally {
    await second.stop();
  }
});

test("a stream's records are kept under its 8-character record id, not its ARN; a data folder from before record ids (records under the ARN) is still read and written", async () => {
  const folder = join(dir, 'legacy');
  const first = await startHarness({ path: folder });
  let arn: string;
  try {
    await createTable(first.ddb, 'legacy', { stream: 'NEW_IMAGE' });
    await first.ddb.send(new PutItemCommand({ TableName: 'legacy', Item: { pk: S('a') } }));
    arn = (await records(first, 'legacy')).arn;
  } finally {
    await first.stop();
  }

  // rewrite the folder to the earlier layout: no recId in the stream's metadata, records under the ARN
  const db = new Level<string, any>(folder, { valueEncoding: 'json' });
  const meta = await db.get(`$streams~meta~${arn}`);
  expect(meta.recId).toMatch(/^[A-Za-z0-9_-]{8}$/);
  const recs = await db.iterator({ gte: '$streams~rec~', lt: '$streams~rec~\xff' }).all();
  expect(recs.map(([key]) => key)).toEqual([expect.stringMatching(new RegExp(`^\\$streams~rec~${meta.recId}~\\d{21}$`))]);
  const legacy = recs.map(([key, value]) => ({ key: `$streams~rec~${arn}~${key.slice(key.lastIndexOf('~') + 1)}`, value }));
  delete meta.recId;
  await db.batch([
    ...recs.map(([key]) => ({ type: 'del' as const, key })),
    ...legacy.map(({ key, value }) => ({ type: 'put' as const, key, value })),
    { type: 'put', key: `$streams~meta~${arn}`, value: meta },
  ]);
  await db.close();

  const second = await startHarness({ path: folder });
  try {
    await second.ddb.send(new PutItemCommand({ TableName: 'legacy', Item: { pk: S('b') } }));
    const after = await records(second, 'legacy');
    expect(after.arn).toBe(arn);
    expect(after.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'b']);
  } finally {
    await second.stop();
  }
});

test('without a data folder the engine is in memory: a restart starts empty', async () => {
  const first = await startHarness();
  await createTable(first.ddb, 'ephemeral');
  await first.stop();
  const second = await startHarness();
  try {
    await expect(second.ddb.send(new DescribeTableCommand({ TableName: 'ephemeral' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  } finally {
    await second.stop();
  }
});
