/**
 * Reconnect after a restart of the whole offline stack (`npm run start:persist`: the engine's
 * and cognito-local's data kept on disk). Its own stack, started twice on one data folder:
 * sockets of the first run are closed by the restart, a client that reconnects (with a fresh
 * token) gets the new events and none of the old ones, and registry items left by the first
 * run are removed when a push finds them gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { resetConfigForTests } from '../../domain/config';
import { db, resetDynamoClientForTests, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { findUserByHandle } from '../../domain/users';
import { login, signUpUsers } from '../../local/cognito';
import { startStack, type RunningStack } from '../support/stack';

const WAIT_MS = 15_000;
type Frame = { type: string; message?: { uuid: string } };

function listen(url: string, token: string): Promise<{ frames: Frame[]; closed: Promise<void>; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['cruddur.v1', token]);
    const frames: Frame[] = [];
    const closed = new Promise<void>((done) => socket.addEventListener('close', () => done()));
    socket.onmessage = (event) => frames.push(JSON.parse(String(event.data)) as Frame);
    socket.onopen = () => resolve({ frames, closed, socket });
    socket.onerror = () => reject(new Error('connection refused'));
  });
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function useEngineOf(stack: RunningStack): void {
  Object.assign(process.env, { TABLE_NAME: stack.tableName, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, AWS_REGION: 'us-east-1' });
  resetConfigForTests();
  resetDynamoClientForTests();
}

async function connectionsOf(userUuid: string): Promise<string[]> {
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.userConnectionsPartition(userUuid) },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => String(item.connection_id));
}

const users = ['ada', 'ben'].map((name) => ({
  email: `${name}.restart@example.com`,
  password: 'Restart-Passw0rd!',
  handle: `${name}_restart`,
  display_name: name,
}));
const tokenOf = async (stack: RunningStack, i: number) =>
  (
    await login({
      endpoint: stack.cognitoEndpoint,
      clientId: stack.clientId,
      email: users[i]?.email as string,
      password: users[i]?.password as string,
    })
  ).accessToken;
const post = async (stack: RunningStack, token: string, json: object) => {
  const response = await fetch(`${stack.apiUrl}/api/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { uuid: string; message_group_uuid?: string };
};

let dir: string;
let running: RunningStack | undefined;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cruddur-ws-restart-'));
});
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('after a stack restart a client reconnects and gets new events only; stale connections of the old run are cleaned up', async () => {
  running = await startStack({ dataDir: dir });
  const first = running;
  await signUpUsers({ endpoint: first.cognitoEndpoint, userPoolId: first.userPoolId, clientId: first.clientId, users });
  const [ada1, ben1] = [await tokenOf(first, 0), await tokenOf(first, 1)];
  const before = await listen(first.websocketUrl, ben1);
  const opening = await post(first, ada1, { handle: users[1]?.handle, message: 'before the restart' });
  const group = opening.message_group_uuid as string;
  await until('the first message at ben', () => before.frames.some((f) => f.message?.uuid === opening.uuid));

  await first.stop();
  running = undefined;
  await before.closed;

  running = await startStack({ dataDir: dir });
  const second = running;
  useEngineOf(second);
  const ben = await findUserByHandle(users[1]?.handle as string);
  if (!ben) throw new Error("ben's profile did not survive the restart");
  const [ada2, ben2] = [await tokenOf(second, 0), await tokenOf(second, 1)];
  const after = await listen(second.websocketUrl, ben2);
  await until('the reconnect registered', async () => (await connectionsOf(ben.uuid)).length >= 1);

  const later = await post(second, ada2, { message_group_uuid: group, message: 'after the restart' });
  await until('the new message at the reconnected socket', () => after.frames.some((f) => f.message?.uuid === later.uuid));
  expect(after.frames.filter((f) => f.message?.uuid === opening.uuid)).toEqual([]);
  // Whatever the first run left in the registry is gone once a push has found it gone.
  await until('only the live connection left', async () => (await connectionsOf(ben.uuid)).length === 1);
  after.socket.close();
}, 90_000);
