/**
 * local/offline-streams.js gives each function on a stream its own resume point, as Lambda
 * keeps one per event source mapping: with pattern E and the realtime fan-out on one table
 * stream, a restart must not skip one consumer's records because the other got further.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { patchStreamEmulator } from '../../local/offline-streams';
import { createTable, S, startHarness, tableName, type Harness, streamPoller } from './helpers';

let h: Harness;
let dir: string;
beforeAll(async () => {
  patchStreamEmulator(() => {});
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'engine-checkpoints-'));
});
afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A poller with one function per key; `handlers[key]` runs its batches. */
async function consumer(table: string, handlers: Record<string, (event: DynamoDBStreamEvent) => Promise<void>>) {
  let pending: Record<string, DynamoDBStreamEvent> = {};
  const lambda = {
    get: (key: string) => ({
      setEvent: (e: DynamoDBStreamEvent) => {
        pending = { ...pending, [key]: e };
      },
      runHandler: () => handlers[key]?.(pending[key] as DynamoDBStreamEvent),
    }),
  };
  const poller = streamPoller(lambda, h.engine.endpoint, join(dir, 'checkpoint.json'));
  await poller.create(
    Object.keys(handlers).map((functionKey) => ({
      functionKey,
      dynamodbStreams: {
        tableName: table,
        startingPosition: 'TRIM_HORIZON',
        batchSize: 10,
        readInterval: 20,
        maximumRetryAttempts: 1,
      },
    })),
  );
  poller.start();
  return {
    stop: () => {
      for (const readable of poller.readables as Array<{ close(): void }>) readable.close();
    },
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a restart resumes each function on a shared stream from its own last batch', async () => {
  const table = tableName('checkpoints');
  await createTable(h.ddb, table, { stream: 'NEW_IMAGE' });
  const seen: Record<string, string[]> = { fast: [], slow: [] };
  const keysOf = (event: DynamoDBStreamEvent) => event.Records.map((r) => String(r.dynamodb?.Keys?.pk?.S));

  // First run: `fast` handles both records; `slow` is still busy with its batch when the process stops.
  const first = await consumer(table, {
    fast: async (event) => void seen.fast?.push(...keysOf(event)),
    slow: () => new Promise<void>(() => {}),
  });
  await h.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: S('one') } }));
  await h.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: S('two') } }));
  await until(() => seen.fast?.length === 2);
  first.stop();
  const saved = Object.keys(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as object);
  expect(saved).toEqual([expect.stringMatching(/#fast::/)]);

  // Restart: `slow` gets everything it never finished, `fast` nothing it already had.
  seen.fast = [];
  const second = await consumer(table, {
    fast: async (event) => void seen.fast?.push(...keysOf(event)),
    slow: async (event) => void seen.slow?.push(...keysOf(event)),
  });
  try {
    await until(() => seen.slow?.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual({ fast: [], slow: ['one', 'two'] });
  } finally {
    second.stop();
  }
});

test('the checkpoint file is replaced whole (a temporary file renamed over it), never truncated and rewritten in place', () => {
  const store = require('serverless-offline-dynamodb-streams/src/checkpoint-store');
  expect(store.saveState.atomic).toBe(true);
  const file = join(dir, 'nested', 'checkpoint.json');
  store.saveState(file, { a: '1' });
  const inode = statSync(file).ino;
  store.saveState(file, { a: '2', b: '3' });
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: '2', b: '3' });
  expect(statSync(file).ino).not.toBe(inode); // a new file, not the old one rewritten
  expect(readdirSync(join(dir, 'nested'))).toEqual(['checkpoint.json']);
});
