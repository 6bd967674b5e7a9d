/**
 * Real stream events for handler tests: records are read from the local engine's DynamoDB
 * stream (DescribeTable → LatestStreamArn → GetShardIterator → GetRecords) and converted
 * to the JSON Lambda delivers to a stream consumer (epoch-seconds ApproximateCreationDateTime,
 * base64 binaries, eventSourceARN = the stream ARN), never written by hand.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
  type AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamoConfig } from '../../domain/config';

export interface StreamTap {
  streamArn: string;
  /** Every record written since the tap was opened (or last read), in stream order. */
  read(): Promise<DynamoDBRecord[]>;
  close(): void;
}

function clients() {
  const { endpoint, region } = dynamoConfig();
  const config = { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  return { dynamodb: new DynamoDBClient(config), streams: new DynamoDBStreamsClient(config) };
}

/** Opens the table's stream at LATEST: the tap sees only what is written after this call. */
export async function tapStream(): Promise<StreamTap> {
  const { dynamodb, streams } = clients();
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: dynamoConfig().tableName }));
  dynamodb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error('the table has no stream');
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const open = (StreamDescription?.Shards ?? []).filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber);
  if (open.length !== 1 || !open[0]?.ShardId) throw new Error(`expected one open shard, found ${open.length}`);
  let iterator = (
    await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: open[0].ShardId, ShardIteratorType: 'LATEST' }),
    )
  ).ShardIterator;

  return {
    streamArn,
    async read() {
      const records: DynamoDBRecord[] = [];
      // Writes awaited before read() are already in the stream: read until a page is empty.
      for (;;) {
        if (!iterator) throw new Error('the shard was closed while reading');
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        iterator = page.NextShardIterator;
        const batch = page.Records ?? [];
        records.push(...batch.map((record) => toLambdaRecord(record, streamArn)));
        if (batch.length === 0) return records;
      }
    },
    close: () => streams.destroy(),
  };
}

/** A GetRecords record as Lambda hands it to the function (JSON, not SDK objects). */
export function toLambdaRecord(record: SdkRecord, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  const created = change.ApproximateCreationDateTime;
  return JSON.parse(
    JSON.stringify({
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion,
      eventSource: record.eventSource,
      awsRegion: record.awsRegion,
      dynamodb: {
        ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
        ...(change.Keys ? { Keys: toJsonImage(change.Keys) } : {}),
        ...(change.NewImage ? { NewImage: toJsonImage(change.NewImage) } : {}),
        ...(change.OldImage ? { OldImage: toJsonImage(change.OldImage) } : {}),
        SequenceNumber: change.SequenceNumber,
        SizeBytes: change.SizeBytes,
        StreamViewType: change.StreamViewType,
      },
      eventSourceARN: streamArn,
    }),
  );
}

function toJsonImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toJsonValue(value)]));
}

function toJsonValue(value: SdkAttributeValue): AttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  return value as AttributeValue;
}

export function streamEvent(records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}

/** The partition key of a record (every item of ours has a string pk). */
export function pkOf(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.pk?.S ?? '';
}

export function sequenceNumberOf(record: DynamoDBRecord): string {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (!sequenceNumber) throw new Error('record without a sequence number');
  return sequenceNumber;
}
