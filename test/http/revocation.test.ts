/**
 * #21 item 3 on the offline stack: after the `userAccess` ops function (invoked on
 * serverless-offline's Lambda port, as `sls invoke -f userAccess` would) revokes a user's
 * sessions, disables or deletes the user, that user's existing access tokens are refused by
 * the HTTP API and at WebSocket `$connect`. The users here have not called the API before the
 * change, so no warm container holds their profile; how long a cached profile may lag (the
 * 60 s TTL) is the reliability suite's row.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { listConnections } from '../../domain/connections';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { api, login, stack } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

const FUNCTION = 'cruddur-messaging-dev-userAccess';

async function userAccess(input: unknown): Promise<{ functionError: string | null; payload: any }> {
  const res = await fetch(`${stack().lambdaEndpoint}/2015-03-31/functions/${FUNCTION}/invocations`, {
    method: 'POST',
    body: JSON.stringify(input),
  });
  return { functionError: res.headers.get('x-amz-function-error'), payload: await res.json() };
}

/** `tokens_valid_after` is the next whole second: a sign-in after it counts as new. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

function connect(token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(stack().websocketUrl, ['cruddur.v1', token]);
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error('connection refused'));
  });
}

async function expectRefused(user: SignedInUser, token = user.token) {
  expect((await api('GET', '/api/message_groups', { token })).status).toBe(401);
  expect((await api('POST', '/api/messages', { token, json: { handle: 'nobody_here', message: 'still here?' } })).status).toBe(
    401,
  );
  await expect(connect(token)).rejects.toThrow('connection refused');
}

test('local access and ID tokens live 10 minutes, as resources/cognito.yml makes them deployed', async () => {
  const user = await signedInUser();
  for (const token of [user.token, user.idToken]) {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(600);
  }
});

describe('userAccess: revoked, disabled and deleted users', () => {
  test('revoke-tokens: the tokens of earlier sign-ins are refused (HTTP and $connect); a new sign-in works', async () => {
    const user = await signedInUser();
    const res = await userAccess({ handle: user.handle, action: 'revoke-tokens' });
    expect([res.functionError, res.payload.errorMessage]).toEqual([null, undefined]);
    expect(res.payload).toMatchObject({ uuid: user.profile.uuid, state: 'enabled', tokens_valid_after: expect.any(Number) });
    await expectRefused(user);
    await nextSecond();
    const fresh = await login(user.email, user.password);
    expect((await api('GET', '/api/message_groups', { token: fresh.accessToken })).status).toBe(200);
  });

  test('disable: every token is refused, a sign-in after it too', async () => {
    const user = await signedInUser();
    expect((await userAccess({ handle: user.handle, action: 'disable' })).payload.state).toBe('disabled');
    await expectRefused(user);
    await nextSecond();
    const during = await login(user.email, user.password);
    await expectRefused(user, during.accessToken);
  });

  test('enable after disable: a new sign-in is let in, the token from before stays refused', async () => {
    // No API call between the two changes: a warm container would otherwise hold the disabled
    // profile for up to the cache TTL (that window is what the README states).
    const user = await signedInUser();
    await userAccess({ handle: user.handle, action: 'disable' });
    expect((await userAccess({ handle: user.handle, action: 'enable' })).payload.state).toBe('enabled');
    await nextSecond();
    const fresh = await login(user.email, user.password);
    expect((await api('GET', '/api/message_groups', { token: user.token })).status).toBe(401);
    expect((await api('GET', '/api/message_groups', { token: fresh.accessToken })).status).toBe(200);
  });

  test('delete: the user cannot start a conversation; the handle stays reserved and is not found for others', async () => {
    const user = await signedInUser();
    const other = await signedInUser();
    expect((await userAccess({ handle: user.handle, action: 'delete' })).payload.state).toBe('deleted');
    const attempt = await api('POST', '/api/messages', { token: user.token, json: { handle: other.handle, message: 'hi' } });
    expect(attempt.status).toBe(401);
    expect((await api('GET', '/api/message_groups', { token: other.token })).body).toEqual([]);
    const toDeleted = await api('POST', '/api/messages', { token: other.token, json: { handle: user.handle, message: 'hi' } });
    expect(toDeleted.status).toBe(404);
    expect((await api('GET', `/api/users/@${user.handle}/short`)).status).toBe(404);
    // Reserved: the handle item is still there, so no sign-up or profile can take it.
    const { Item } = await db().send(
      new GetCommand({ TableName: tableName(), Key: keys.userHandle(user.handle), ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ uuid: user.profile.uuid, deleted_at: expect.any(String) });
    // Final: a deleted user cannot be re-enabled.
    const enable = await userAccess({ handle: user.handle, action: 'enable' });
    expect(enable.functionError).toBeTruthy();
  });

  test("revoking forgets the user's WebSocket connections, so nothing more is pushed to them", async () => {
    const user = await signedInUser();
    const socket = await connect(user.token);
    try {
      expect(await listConnections(user.profile.uuid)).toHaveLength(1);
      const res = await userAccess({ handle: user.handle, action: 'revoke-tokens' });
      expect(res.payload.connections_forgotten).toBe(1);
      expect(await listConnections(user.profile.uuid)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  test('bad input is refused and changes nothing', async () => {
    const user = await signedInUser();
    for (const input of [
      { handle: user.handle, action: 'obliterate' },
      { action: 'delete' },
      { handle: 'no_such_user_x', action: 'delete' },
    ]) {
      expect((await userAccess(input)).functionError).toBeTruthy();
    }
    expect((await api('GET', '/api/message_groups', { token: user.token })).status).toBe(200);
  });
});
