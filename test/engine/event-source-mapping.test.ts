/**
 * The offline stand-in for Lambda's event source mapping (local/event-source-mapping.js) and
 * the stream-emulator patch that puts it in front of the stream function
 * (local/offline-streams.js), on plain records: no engine needed.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareSequenceNumbers, deliverBatch, withEventSourceMapping } from '../../local/event-source-mapping';
import { emulatorClass } from '../../local/offline-streams';

type Rec = { dynamodb: { SequenceNumber: string; NewImage: { message: { S: string } } }; eventSourceARN: string };

const record = (seq: number, message = `m${seq}`): Rec => ({
  dynamodb: { SequenceNumber: String(seq), NewImage: { message: { S: message } } },
  eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1',
});
const seqs = (records: Rec[]) => records.map((r) => r.dynamodb.SequenceNumber);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'esm-'));
});
const options = (extra: Record<string, unknown> = {}) => ({
  maximumRetryAttempts: 5,
  dlqFile: path.join(dir, 'dlq.jsonl'),
  retryBaseMs: 1,
  ...extra,
});
const dlq = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

test('sequence numbers compare as numbers, not strings', () => {
  expect(['100', '99', '1000', '101'].sort(compareSequenceNumbers)).toEqual(['99', '100', '101', '1000']);
});

test('a batch without failures is delivered once and nothing is dead-lettered', async () => {
  const calls: string[][] = [];
  const result = await deliverBatch([record(1), record(2)], options(), async (records) => {
    calls.push(seqs(records as Rec[]));
    return { batchItemFailures: [] };
  });
  expect(calls).toEqual([['1', '2']]);
  expect(result).toEqual({ invocations: 1, deadLettered: [] });
  expect(dlq(options().dlqFile)).toEqual([]);
});

test('a partial failure is redelivered from the lowest reported sequence number until it succeeds', async () => {
  const calls: string[][] = [];
  const result = await deliverBatch([record(8), record(9), record(10), record(11)], options(), async (records) => {
    calls.push(seqs(records as Rec[]));
    return calls.length === 1
      ? { batchItemFailures: [{ itemIdentifier: '11' }, { itemIdentifier: '9' }] }
      : { batchItemFailures: [] };
  });
  expect(calls).toEqual([
    ['8', '9', '10', '11'],
    ['9', '10', '11'],
  ]);
  expect(result.invocations).toBe(2);
});

test("a failure that outlasts maximumRetryAttempts lands in the DLQ file once, in Lambda's on-failure shape with the failed records", async () => {
  const file = options().dlqFile;
  let calls = 0;
  const result = await deliverBatch([record(1), record(2), record(3)], options({ maximumRetryAttempts: 2 }), async () => {
    calls++;
    return { batchItemFailures: [{ itemIdentifier: '2' }] };
  });
  expect(calls).toBe(3);
  expect(result).toEqual({ invocations: 3, deadLettered: ['2'] });
  const lines = dlq(file);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
    DDBStreamBatchInfo: { streamArn: record(1).eventSourceARN, startSequenceNumber: '2', endSequenceNumber: '3', batchSize: 2 },
    failedSequenceNumbers: ['2'],
  });
  expect(seqs(lines[0].records)).toEqual(['2']);
});

test('a function that throws fails the whole batch, which is retried from its first record', async () => {
  const calls: string[][] = [];
  await deliverBatch([record(1), record(2)], options(), async (records) => {
    calls.push(seqs(records as Rec[]));
    if (calls.length === 1) throw new Error('boom');
    return { batchItemFailures: [] };
  });
  expect(calls).toEqual([
    ['1', '2'],
    ['1', '2'],
  ]);
});

test('fault injection: a record carrying the configured marker never reaches the function, fails every attempt and is dead-lettered; without a marker nothing is poison', async () => {
  const delivered: string[][] = [];
  const batch = [record(1), record(2, 'x POISON y'), record(3)];
  const result = await deliverBatch(batch, options({ faultMarker: 'POISON' }), async (records) => {
    delivered.push(seqs(records as Rec[]));
    return { batchItemFailures: [] };
  });
  expect(result).toEqual({ invocations: 6, deadLettered: ['2'] });
  expect(delivered[0]).toEqual(['1', '3']);
  expect(delivered.slice(1).every((call) => !call.includes('2'))).toBe(true);
  expect(dlq(options().dlqFile)[0].records[0].dynamodb.NewImage.message.S).toBe('x POISON y');

  const clean = await deliverBatch(batch, options(), async () => ({ batchItemFailures: [] }));
  expect(clean).toEqual({ invocations: 1, deadLettered: [] });
});

test('the wrapped Lambda pool runs only the configured function through the stand-in', async () => {
  const runs: Array<{ key: string; records: string[] }> = [];
  const pool = {
    get: (key: string) => {
      let event: { Records: Rec[] } = { Records: [] };
      return {
        setEvent: (next: { Records: Rec[] }) => void (event = next),
        runHandler: async () => {
          runs.push({ key, records: seqs(event.Records) });
          if (key === 'other') return { batchItemFailures: [{ itemIdentifier: '5' }] };
          return { batchItemFailures: runs.length === 1 ? [{ itemIdentifier: '2' }] : [] };
        },
      };
    },
  };
  const wrapped = withEventSourceMapping(pool, { streamFn: options() });
  const fn = wrapped.get('streamFn');
  fn.setEvent({ Records: [record(1), record(2)] });
  expect(await fn.runHandler()).toEqual({ batchItemFailures: [] });
  expect(runs).toEqual([
    { key: 'streamFn', records: ['1', '2'] },
    { key: 'streamFn', records: ['2'] },
  ]);

  const other = wrapped.get('other');
  other.setEvent({ Records: [record(5)] });
  // Untouched: its answer comes back as is, after one run.
  expect(await other.runHandler()).toEqual({ batchItemFailures: [{ itemIdentifier: '5' }] });
  expect(runs.filter((run) => run.key === 'other')).toHaveLength(1);
});

test("the stream-emulator patch fails loudly, naming the module, when the emulator's internal module moves or loses a method", () => {
  expect(typeof emulatorClass().prototype._dynamodbStreamsEvent).toBe('function');
  expect(() =>
    emulatorClass(() => {
      throw new Error("Cannot find module 'serverless-offline-dynamodb-streams/src/dynamodb-streams'");
    }),
  ).toThrow(/serverless-offline-dynamodb-streams changed: .*src\/dynamodb-streams cannot be loaded/);
  class Moved {
    _create() {}
    _describeTable() {}
  }
  expect(() => emulatorClass(() => Moved)).toThrow(/_dynamodbStreamsEvent is gone/);
});
