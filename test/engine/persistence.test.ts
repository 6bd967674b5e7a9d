import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
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
    await second.ddb.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: S('c') } }));
    const after = await records(second, 'persisted');
    expect(after.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'b', 'c']);
    expect(BigInt(after.records[2]?.dynamodb?.SequenceNumber ?? '0')).toBeGreaterThan(seqBefore);
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
