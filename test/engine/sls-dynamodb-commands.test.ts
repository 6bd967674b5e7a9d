/**
 * `sls dynamodb start | migrate | seed` (local/dynamodb-commands.js), run as a user types
 * them: the real `sls` binary, our engine, the table from resources/table.yml, the demo seed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from '../support/ports';

const ROOT = join(__dirname, '../..');
const SLS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const TABLE = 'cruddur-messaging-dev';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function sls(args: string[]): Run {
  const child = spawn(process.execPath, [SLS, 'dynamodb', ...args], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(run: Run, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function finished(run: Run): Promise<string> {
  const code = await run.exited;
  if (code !== 0) throw new Error(`sls exited with ${code}:\n${run.output()}`);
  return run.output();
}

function client(port: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function profileCount(ddb: DynamoDBClient): Promise<number> {
  const page = await ddb.send(
    new ScanCommand({
      TableName: TABLE,
      FilterExpression: 'sk = :profile',
      ExpressionAttributeValues: { ':profile': { S: 'PROFILE' } },
    }),
  );
  return page.Count ?? 0;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sls-dynamodb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('start --migrate --seed serves the table of resources/table.yml with the demo users; migrate and seed are idempotent; Ctrl-C stops it', async () => {
  const port = await freePort();
  const engine = sls(['start', '--port', String(port), '--seed']);
  const ddb = client(port);
  try {
    await until(engine, 'Engine ready');
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['message-group-sk-index']);
    expect(Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(await profileCount(ddb)).toBe(3);

    expect(await finished(sls(['migrate', '--port', String(port)]))).toContain(`Table ${TABLE} exists`);
    expect(await finished(sls(['seed', '--port', String(port)]))).toContain(
      '0 users created (3 existed), 0 conversations created',
    );
    expect(await profileCount(ddb)).toBe(3);
  } finally {
    engine.child.kill('SIGINT');
    expect(await engine.exited).toBe(0);
    ddb.destroy();
  }
}, 90_000);

test('start --dbPath keeps the data across restarts', async () => {
  const port = await freePort();
  const dbPath = join(dir, 'data');
  const first = sls(['start', '--port', String(port), '--dbPath', dbPath, '--seed']);
  await until(first, 'Engine ready');
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = sls(['start', '--port', String(port), '--dbPath', dbPath]);
  const ddb = client(port);
  try {
    await until(second, 'Engine ready');
    expect(await profileCount(ddb)).toBe(3);
  } finally {
    second.child.kill('SIGINT');
    await second.exited;
    ddb.destroy();
  }
}, 90_000);

test('a port that is not a number is refused in one line, before anything starts', async () => {
  const run = sls(['migrate', '--port', 'eighty']);
  expect(await run.exited).not.toBe(0);
  expect(run.output()).toContain('--port must be a TCP port number, got "eighty"');
});
