/**
 * #21 item 1, the account-takeover attacks on the local stack, each replayed against the
 * running local Cognito and the offline PostConfirmation trigger: a sign-up carrying the
 * victim's `sub`, a client-declared `email_verified`, an unverified email change, the admin
 * API without (or with the wrong) credentials, and a trigger event that lies about the user.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  CreateUserPoolCommand,
  DeleteUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { syncCognitoUsers } from '../../domain/cognito-users';
import { createUserProfile, findUserByCognitoSub, findUserByHandle } from '../../domain/users';
import { stack } from '../support/stack';
import { newTestUser, PASSWORD, signedInUser } from './users';

const FUNCTION = 'cruddur-messaging-dev-postConfirmation';

function cognito(credentials = { accessKeyId: 'local', secretAccessKey: 'local' }): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: stack().cognitoEndpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
}

const admin = cognito();
afterAll(() => admin.destroy());

function signUpWith(email: string, handle: string, extra: AttributeType[] = []) {
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
}

async function cognitoAttributes(username: string): Promise<Record<string, string>> {
  const user = await admin.send(new AdminGetUserCommand({ UserPoolId: stack().userPoolId, Username: username }));
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
}

/** The PostConfirmation event Cognito would send for `userName`, with `attributes` as claimed. */
async function invokeTrigger(userName: string, attributes: Record<string, string>) {
  const event = {
    version: '1',
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    region: 'us-east-1',
    userPoolId: stack().userPoolId,
    userName,
    callerContext: { awsSdkVersion: 'test', clientId: stack().clientId },
    request: { userAttributes: attributes },
    response: {},
  };
  const res = await fetch(`${stack().lambdaEndpoint}/2015-03-31/functions/${FUNCTION}/invocations`, {
    method: 'POST',
    body: JSON.stringify(event),
  });
  return { functionError: res.headers.get('x-amz-function-error'), payload: (await res.json()) as { errorMessage?: string } };
}

describe('local Cognito: what a client may not write', () => {
  test("a sign-up carrying the victim's sub is refused, and the victim's profile stays theirs", async () => {
    const victim = await signedInUser('Victim');
    const sub = victim.profile.cognito_user_id as string;
    const attacker = newTestUser('Attacker');
    await expect(signUpWith(attacker.email, attacker.handle, [{ Name: 'sub', Value: sub }])).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'A client attempted to write unauthorized attribute',
    });
    await expect(
      admin.send(new AdminGetUserCommand({ UserPoolId: stack().userPoolId, Username: attacker.email })),
    ).rejects.toMatchObject({
      name: 'UserNotFoundException',
    });
    expect((await findUserByCognitoSub(sub))?.uuid).toBe(victim.profile.uuid);
  });

  test.each(['email_verified', 'phone_number_verified'])('a sign-up declaring %s=true is refused', async (name) => {
    const attacker = newTestUser();
    await expect(signUpWith(attacker.email, attacker.handle, [{ Name: name, Value: 'true' }])).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });

  test.each([
    ['email_verified', 'true'],
    ['sub', randomUUID()],
    ['phone_number_verified', 'true'],
  ])('a signed-in user cannot set %s with UpdateUserAttributes', async (name, value) => {
    const user = await signedInUser();
    const before = await cognitoAttributes(user.email);
    await expect(
      admin.send(
        new UpdateUserAttributesCommand({
          AccessToken: user.token,
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: name, Value: value },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    expect(await cognitoAttributes(user.email)).toEqual(before);
  });

  test('a signed-in user cannot delete sub or a verified flag with DeleteUserAttributes', async () => {
    const user = await signedInUser();
    const before = await cognitoAttributes(user.email);
    for (const name of ['sub', 'email_verified', 'phone_number_verified']) {
      await expect(
        admin.send(new DeleteUserAttributesCommand({ AccessToken: user.token, UserAttributeNames: [name] })),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
    expect(await cognitoAttributes(user.email)).toEqual(before);
  });

  test("malformed calls get a 4xx in Cognito's error shape, and the local Cognito keeps answering", async () => {
    const post = (target: string, body: string) =>
      fetch(stack().cognitoEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
        body,
      });
    for (const [target, body, type] of [
      ['SignUp', '{"ClientId":', 'SerializationException'],
      ['SignUp', '[1,2]', 'SerializationException'],
      ['SignUp', JSON.stringify({ ClientId: stack().clientId, UserAttributes: 'sub=1' }), 'InvalidParameterException'],
      ['DeleteUserAttributes', JSON.stringify({ AccessToken: 'x', UserAttributeNames: 'sub' }), 'InvalidParameterException'],
      ['ListUsers', 'x'.repeat(1024 * 1024 + 1), 'InvalidParameterException'],
    ] as const) {
      const res = await post(target, body);
      expect([target, res.status >= 400 && res.status < 500]).toEqual([target, true]);
      expect(((await res.json()) as { __type: string }).__type).toBe(type);
    }
    const { Users } = await admin.send(new ListUsersCommand({ UserPoolId: stack().userPoolId, Limit: 1 }));
    expect(Users).toBeDefined();
  });

  test('a changed email takes effect only once its code is verified: until then the old, verified address stays', async () => {
    const user = await signedInUser();
    const other = `new-${randomUUID()}@example.com`;
    await admin.send(
      new UpdateUserAttributesCommand({ AccessToken: user.token, UserAttributes: [{ Name: 'email', Value: other }] }),
    );
    const after = await cognitoAttributes(user.email);
    expect(after.email).toBe(user.email);
    expect(after.email_verified).toBe('true');
  });
});

describe('local Cognito: admin calls need the local credentials', () => {
  test('ListUsers unsigned is refused (403) and lists nobody', async () => {
    const res = await fetch(stack().cognitoEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers' },
      body: JSON.stringify({ UserPoolId: stack().userPoolId }),
    });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(JSON.parse(text).__type).toBe('MissingAuthenticationTokenException');
    expect(text).not.toContain('@example.com');
  });

  test.each([
    ['another access key', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'local' }, 'UnrecognizedClientException'],
    ['the wrong secret', { accessKeyId: 'local', secretAccessKey: 'not-local' }, 'InvalidSignatureException'],
  ])('ListUsers and AdminUpdateUserAttributes signed with %s are refused', async (_what, credentials, name) => {
    const user = await signedInUser();
    const intruder = cognito(credentials);
    try {
      await expect(intruder.send(new ListUsersCommand({ UserPoolId: stack().userPoolId }))).rejects.toMatchObject({
        name,
        $metadata: { httpStatusCode: 403 },
      });
      await expect(
        intruder.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: stack().userPoolId,
            Username: user.email,
            UserAttributes: [{ Name: 'name', Value: 'Owned' }],
          }),
        ),
      ).rejects.toMatchObject({ name });
    } finally {
      intruder.destroy();
    }
    expect((await cognitoAttributes(user.email)).name).toBe(user.display_name);
  });

  test('with the local credentials ListUsers answers', async () => {
    const user = await signedInUser();
    const { Users } = await admin.send(
      new ListUsersCommand({ UserPoolId: stack().userPoolId, Filter: `email = "${user.email}"` }),
    );
    expect(Users?.map((u) => u.Username)).toHaveLength(1);
  });
});

describe('PostConfirmation reads the user back from Cognito', () => {
  test("an event naming the attacker but carrying the victim's sub links nothing", async () => {
    const victim = await signedInUser('Victim');
    const attacker = newTestUser('Attacker');
    const { UserSub } = await signUpWith(attacker.email, attacker.handle);
    const res = await invokeTrigger(UserSub as string, {
      sub: victim.profile.cognito_user_id as string,
      email: attacker.email,
      email_verified: 'true',
      name: 'Attacker',
      preferred_username: attacker.handle,
    });
    expect(res.functionError).toBeTruthy();
    expect(res.payload.errorMessage).toBe(
      'Cannot create your Cruddur profile: the confirmed user is not the one the event names',
    );
    expect(await findUserByHandle(attacker.handle)).toBeUndefined();
    expect((await findUserByCognitoSub(victim.profile.cognito_user_id as string))?.uuid).toBe(victim.profile.uuid);
  });

  test('an event declaring email_verified=true does not claim a seeded profile when Cognito has not verified the email', async () => {
    const seeded = newTestUser('Seeded');
    const profile = await createUserProfile({ handle: seeded.handle, display_name: 'Seeded', email: seeded.email });
    // The attacker signs up with the seeded address (PreSignUp admits it: the email matches)
    // but cannot read its mail, so Cognito never marks it verified.
    const { UserSub } = await signUpWith(seeded.email, seeded.handle);
    expect((await cognitoAttributes(seeded.email)).email_verified).not.toBe('true');
    const res = await invokeTrigger(UserSub as string, {
      sub: UserSub as string,
      email: seeded.email,
      email_verified: 'true',
      name: 'Seeded',
      preferred_username: seeded.handle,
    });
    expect(res.payload.errorMessage).toBe(`Cannot create your Cruddur profile: handle "${seeded.handle}" is taken`);
    expect((await findUserByHandle(seeded.handle))?.cognito_user_id).toBeUndefined();
    expect((await findUserByHandle(seeded.handle))?.uuid).toBe(profile.uuid);
  });

  test("a pool user carrying the victim's sub (as a sign-up from before the guard left one) gets no profile", async () => {
    const victim = await signedInUser('Victim');
    const victimSub = victim.profile.cognito_user_id as string;
    const twin = newTestUser('Twin');
    // Only an admin can still write a sub; cognito-local keys the user by a fresh id.
    const { User } = await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: stack().userPoolId,
        Username: twin.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: twin.email },
          { Name: 'preferred_username', Value: twin.handle },
          { Name: 'name', Value: 'Twin' },
          { Name: 'sub', Value: victimSub },
        ],
      }),
    );
    const res = await invokeTrigger(User?.Username as string, {
      sub: victimSub,
      email: twin.email,
      name: 'Twin',
      preferred_username: twin.handle,
    });
    expect(res.payload.errorMessage).toBe('Cannot create your Cruddur profile: this Cognito user id is not unique in the pool');
    expect(await findUserByHandle(twin.handle)).toBeUndefined();
  });

  test('an event for a user the pool does not have creates nothing', async () => {
    const ghost = newTestUser('Ghost');
    const sub = randomUUID();
    const res = await invokeTrigger(sub, { sub, email: ghost.email, name: 'Ghost', preferred_username: ghost.handle });
    expect(res.payload.errorMessage).toBe('Cannot create your Cruddur profile: the pool has no such user');
    expect(await findUserByHandle(ghost.handle)).toBeUndefined();
    expect(await findUserByCognitoSub(sub)).toBeUndefined();
  });
});

describe('syncCognitoUsers', () => {
  test('links no user whose sub another pool user also carries, and still links the others', async () => {
    // A pool of its own, so the walk sees only this test's users.
    const { UserPool } = await admin.send(
      new CreateUserPoolCommand({ PoolName: `sync-${randomUUID()}`, UsernameAttributes: ['email'] }),
    );
    const poolId = UserPool?.Id as string;
    const confirmedUser = async (user: { email: string; handle: string }, sub?: string) => {
      await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: user.email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: 'Synced' },
            { Name: 'preferred_username', Value: user.handle },
            ...(sub ? [{ Name: 'sub', Value: sub }] : []),
          ],
        }),
      );
      await admin.send(
        new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: user.email, Password: PASSWORD, Permanent: true }),
      );
    };
    // A seeded profile, and two pool users sharing one sub: the first with the seeded email.
    const seeded = newTestUser('Seeded');
    const profile = await createUserProfile({ handle: seeded.handle, display_name: 'Seeded', email: seeded.email });
    const shared = randomUUID();
    await confirmedUser(seeded, shared);
    await confirmedUser(newTestUser(), shared);
    const honest = newTestUser();
    await confirmedUser(honest);

    const summary = await syncCognitoUsers(poolId);
    expect(summary.skipped.filter((s) => s.reason === 'its sub is not a Cognito user id of its own')).toHaveLength(2);
    expect(summary.created).toBe(1);
    expect(await findUserByHandle(seeded.handle)).toEqual(profile);
    expect(await findUserByCognitoSub(shared)).toBeUndefined();
    expect((await findUserByHandle(honest.handle))?.cognito_user_id).toEqual(expect.any(String));
  });
});
