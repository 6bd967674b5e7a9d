/**
 * Offline stand-in for the failure handling of Lambda's event source mapping, which the
 * stream emulator (serverless-offline-dynamodb-streams) does not have: it ignores partial
 * batch responses and cannot reach SQS. Used only when domain/config.ts `offlineStreamConfig`
 * says we run under serverless-offline.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { logger } from '../logger';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';


/** As serverless.yml's `maximumRetryAttempts`. */
const MAX_RETRY_ATTEMPTS = 5;
const OFFLINE_RETRY_BASE_MS = 250;

/** Sequence numbers are decimal strings of varying length: compare numerically. */
export function compareSequenceNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Offline stand-in for the event source mapping's failure handling: retries from the lowest
 * reported failure (what Lambda redelivers), backoff 250 ms doubling (≈ 8 s in all, inside
 * the function's timeout, long enough to ride out a local engine restart), then one DLQ line
 * shaped like Lambda's on-failure record for a stream (`DDBStreamBatchInfo`) plus, locally
 * only, the failed records themselves. Returns success so the emulator moves on.
 */
export async function offlineEventSourceMapping(
  event: DynamoDBStreamEvent,
  config: { dlqFile: string },
  processBatch: (records: DynamoDBRecord[]) => Promise<DynamoDBBatchResponse>,
): Promise<DynamoDBBatchResponse> {
  let records = event.Records ?? [];
  for (let invokeCount = 1; ; invokeCount++) {
    let failures: string[];
    try {
      failures = (await processBatch(records)).batchItemFailures.map((f) => f.itemIdentifier);
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
