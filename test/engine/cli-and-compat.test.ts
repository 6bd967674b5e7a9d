import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { clientConfig, createTable, N, S, startHarness, tableName, type Harness } from './helpers';

const CLI = join(__dirname, '../../local/dynamodb/cli.js');

function runCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

describe('CLI', () => {
  test('starts on the requested port, serves the SDK, and exits 0 on SIGTERM', async () => {
    const cli = runCli(['--port', '0']);
    const deadline = Date.now() + 10_000;
    while (!/listening on (http:\/\/\S+)/.test(cli.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const endpoint = /listening on (http:\/\/\S+)/.exec(cli.out())?.[1] ?? '';
    const client = new DynamoDBClient(clientConfig(endpoint));
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exited).toBe(0);
  });

  test('a port already in use gives a one-line error and exit code 1', async () => {
    const cli = runCli(['--port', String(h.engine.port)]);
    expect(await cli.exited).toBe(1);
    expect(cli.err().trim()).toBe(`dynamodb engine: port ${h.engine.port} is already in use`);
  });
});

describe('dynalite operations pass through unchanged', () => {
  test('conditional PutItem failure raises ConditionalCheckFailedException; UpdateItem, Query on a GSI and BatchGetItem behave as in dynalite', async () => {
    const t = tableName('compat');
    await createTable(h.ddb, t, { gsi: true, stream: 'NEW_IMAGE' });
    await h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a'), gpk: S('g'), n: N(1) } }));
    await expect(
      h.ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('a') }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const upd = await h.ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('a') },
        UpdateExpression: 'ADD n :one',
        ExpressionAttributeValues: { ':one': N(1) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(upd.Attributes).toEqual({ pk: S('a'), gpk: S('g'), n: N(2) });
    const q = await h.ddb.send(
      new QueryCommand({
        TableName: t,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': S('g') },
      }),
    );
    expect(q.Items).toEqual([{ pk: S('a'), gpk: S('g'), n: N(2) }]);
    const b = await h.ddb.send(new BatchGetItemCommand({ RequestItems: { [t]: { Keys: [{ pk: S('a') }, { pk: S('zz') }] } } }));
    expect(b.Responses?.[t]).toEqual([{ pk: S('a'), gpk: S('g'), n: N(2) }]);
  });
});
