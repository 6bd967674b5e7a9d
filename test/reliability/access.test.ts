/**
 * #21's attack rows for the figures table: account-takeover attempts on the local Cognito and
 * the PostConfirmation trigger, cross-origin calls to every local service, and the tokens of
 * revoked, disabled and deleted users after the profile cache's TTL (1.5 s in this suite,
 * 60 s by default: the window the README states). Each row: attempts, 0 accepted.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { cacheConfig } from '../../domain/config';
import { createUserProfile, findUserByCognitoSub, findUserByHandle } from '../../domain/users';
import { stack } from '../support/stack';
import { recordFigure } from './figures';
import { call, newClient, sleep, uniqueHandle, type Client } from './support';

const EVIL_ORIGIN = 'http://evil.example';
const PASSWORD = 'Reliable-Passw0rd';

function cognito(credentials = { accessKeyId: 'local', secretAccessKey: 'local' }) {
  return new CognitoIdentityProviderClient({
    endpoint: stack().cognitoEndpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
}

const subOf = (client: Client) =>
  JSON.parse(Buffer.from(client.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')).sub as string;

async function invoke(functionName: string, event: unknown) {
  const res = await fetch(`${stack().lambdaEndpoint}/2015-03-31/functions/cruddur-messaging-dev-${functionName}/invocations`, {
    method: 'POST',
    body: JSON.stringify(event),
  });
  return { functionError: res.headers.get('x-amz-function-error'), payload: (await res.json()) as any };
}

/** True when the promise resolves (the call was accepted). */
const succeeds = (promise: Promise<unknown>) =>
  promise.then(
    () => true,
    () => false,
  );

describe('account takeover', () => {
  test('client-written sub and verified flags, unsigned or wrongly signed admin calls and lying trigger events: 0 accepted', async () => {
    const victim = await newClient('victim');
    const victimSub = subOf(victim);
    const admin = cognito();
    const outsiders = [
      cognito({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'local' }),
      cognito({ accessKeyId: 'local', secretAccessKey: 'wrong' }),
    ];
    const attempts: Array<[string, () => Promise<boolean>]> = [];
    const signUp = (extra: Array<{ Name: string; Value: string }>) => {
      const handle = uniqueHandle('atk');
      const email = `${handle}@example.com`;
      return admin.send(
        new SignUpCommand({
          ClientId: stack().clientId,
          Username: email,
          Password: PASSWORD,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'name', Value: 'Attacker' },
            { Name: 'preferred_username', Value: handle },
            ...extra,
          ],
        }),
      );
    };
    for (const extra of [
      [{ Name: 'sub', Value: victimSub }],
      [{ Name: 'email_verified', Value: 'true' }],
      [{ Name: 'phone_number_verified', Value: 'true' }],
    ]) {
      attempts.push([`SignUp with ${extra[0]?.Name}`, () => succeeds(signUp(extra))]);
    }
    const attacker = await newClient('atk');
    for (const attribute of [
      { Name: 'email_verified', Value: 'true' },
      { Name: 'sub', Value: victimSub },
      { Name: 'phone_number_verified', Value: 'true' },
    ]) {
      attempts.push([
        `UpdateUserAttributes ${attribute.Name}`,
        () =>
          succeeds(
            admin.send(
              new UpdateUserAttributesCommand({
                AccessToken: attacker.accessToken,
                UserAttributes: [{ Name: 'email', Value: attacker.email }, attribute],
              }),
            ),
          ),
      ]);
    }
    attempts.push([
      'ListUsers unsigned',
      async () => {
        const res = await fetch(stack().cognitoEndpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers',
          },
          body: JSON.stringify({ UserPoolId: stack().userPoolId }),
        });
        return res.status < 400;
      },
    ]);
    for (const [i, outsider] of outsiders.entries()) {
      attempts.push([
        `ListUsers, credentials #${i}`,
        () => succeeds(outsider.send(new ListUsersCommand({ UserPoolId: stack().userPoolId }))),
      ]);
      attempts.push([
        `AdminUpdateUserAttributes, credentials #${i}`,
        () =>
          succeeds(
            outsider.send(
              new AdminUpdateUserAttributesCommand({
                UserPoolId: stack().userPoolId,
                Username: victim.email,
                UserAttributes: [{ Name: 'email', Value: attacker.email }],
              }),
            ),
          ),
      ]);
    }
    // Trigger events that lie: the victim's sub under the attacker's user name; a forged
    // email_verified claiming a seeded profile; a user the pool does not have.
    const trigger = (userName: string, attributes: Record<string, string>) =>
      invoke('postConfirmation', {
        version: '1',
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        region: 'us-east-1',
        userPoolId: stack().userPoolId,
        userName,
        callerContext: { awsSdkVersion: 'test', clientId: stack().clientId },
        request: { userAttributes: attributes },
        response: {},
      }).then((r) => r.functionError === null);
    const lurker = uniqueHandle('lurk');
    const lurkerSignUp = await admin.send(
      new SignUpCommand({
        ClientId: stack().clientId,
        Username: `${lurker}@example.com`,
        Password: PASSWORD,
        UserAttributes: [
          { Name: 'email', Value: `${lurker}@example.com` },
          { Name: 'name', Value: 'Lurker' },
          { Name: 'preferred_username', Value: lurker },
        ],
      }),
    );
    attempts.push([
      "trigger: victim's sub under another user",
      () =>
        trigger(lurkerSignUp.UserSub as string, {
          sub: victimSub,
          email: victim.email,
          email_verified: 'true',
          name: 'x',
          preferred_username: victim.handle,
        }),
    ]);
    const seededHandle = uniqueHandle('seed');
    const seededEmail = `${seededHandle}@example.com`;
    const seeded = await createUserProfile({ handle: seededHandle, display_name: 'Seeded', email: seededEmail });
    const claim = await admin.send(
      new SignUpCommand({
        ClientId: stack().clientId,
        Username: seededEmail,
        Password: PASSWORD,
        UserAttributes: [
          { Name: 'email', Value: seededEmail },
          { Name: 'name', Value: 'Claimer' },
          { Name: 'preferred_username', Value: seededHandle },
        ],
      }),
    );
    attempts.push([
      'trigger: forged email_verified for a seeded profile',
      () =>
        trigger(claim.UserSub as string, {
          sub: claim.UserSub as string,
          email: seededEmail,
          email_verified: 'true',
          name: 'Claimer',
          preferred_username: seededHandle,
        }),
    ]);
    const ghost = randomUUID();
    attempts.push([
      'trigger: a user the pool does not have',
      () => trigger(ghost, { sub: ghost, email: `${ghost}@example.com`, name: 'g', preferred_username: uniqueHandle('ghost') }),
    ]);

    const accepted: string[] = [];
    for (const [name, attempt] of attempts) if (await attempt()) accepted.push(name);
    const victimNow = await findUserByCognitoSub(victimSub);
    const seededNow = await findUserByHandle(seededHandle);
    const taken =
      (victimNow?.uuid === victim.uuid ? 0 : 1) +
      (seededNow?.cognito_user_id === undefined && seededNow?.uuid === seeded.uuid ? 0 : 1);
    for (const client of [admin, ...outsiders]) client.destroy();

    recordFigure({ area: 'takeover', name: 'attempts (sign-up, attributes, admin API, trigger)', value: attempts.length });
    recordFigure({ area: 'takeover', name: 'accepted', value: accepted.length, max: 0 });
    recordFigure({ area: 'takeover', name: 'profiles taken over', value: taken, max: 0 });
    expect(accepted).toEqual([]);
    expect(taken).toBe(0);
  }, 120_000);
});

describe('cross-origin calls to local services', () => {
  test('a browser origin off the allow-list gets no CORS grant anywhere, and the engine and invoke port run nothing for it', async () => {
    const s = stack();
    const evil = { origin: EVIL_ORIGIN };
    const calls: Array<[string, string, RequestInit, 'refused' | 'no-grant']> = [
      [
        'engine ListTables',
        s.dynamodbEndpoint,
        {
          method: 'POST',
          headers: { ...evil, 'content-type': 'text/plain', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
          body: '{}',
        },
        'refused',
      ],
      [
        'engine Scan, fake signature',
        s.dynamodbEndpoint,
        {
          method: 'POST',
          headers: {
            ...evil,
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.Scan',
            authorization:
              'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
          },
          body: JSON.stringify({ TableName: s.tableName }),
        },
        'refused',
      ],
      [
        'engine preflight',
        s.dynamodbEndpoint,
        { method: 'OPTIONS', headers: { ...evil, 'access-control-request-method': 'POST' } },
        'refused',
      ],
      [
        'invoke port: scan, text/plain',
        `${s.lambdaEndpoint}/2015-03-31/functions/cruddur-messaging-dev-scan/invocations`,
        { method: 'POST', headers: { ...evil, 'content-type': 'text/plain' }, body: '{}' },
        'refused',
      ],
      [
        'Cognito ListUsers',
        s.cognitoEndpoint,
        {
          method: 'POST',
          headers: {
            ...evil,
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers',
          },
          body: JSON.stringify({ UserPoolId: s.userPoolId }),
        },
        'refused',
      ],
      [
        'Cognito preflight',
        s.cognitoEndpoint,
        {
          method: 'OPTIONS',
          headers: { ...evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-amz-target' },
        },
        'no-grant',
      ],
      ['API public lookup', `${s.apiUrl}/api/users/@nobody/short`, { headers: evil }, 'no-grant'],
      [
        'API preflight',
        `${s.apiUrl}/api/message_groups`,
        {
          method: 'OPTIONS',
          headers: { ...evil, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        },
        'no-grant',
      ],
    ];
    const accepted: string[] = [];
    for (const [name, url, init, expected] of calls) {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      const grant = res.headers.get('access-control-allow-origin');
      if (grant === '*' || grant === EVIL_ORIGIN) accepted.push(`${name}: CORS grant ${grant}`);
      if (expected === 'refused' && res.status < 400) accepted.push(`${name}: ${res.status}`);
    }
    recordFigure({ area: 'origins', name: 'cross-origin calls (engine, invoke port, Cognito, API)', value: calls.length });
    recordFigure({ area: 'origins', name: 'accepted or granted CORS', value: accepted.length, max: 0 });
    expect(accepted).toEqual([]);
  });
});

describe('revoked, disabled and deleted users', () => {
  test("once the profile cache's TTL has passed, their earlier tokens are refused on every route and at $connect", async () => {
    const ttlMs = cacheConfig().profileTtlMs;
    const other = await newClient('peer');
    const accepted: string[] = [];
    let tried = 0;
    for (const action of ['revoke-tokens', 'disable', 'delete'] as const) {
      const user = await newClient('rev');
      // Warm: each route's container now holds the profile in its cache.
      expect((await call('GET', '/api/message_groups', { token: user.accessToken })).status).toBe(200);
      const res = await invoke('userAccess', { handle: user.handle, action });
      expect(res.functionError).toBeNull();
      await sleep(ttlMs + 300);
      const replies = [
        await call('GET', '/api/message_groups', { token: user.accessToken }),
        await call('GET', `/api/messages/${randomUUID()}`, { token: user.accessToken }),
        await call('POST', '/api/messages', {
          token: user.accessToken,
          json: { handle: other.handle, message: 'after revocation' },
        }),
      ];
      for (const [i, reply] of replies.entries()) {
        tried++;
        if (reply.status !== 401) accepted.push(`${action} route ${i} → ${reply.status}`);
      }
      tried++;
      const connected = await new Promise<boolean>((resolve) => {
        const socket = new WebSocket(stack().websocketUrl, ['cruddur.v1', user.accessToken]);
        socket.onopen = () => {
          socket.close();
          resolve(true);
        };
        socket.onerror = () => resolve(false);
      });
      if (connected) accepted.push(`${action} $connect`);
    }
    recordFigure({ area: 'revocation', name: 'profile cache TTL here (the window; 60 s by default)', value: ttlMs, unit: 'ms' });
    recordFigure({ area: 'revocation', name: 'revoked/disabled/deleted token attempts after it', value: tried });
    recordFigure({ area: 'revocation', name: 'accepted', value: accepted.length, max: 0 });
    expect(accepted).toEqual([]);
  }, 120_000);
});
