/**
 * Pattern E on the table's stream: every message INSERT moves both members' conversation
 * rows to it (domain/update-conversation-rows.ts). Per batch, each conversation is applied
 * once, with its newest message. Partial batch response (ReportBatchItemFailures): a failed
 * conversation reports its records' sequence numbers and a poison record reports its own;
 * Lambda resumes from the lowest one, and everything after it is safe to replay because
 * the update is idempotent.
 *
 * Offline only (domain/config.ts `offlineStreamConfig`), the handler is wrapped in
 * `offlineEventSourceMapping`: serverless-offline-dynamodb-streams ignores partial batch
 * responses and cannot reach an SQS dead-letter queue, so the wrapper does what Lambda's event
 * source mapping does with ours — redeliver from the lowest failed record, up to
 * `MAX_RETRY_ATTEMPTS` times with backoff, then record the failed range in a JSON-lines file
 * (the DLQ stand-in) and move on. It also honours the fault-injection marker.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { offlineStreamConfig } from '../../domain/config';
import { groupUuidOfMessagePartition } from '../../domain/keys';
import { isTimestamp } from '../../domain/time';
import { updateConversationRows, type NewestMessage } from '../../domain/update-conversation-rows';
import { isUuid } from '../../domain/validation';

const logger = new Logger({ serviceName: 'cruddur-messaging' });
// Conversations updated at once; a batch of 100 records holds at most 100.
const CONCURRENCY = 10;

type Parsed =
  | { kind: 'ignored' }
  | { kind: 'message'; sequenceNumber: string; message: NewestMessage }
  | { kind: 'poison'; sequenceNumber: string | undefined; reason: string };

/** As serverless.yml's `maximumRetryAttempts`; used by the offline stand-in only. */
const MAX_RETRY_ATTEMPTS = 5;
const OFFLINE_RETRY_BASE_MS = 250;

export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  // Every line of this invocation carries its request id (function_request_id).
  if (context) logger.addContext(context);
  const offline = offlineStreamConfig();
  return offline ? offlineEventSourceMapping(event, offline) : processBatch(event);
}

async function processBatch(event: DynamoDBStreamEvent, faultMarker?: string): Promise<DynamoDBBatchResponse> {
  const parsed = (event.Records ?? []).map(parseRecord);
  const failures = new Set<string>();
  let unidentified = 0;

  for (const record of parsed) {
    if (record.kind !== 'poison') continue;
    logger.warn('poison record', { sequenceNumber: record.sequenceNumber, reason: record.reason });
    if (record.sequenceNumber === undefined) unidentified++;
    else failures.add(record.sequenceNumber);
  }

  // Coalesce: per conversation, only the newest message is applied.
  const conversations = new Map<string, { newest: NewestMessage; sequenceNumbers: string[] }>();
  for (const record of parsed) {
    if (record.kind !== 'message') continue;
    const group = record.message.message_group_uuid;
    const entry = conversations.get(group);
    if (!entry) {
      conversations.set(group, { newest: record.message, sequenceNumbers: [record.sequenceNumber] });
    } else {
      entry.sequenceNumbers.push(record.sequenceNumber);
      if (record.message.created_at > entry.newest.created_at) entry.newest = record.message;
    }
  }

  const totals = { replaced: 0, upToDate: 0, cancelled: 0 };
  await forEachLimited([...conversations.values()], CONCURRENCY, async ({ newest, sequenceNumbers }) => {
    try {
      if (faultMarker !== undefined && newest.message.includes(faultMarker)) {
        throw new Error('injected fault (STREAM_FAULT_MARKER, offline only)');
      }
      const update = await updateConversationRows(newest);
      totals.replaced += update.replaced;
      totals.upToDate += update.upToDate;
      totals.cancelled += update.cancelled;
      if (update.orphan) logger.warn('message without a conversation', { message_group_uuid: newest.message_group_uuid });
    } catch (error) {
      logger.error('conversation rows not updated', { message_group_uuid: newest.message_group_uuid, error });
      sequenceNumbers.forEach((sequenceNumber) => failures.add(sequenceNumber));
    }
  });

  logger.info('batch done', {
    records: parsed.length,
    messages: parsed.filter((record) => record.kind === 'message').length,
    conversations: conversations.size,
    ...totals,
    failures: failures.size + unidentified,
  });

  // A failure we cannot name by sequence number can only be reported by failing the whole
  // batch; everything else in it has been applied already, so the retry is a no-op for it.
  if (unidentified > 0) throw new Error(`${unidentified} stream record(s) without a sequence number`);
  return {
    batchItemFailures: [...failures].sort(compareSequenceNumbers).map((itemIdentifier) => ({ itemIdentifier })),
  };
}

/**
 * Offline stand-in for the event source mapping's failure handling: retries from the lowest
 * reported failure (what Lambda redelivers), backoff 250 ms doubling (≈ 8 s in all, inside
 * the function's timeout, long enough to ride out a local engine restart), then one DLQ line
 * shaped like Lambda's on-failure record for a stream (`DDBStreamBatchInfo`) plus, locally
 * only, the failed records themselves. Returns success so the emulator moves on.
 */
async function offlineEventSourceMapping(
  event: DynamoDBStreamEvent,
  config: { faultMarker: string | undefined; dlqFile: string },
): Promise<DynamoDBBatchResponse> {
  let records = event.Records ?? [];
  for (let invokeCount = 1; ; invokeCount++) {
    let failures: string[];
    try {
      failures = (await processBatch({ Records: records }, config.faultMarker)).batchItemFailures.map((f) => f.itemIdentifier);
    } catch (error) {
      // A whole-batch failure: every record counts as failed.
      logger.error('batch failed', { error });
      failures = records.map((record) => record.dynamodb?.SequenceNumber ?? '');
    }
    if (failures.length === 0) return { batchItemFailures: [] };
    const lowest = failures.sort(compareSequenceNumbers)[0] as string;
    const from = Math.max(0, records.findIndex((record) => record.dynamodb?.SequenceNumber === lowest));
    records = records.slice(from);
    if (invokeCount > MAX_RETRY_ATTEMPTS) {
      writeDeadLetter(config.dlqFile, records, failures, invokeCount);
      return { batchItemFailures: [] };
    }
    await new Promise((resolve) => setTimeout(resolve, OFFLINE_RETRY_BASE_MS * 2 ** (invokeCount - 1)));
  }
}

function writeDeadLetter(file: string, records: DynamoDBRecord[], failed: string[], invokeCount: number): void {
  const sequence = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber;
  const line = {
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      streamArn: records[0]?.eventSourceARN,
      startSequenceNumber: sequence(records[0]),
      endSequenceNumber: sequence(records[records.length - 1]),
      batchSize: records.length,
    },
    // Local extra: on AWS the DLQ message names the range only; replay reads it from the stream.
    failedSequenceNumbers: failed,
    records: records.filter((record) => failed.includes(sequence(record) ?? '')),
  };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  appendFileSync(file, `${JSON.stringify(line)}\n`);
  logger.error('retries exhausted: batch range sent to the local DLQ stand-in', { file, failed });
}

function parseRecord(record: DynamoDBRecord): Parsed {
  const sequenceNumber = record.dynamodb?.SequenceNumber || undefined;
  if (record.eventName !== 'INSERT') return { kind: 'ignored' };
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (typeof pk !== 'string') return { kind: 'poison', sequenceNumber, reason: 'INSERT without a string pk' };
  const groupUuid = groupUuidOfMessagePartition(pk);
  if (groupUuid === undefined) return { kind: 'ignored' };
  if (sequenceNumber === undefined) return { kind: 'poison', sequenceNumber, reason: 'no sequence number' };

  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, reason: 'NewImage is not a DynamoDB item' };
  }
  const { sk, message } = image;
  if (!isUuid(groupUuid)) return { kind: 'poison', sequenceNumber, reason: `pk ${pk} does not name a conversation` };
  if (!isTimestamp(sk)) return { kind: 'poison', sequenceNumber, reason: 'message sk is not a timestamp' };
  if (typeof message !== 'string') return { kind: 'poison', sequenceNumber, reason: 'message text missing' };
  return { kind: 'message', sequenceNumber, message: { message_group_uuid: groupUuid, created_at: sk, message } };
}

/** Sequence numbers are decimal strings of varying length: compare numerically. */
function compareSequenceNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
