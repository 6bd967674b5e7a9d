import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record,
  type GetRecordsCommandOutput,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { createTable, N, S, startHarness, tableName, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

async function streamOf(harness: Harness, table: string) {
  const d = await harness.ddb.send(new DescribeTableCommand({ TableName: table }));
  const arn = d.Table?.LatestStreamArn;
  if (!arn) throw new Error('no stream');
  const s = await harness.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const shardId = s.StreamDescription?.Shards?.[0]?.ShardId;
  if (!shardId) throw new Error('no shard');
  return { arn, shardId };
}

async function iterator(harness: Harness, table: string, type: ShardIteratorType, seq?: string) {
  const { arn, shardId } = await streamOf(harness, table);
  const out = await harness.streams.send(
    new GetShardIteratorCommand({
      StreamArn: arn,
      ShardId: shardId,
      ShardIteratorType: type,
      ...(seq ? { SequenceNumber: seq } : {}),
    }),
  );
  if (!out.ShardIterator) throw new Error('no iterator');
  return out.ShardIterator;
}

/** Reads every record currently available from TRIM_HORIZON. */
export async function readAll(harness: Harness, table: string): Promise<_Record[]> {
  let it: string | undefined = await iterator(harness, table, 'TRIM_HORIZON');
  const records: _Record[] = [];
  while (it) {
    const out: GetRecordsCommandOutput = await harness.streams.send(new GetRecordsCommand({ ShardIterator: it }));
    records.push(...(out.Records ?? []));
    if (!out.Records?.length) break;
    it = out.NextShardIterator;
  }
  return records;
}

const summary = (records: _Record[]) => records.map((r) => [r.eventName, r.dynamodb?.Keys?.pk?.S]);

describe('stream control plane', () => {
  test('CreateTable with StreamSpecification: DescribeTable reports StreamSpecification, LatestStreamArn and LatestStreamLabel', async () => {
    const t = tableName('ctl');
    await createTable(h.ddb, t, { stream: 'NEW_IMAGE' });
    const d = await h.ddb.send(new DescribeTableCommand({ TableName: t }));
    expect(d.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(d.Table?.LatestStreamLabel).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(d.Table?.LatestStreamArn).toBe(
      `arn:aws:dynamodb:us-east-1:000000000000:table/${t}/stream/${d.Table?.LatestStreamLabel}`,
    );
    expect(d.Table?.TableStatus).toBe('ACTIVE');

    const s = await h.streams.send(new DescribeStreamCommand({ StreamArn: d.Table?.LatestStreamArn }));
    expect(s.StreamDescription).toMatchObject({
      StreamArn: d.Table?.LatestStreamArn,
      StreamLabel: d.Table?.LatestStreamLabel,
      StreamStatus: 'ENABLED',
      StreamViewType: 'NEW_IMAGE',
      TableName: t,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    expect(s.StreamDescription?.Shards).toHaveLength(1);
    expect(s.StreamDescription?.Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^\d+$/);

    const list = await h.streams.send(new ListStreamsCommand({ TableName: t }));
    expect(list.Streams).toEqual([
      { StreamArn: d.Table?.LatestStreamArn, TableName: t, StreamLabel: d.Table?.LatestStreamLabel },
    ]);
  });

  test('a table without a stream has no stream fields and no stream', async () => {
    const t = tableName('nostream');
    await createTable(h.ddb, t);
    const d = await h.ddb.send(new DescribeTableCommand({ TableName: t }));
    expect(d.Table?.StreamSpecification).toBeUndefined();
    expect(d.Table?.LatestStreamArn).toBeUndefined();
    expect((await h.streams.send(new ListStreamsCommand({ TableName: t }))).Streams).toEqual([]);
  });

  test('UpdateTable enables and disables a stream; a disabled stream stays readable and closes its shard', async () => {
    const t = tableName('upd');
    await createTable(h.ddb, t);
    const enabled = await h.ddb.send(
      new UpdateTableCommand({ TableName: t, StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
    );
    const arn = enabled.TableDescription?.LatestStreamArn;
    expect(arn).toContain(`table/${t}/stream/`);
    expect(enabled.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    await expect(
      h.ddb.send(
        new UpdateTableCommand({ TableName: t, StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });

    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a') } }));
    await h.ddb.send(new UpdateTableCommand({ TableName: t, StreamSpecification: { StreamEnabled: false } }));
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('b') } })); // not recorded: stream disabled

    const d = await h.ddb.send(new DescribeTableCommand({ TableName: t }));
    expect(d.Table?.StreamSpecification).toBeUndefined();
    expect(d.Table?.LatestStreamArn).toBe(arn);
    const s = await h.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    expect(s.StreamDescription?.StreamStatus).toBe('DISABLED');
    expect(s.StreamDescription?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
    const records = await readAll(h, t);
    expect(summary(records)).toEqual([['INSERT', 'a']]);
  });

  test('CreateTable rejects StreamEnabled=true without StreamViewType and creates nothing', async () => {
    const t = tableName('bad');
    await expect(
      h.ddb.send(
        new CreateTableCommand({
          TableName: t,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamEnabled: true },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(h.ddb.send(new DescribeTableCommand({ TableName: t }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('DeleteTable disables the stream; unknown stream ARNs give ResourceNotFoundException', async () => {
    const t = tableName('del');
    await createTable(h.ddb, t, { stream: 'KEYS_ONLY' });
    const { arn } = await streamOf(h, t);
    await h.ddb.send(new DeleteTableCommand({ TableName: t }));
    const s = await h.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    expect(s.StreamDescription?.StreamStatus).toBe('DISABLED');
    await expect(
      h.streams.send(new DescribeStreamCommand({ StreamArn: arn.replace(/stream\/.*$/, 'stream/2000-01-01T00:00:00.000') })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('stream records', () => {
  const views: StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

  test.each(views)(
    '%s: INSERT / MODIFY / REMOVE records carry the images of that view type and the full record shape',
    async (view) => {
      const t = tableName(view.toLowerCase().replace(/_/g, ''));
      await createTable(h.ddb, t, { stream: view });
      await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('k'), v: N(1) } }));
      await h.ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('k') },
          UpdateExpression: 'SET v = :two',
          ExpressionAttributeValues: { ':two': N(2) },
        }),
      );
      await h.ddb.send(new DeleteItemCommand({ TableName: t, Key: { pk: S('k') } }));
      const records = await readAll(h, t);
      expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);

      const withNew = view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
      const withOld = view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
      const images: Array<{ NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> }> = [
        { NewImage: { pk: S('k'), v: N(1) } },
        { OldImage: { pk: S('k'), v: N(1) }, NewImage: { pk: S('k'), v: N(2) } },
        { OldImage: { pk: S('k'), v: N(2) } },
      ];
      records.forEach((r, i) => {
        const expected = images[i] ?? {};
        expect(r).toMatchObject({ eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1' });
        expect(r.eventID).toMatch(/^[0-9a-f]{32}$/);
        expect(r.dynamodb?.Keys).toEqual({ pk: S('k') });
        expect(r.dynamodb?.StreamViewType).toBe(view);
        expect(r.dynamodb?.NewImage).toEqual(withNew ? expected.NewImage : undefined);
        expect(r.dynamodb?.OldImage).toEqual(withOld ? expected.OldImage : undefined);
        expect(r.dynamodb?.SizeBytes).toBeGreaterThan(0);
        expect(r.dynamodb?.ApproximateCreationDateTime).toBeInstanceOf(Date);
        expect(Math.abs((r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      });
      const seqs = records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
      expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0n))).toBe(true);
    },
  );

  test('writes that change nothing produce no record (identical Put, no-op Update, REMOVE or DELETE on a missing item, Delete of a missing item, failed condition)', async () => {
    const t = tableName('noop');
    await createTable(h.ddb, t, { stream: 'NEW_AND_OLD_IMAGES' });
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('k'), v: N(1), tags: { SS: ['a', 'b'] } } }));
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('k'), v: N('1.0'), tags: { SS: ['b', 'a'] } } }));
    await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('k') },
        UpdateExpression: 'SET v = :one',
        ExpressionAttributeValues: { ':one': N(1) },
      }),
    );
    await h.ddb.send(new DeleteItemCommand({ TableName: t, Key: { pk: S('missing') } }));
    // REMOVE, or an AttributeUpdates DELETE, on a missing item creates nothing
    await h.ddb.send(new UpdateItemCommand({ TableName: t, Key: { pk: S('ghost') }, UpdateExpression: 'REMOVE v' }));
    await h.ddb.send(
      new UpdateItemCommand({ TableName: t, Key: { pk: S('ghost') }, AttributeUpdates: { v: { Action: 'DELETE' } } }),
    );
    await expect(
      h.ddb.send(
        new PutItemCommand({ TableName: t, Item: { pk: S('k'), v: N(9) }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: t, Item: { pk: S('k'), v: N(1), tags: { SS: ['a', 'b'] } } } },
          { Delete: { TableName: t, Key: { pk: S('missing-2') } } },
        ],
      }),
    );
    expect(summary(await readAll(h, t))).toEqual([['INSERT', 'k']]);
  });

  test('BatchWriteItem and TransactWriteItems emit one record per changed item; a cancelled transaction emits none', async () => {
    const t = tableName('batch');
    await createTable(h.ddb, t, { stream: 'KEYS_ONLY' });
    await h.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { [t]: [{ PutRequest: { Item: { pk: S('b1') } } }, { PutRequest: { Item: { pk: S('b2') } } }] },
      }),
    );
    await h.ddb.send(new BatchWriteItemCommand({ RequestItems: { [t]: [{ DeleteRequest: { Key: { pk: S('b1') } } }] } }));
    await h.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: t, Item: { pk: S('t1') } } },
          {
            Update: {
              TableName: t,
              Key: { pk: S('b2') },
              UpdateExpression: 'SET x = :x',
              ExpressionAttributeValues: { ':x': N(1) },
            },
          },
          { ConditionCheck: { TableName: t, Key: { pk: S('t1-other') }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(
      h.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: t, Item: { pk: S('never') } } },
            { ConditionCheck: { TableName: t, Key: { pk: S('t1') }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const records = await readAll(h, t);
    expect(summary(records.slice(0, 3))).toEqual(
      expect.arrayContaining([
        ['INSERT', 'b1'],
        ['INSERT', 'b2'],
        ['REMOVE', 'b1'],
      ]),
    );
    expect(summary(records.slice(3))).toEqual([
      ['INSERT', 't1'],
      ['MODIFY', 'b2'],
    ]);
  });

  test('per-item order is preserved under concurrent writes to the same item', async () => {
    const t = tableName('order');
    await createTable(h.ddb, t, { stream: 'NEW_IMAGE' });
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('c'), n: N(0) } }));
    await Promise.all(
      Array.from({ length: 40 }, () =>
        h.ddb.send(
          new UpdateItemCommand({
            TableName: t,
            Key: { pk: S('c') },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': N(1) },
          }),
        ),
      ),
    );
    const records = await readAll(h, t);
    expect(records.map((r) => Number(r.dynamodb?.NewImage?.n?.N))).toEqual(Array.from({ length: 41 }, (_, i) => i));
  });
});

describe('shard iterators and GetRecords', () => {
  let t: string;
  let seqs: string[];
  beforeAll(async () => {
    t = tableName('iter');
    await createTable(h.ddb, t, { stream: 'KEYS_ONLY' });
    for (const pk of ['i1', 'i2', 'i3', 'i4']) await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S(pk) } }));
    seqs = (await readAll(h, t)).map((r) => r.dynamodb?.SequenceNumber ?? '');
  });

  const read = async (it: string, limit?: number) =>
    h.streams.send(new GetRecordsCommand({ ShardIterator: it, ...(limit ? { Limit: limit } : {}) }));
  const pks = (records: _Record[] | undefined) => (records ?? []).map((r) => r.dynamodb?.Keys?.pk?.S);

  test('TRIM_HORIZON starts at the oldest record; Limit pages through with NextShardIterator', async () => {
    const first = await read(await iterator(h, t, 'TRIM_HORIZON'), 3);
    expect(pks(first.Records)).toEqual(['i1', 'i2', 'i3']);
    const second = await read(first.NextShardIterator ?? '', 3);
    expect(pks(second.Records)).toEqual(['i4']);
    const third = await read(second.NextShardIterator ?? '', 3);
    expect(third.Records).toEqual([]);
    expect(third.NextShardIterator).toBeTruthy();
  });

  test('LATEST returns only records written after the iterator was issued', async () => {
    const it = await iterator(h, t, 'LATEST');
    expect((await read(it)).Records).toEqual([]);
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('late') } }));
    expect(pks((await read(it)).Records)).toEqual(['late']);
  });

  test('AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER position on a given record', async () => {
    const at = await read(await iterator(h, t, 'AT_SEQUENCE_NUMBER', seqs[1]), 2);
    expect(pks(at.Records)).toEqual(['i2', 'i3']);
    const after = await read(await iterator(h, t, 'AFTER_SEQUENCE_NUMBER', seqs[1]), 2);
    expect(pks(after.Records)).toEqual(['i3', 'i4']);
    const { arn, shardId } = await streamOf(h, t);
    await expect(
      h.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      h.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: 'shardId-nope', ShardIteratorType: 'LATEST' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('a malformed iterator is a ValidationException', async () => {
    await expect(read('not-an-iterator')).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('retention', () => {
  test('an iterator older than its lifetime gives ExpiredIteratorException', async () => {
    const short = await startHarness({ iteratorTtlMs: 100 });
    try {
      const t = tableName('exp');
      await createTable(short.ddb, t, { stream: 'KEYS_ONLY' });
      const it = await iterator(short, t, 'TRIM_HORIZON');
      await new Promise((resolve) => setTimeout(resolve, 150));
      await expect(short.streams.send(new GetRecordsCommand({ ShardIterator: it }))).rejects.toBeInstanceOf(
        ExpiredIteratorException,
      );
    } finally {
      await short.stop();
    }
  });

  test('records older than the retention period are trimmed; reading a trimmed position gives TrimmedDataAccessException', async () => {
    const short = await startHarness({ streamRetentionMs: 300 });
    try {
      const t = tableName('trim');
      await createTable(short.ddb, t, { stream: 'KEYS_ONLY' });
      await short.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('old') } }));
      const oldIterator = await iterator(short, t, 'TRIM_HORIZON');
      const [oldRecord] = await readAll(short, t);
      expect(oldRecord?.dynamodb?.Keys).toEqual({ pk: S('old') });
      await new Promise((resolve) => setTimeout(resolve, 450));
      await short.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('new') } }));

      expect(summary(await readAll(short, t))).toEqual([['INSERT', 'new']]);
      await expect(short.streams.send(new GetRecordsCommand({ ShardIterator: oldIterator }))).rejects.toBeInstanceOf(
        TrimmedDataAccessException,
      );
      const { arn, shardId } = await streamOf(short, t);
      await expect(
        short.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            SequenceNumber: oldRecord?.dynamodb?.SequenceNumber,
          }),
        ),
      ).rejects.toBeInstanceOf(TrimmedDataAccessException);
    } finally {
      await short.stop();
    }
  });
});

describe('stream request validation', () => {
  test('a malformed stream ARN or ExclusiveStartStreamArn is a ValidationException', async () => {
    for (const send of [
      () => h.streams.send(new DescribeStreamCommand({ StreamArn: 'arn:bad' })),
      () => h.streams.send(new GetShardIteratorCommand({ StreamArn: 'not an arn', ShardId: 'x', ShardIteratorType: 'LATEST' })),
      () =>
        h.streams.send(new ListStreamsCommand({ ExclusiveStartStreamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t' })),
    ]) {
      await expect(send()).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });

  test('an unknown ExclusiveStartShardId gives an empty shard list; ShardFilter is honoured and validated', async () => {
    const t = tableName('shards');
    await createTable(h.ddb, t, { stream: 'KEYS_ONLY' });
    const { arn, shardId } = await streamOf(h, t);
    const unknown = await h.streams.send(
      new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: 'shardId-00000000000000000000-nope' }),
    );
    expect(unknown.StreamDescription?.Shards).toEqual([]);
    const children = await h.streams.send(
      new DescribeStreamCommand({ StreamArn: arn, ShardFilter: { Type: 'CHILD_SHARDS', ShardId: shardId } }),
    );
    expect(children.StreamDescription?.Shards).toEqual([]);
    await expect(
      h.streams.send(new DescribeStreamCommand({ StreamArn: arn, ShardFilter: { Type: 'PARENT' as never, ShardId: shardId } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test("AT_/AFTER_SEQUENCE_NUMBER with the shard's own starting sequence number works on an empty shard; TRIM_HORIZON/LATEST with a SequenceNumber is a ValidationException", async () => {
    const t = tableName('empty-shard');
    await createTable(h.ddb, t, { stream: 'NEW_IMAGE' });
    const { arn, shardId } = await streamOf(h, t);
    const d = await h.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    const start = d.StreamDescription?.Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber;
    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const) {
      const it = await h.streams.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: start }),
      );
      expect(it.ShardIterator).toEqual(expect.any(String));
    }
    for (const type of ['TRIM_HORIZON', 'LATEST'] as const) {
      await expect(
        h.streams.send(
          new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: start }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });
});
