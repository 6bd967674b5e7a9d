import {
  CreateTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type StreamViewType,
  DynamoDBServiceException,
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

export interface CliEngine {
  endpoint: string;
  port: number;
  child: import('node:child_process').ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
  alive(): boolean;
  stop(): Promise<number | null>;
}

/** Starts the engine CLI in its own process (so a crash is visible as an exit). */
export async function startCli(args: string[] = [], script?: string): Promise<CliEngine> {
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const argv = script ? [script, ...args] : [join(__dirname, '../../local/dynamodb/cli.js'), '--port', '0', ...args];
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!/listening on (http:\/\/\S+)/.test(stdout) && Date.now() < deadline && exitCode === undefined) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const endpoint = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
  if (!endpoint) throw new Error(`engine CLI did not start: ${stderr}`);
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    child,
    exited,
    stderr: () => stderr,
    alive: () => exitCode === undefined,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface RawResponse {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: string;
  json(): { __type?: string; message?: string; [k: string]: unknown };
}

const SIGNED = {
  'Content-Type': 'application/x-amz-json-1.0',
  Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
  'X-Amz-Date': '20260101T000000Z',
};

/** Sends one raw request (any body, any headers) to the engine, as a signed SDK call would look. */
export async function raw(
  endpoint: string,
  target: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const http = await import('node:http');
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { ...SIGNED, 'X-Amz-Target': target, 'Content-Length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const DDB = (op: string) => `DynamoDB_20120810.${op}`;

/** The service error a request fails with; a request that succeeds fails the test. */
export async function failure(p: Promise<unknown>): Promise<DynamoDBServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DynamoDBServiceException) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

/**
 * serverless-offline-dynamodb-streams' own poller (the real consumer `npm start` runs), pointed
 * at `endpoint` with a checkpoint file of its own and a silent log.
 */
export function streamPoller(lambda: unknown, endpoint: string, checkpointFile: string): any {
  const DynamodbStreams = require('serverless-offline-dynamodb-streams/src/dynamodb-streams');
  const quiet = { info: () => {}, notice: () => {}, warning: () => {}, debug: () => {}, error: () => {}, success: () => {} };
  return new DynamodbStreams(
    lambda,
    { endpoint, region: 'us-east-1', accessKeyId: 'local', secretAccessKey: 'local', checkpointFile },
    quiet,
  );
}
