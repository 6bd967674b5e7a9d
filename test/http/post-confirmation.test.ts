/** The PostConfirmation trigger, invoked through serverless-offline's Lambda endpoint like cognito-local does. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { createUserProfile, findUserByCognitoSub, findUserByHandle } from '../../domain/users';
import { stack } from '../support/stack';
import { newTestUser, PASSWORD, signedInUser } from './users';

const FUNCTION = 'cruddur-messaging-dev-postConfirmation';

/**
 * A user signed up in the local Cognito but not confirmed, as the trigger finds them
 * (the trigger reads the user back from Cognito); `handle` may be set afterwards by an admin,
 * past the PreSignUp check.
 */
async function unconfirmedCognitoUser(user: { email: string; handle: string; display_name: string }, handle = user.handle) {
  const client = new CognitoIdentityProviderClient({
    endpoint: stack().cognitoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { UserSub } = await client.send(
      new SignUpCommand({
        ClientId: stack().clientId,
        Username: user.email,
        Password: PASSWORD,
        UserAttributes: [
          { Name: 'email', Value: user.email },
          { Name: 'name', Value: user.display_name },
          { Name: 'preferred_username', Value: user.handle },
        ],
      }),
    );
    if (handle !== user.handle) {
      await client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: stack().userPoolId,
          Username: user.email,
          UserAttributes: [{ Name: 'preferred_username', Value: handle }],
        }),
      );
    }
    const attributes = { sub: UserSub as string, email: user.email, name: user.display_name, preferred_username: handle };
    return attributes;
  } finally {
    client.destroy();
  }
}

async function invokeTrigger(
  attributes: Record<string, string>,
): Promise<{ status: number; functionError: string | null; payload: any }> {
  const event = {
    version: '1',
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    region: 'us-east-1',
    userPoolId: stack().userPoolId,
    userName: attributes.sub,
    callerContext: { awsSdkVersion: 'test', clientId: stack().clientId },
    request: { userAttributes: attributes },
    response: {},
  };
  const res = await fetch(`${stack().lambdaEndpoint}/2015-03-31/functions/${FUNCTION}/invocations`, {
    method: 'POST',
    body: JSON.stringify(event),
  });
  return { status: res.status, functionError: res.headers.get('x-amz-function-error'), payload: await res.json() };
}

describe('PostConfirmation trigger', () => {
  test('signing up through Cognito creates the profile: handle from preferred_username, name, email, sub', async () => {
    const user = await signedInUser('Signed Up');
    const profile = await findUserByHandle(user.handle);
    expect(profile).toMatchObject({ handle: user.handle, display_name: 'Signed Up', email: user.email });
    expect(profile?.cognito_user_id).toEqual(expect.any(String));
    expect(await findUserByCognitoSub(profile!.cognito_user_id!)).toEqual(profile);
  });

  test('invoked twice for the same user it creates the profile exactly once', async () => {
    const user = newTestUser('Twice');
    const attributes = await unconfirmedCognitoUser(user);
    const first = await invokeTrigger(attributes);
    const second = await invokeTrigger(attributes);
    expect([first.functionError, second.functionError]).toEqual([null, null]);
    const profile = await findUserByHandle(user.handle);
    expect(profile).toBeDefined();
    const bySub = await findUserByCognitoSub(attributes.sub);
    expect(bySub?.uuid).toBe(profile?.uuid);
    const { Item } = await db().send(
      new GetCommand({ TableName: tableName(), Key: keys.userProfile(profile!.uuid), ConsistentRead: true }),
    );
    expect(Item?.cognito_user_id).toBe(attributes.sub);
  });

  test('a handle taken by someone else fails the trigger with a clear message and changes nothing', async () => {
    const owner = await signedInUser('Owner');
    const intruder = await unconfirmedCognitoUser(
      { email: `other-${randomUUID()}@example.com`, handle: newTestUser().handle, display_name: 'Intruder' },
      owner.handle,
    );
    const res = await invokeTrigger(intruder);
    expect(res.functionError).toBeTruthy();
    expect(res.payload.errorMessage).toBe(`Cannot create your Cruddur profile: handle "${owner.handle}" is taken`);
    expect(await findUserByCognitoSub(intruder.sub)).toBeUndefined();
    expect((await findUserByHandle(owner.handle))?.uuid).toBe(owner.profile.uuid);
  });

  describe('a client sign-up confirmed with the emailed code', () => {
    const client = () =>
      new CognitoIdentityProviderClient({
        endpoint: stack().cognitoEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
    /** The code cognito-local "emailed" (it prints it; here read from its data folder). */
    const confirmationCode = (username: string): string =>
      JSON.parse(readFileSync(path.join(stack().cognitoDataDir, `${stack().userPoolId}.json`), 'utf8')).Users[username]
        .ConfirmationCode;

    async function seededSignUp() {
      const seeded = newTestUser('Seeded Before');
      const profile = await createUserProfile({ handle: seeded.handle, display_name: seeded.display_name, email: seeded.email });
      const attributes = await unconfirmedCognitoUser(seeded);
      return { seeded, profile, sub: attributes.sub };
    }

    test('claims its seeded profile: the right code verifies the email first, as Cognito does', async () => {
      const { seeded, profile, sub } = await seededSignUp();
      const cognito = client();
      try {
        await cognito.send(
          new ConfirmSignUpCommand({
            ClientId: stack().clientId,
            Username: seeded.email,
            ConfirmationCode: confirmationCode(sub),
          }),
        );
        const { UserAttributes } = await cognito.send(
          new AdminGetUserCommand({ UserPoolId: stack().userPoolId, Username: seeded.email }),
        );
        expect(UserAttributes?.find((a) => a.Name === 'email_verified')?.Value).toBe('true');
      } finally {
        cognito.destroy();
      }
      expect(await findUserByHandle(seeded.handle)).toMatchObject({ uuid: profile.uuid, cognito_user_id: sub });
    });

    test('a wrong code verifies nothing and links nothing', async () => {
      const { seeded, sub } = await seededSignUp();
      const cognito = client();
      try {
        const wrong = confirmationCode(sub) === '000000' ? '111111' : '000000';
        await expect(
          cognito.send(new ConfirmSignUpCommand({ ClientId: stack().clientId, Username: seeded.email, ConfirmationCode: wrong })),
        ).rejects.toMatchObject({ name: 'CodeMismatchException' });
        const { UserAttributes } = await cognito.send(
          new AdminGetUserCommand({ UserPoolId: stack().userPoolId, Username: seeded.email }),
        );
        expect(UserAttributes?.find((a) => a.Name === 'email_verified')?.Value).not.toBe('true');
      } finally {
        cognito.destroy();
      }
      expect((await findUserByHandle(seeded.handle))?.cognito_user_id).toBeUndefined();
    });
  });
});
