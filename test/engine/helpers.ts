import {
  CreateTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { start, type Engine, type StartOptions } from '../../local/dynamodb';

export interface Harness {
  engine: Engine;
  ddb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  stop(): Promise<void>;
}

export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
}

/** Starts an engine on a free port and SDK clients pointed at it. */
export async function startHarness(options: StartOptions = {}): Promise<Harness> {
  const engine = await start({ port: 0, ...options });
  const ddb = new DynamoDBClient(clientConfig(engine.endpoint));
  const streams = new DynamoDBStreamsClient(clientConfig(engine.endpoint));
  return {
    engine,
    ddb,
    streams,
    async stop() {
      ddb.destroy();
      streams.destroy();
      await engine.stop();
    },
  };
}

let counter = 0;
/** A unique table name per call. */
export function tableName(prefix = 'tbl'): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now().toString(36)}`;
}

/** Creates a table keyed by pk (S) [+ sk (S)], optionally with a stream. */
export async function createTable(
  ddb: DynamoDBClient,
  name: string,
  opts: { sortKey?: boolean; stream?: StreamViewType; gsi?: boolean } = {},
): Promise<CreateTableCommandInput> {
  const attrs: AttributeDefinition[] = [{ AttributeName: 'pk', AttributeType: 'S' }];
  if (opts.sortKey) attrs.push({ AttributeName: 'sk', AttributeType: 'S' });
  if (opts.gsi) attrs.push({ AttributeName: 'gpk', AttributeType: 'S' });
  const input: CreateTableCommandInput = {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attrs,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      ...(opts.sortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : []),
    ],
    ...(opts.gsi
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'gsi1',
              KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' as const }],
              Projection: { ProjectionType: 'ALL' as const },
            },
          ],
        }
      : {}),
    ...(opts.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: opts.stream } } : {}),
  };
  await ddb.send(new CreateTableCommand(input));
  return input;
}

export const S = (s: string) => ({ S: s });
export const N = (n: number | string) => ({ N: String(n) });
