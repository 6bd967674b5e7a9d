import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createTable, S, startHarness, tableName, type Harness, streamPoller } from './helpers';

// The real consumer: serverless-offline-dynamodb-streams' stream reader, driven without a whole
// serverless-offline. It resolves the stream through DescribeTable's LatestStreamArn, calls
// DescribeStream, GetShardIterator (TRIM_HORIZON / LATEST, or AFTER_SEQUENCE_NUMBER on resume)
// and polls GetRecords, then hands `{Records}` to the function's handler.

interface Readable {
  close(): void;
}

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'engine-plugin-'));
});
afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('serverless-offline-dynamodb-streams delivers INSERT and REMOVE records from the engine to a handler', async () => {
  const table = tableName('plugin');
  await createTable(h.ddb, table, { stream: 'NEW_AND_OLD_IMAGES' });

  const events: DynamoDBStreamEvent[] = [];
  let event: DynamoDBStreamEvent | undefined;
  const lambda = {
    get: () => ({
      setEvent: (e: DynamoDBStreamEvent) => {
        event = e;
      },
      runHandler: async () => {
        if (event) events.push(event);
      },
    }),
  };
  const consumer = streamPoller(lambda, h.engine.endpoint, join(dir, 'checkpoint.json'));
  await consumer.create([
    {
      functionKey: 'onChange',
      dynamodbStreams: { tableName: table, startingPosition: 'TRIM_HORIZON', batchSize: 10, readInterval: 20 },
    },
  ]);
  consumer.start();
  try {
    await h.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: S('m1'), body: S('hello') } }));
    await h.ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: S('m1') } }));

    const deadline = Date.now() + 10_000;
    const delivered = () => events.flatMap((e) => e.Records);
    while (delivered().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    const records = delivered();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);
    expect(records[0]?.dynamodb?.NewImage).toEqual({ pk: { S: 'm1' }, body: { S: 'hello' } });
    expect(records[1]?.dynamodb?.OldImage).toEqual({ pk: { S: 'm1' }, body: { S: 'hello' } });
    expect(records[0]?.eventSource).toBe('aws:dynamodb');
  } finally {
    (consumer.readables as Readable[]).forEach((r) => r.close());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
