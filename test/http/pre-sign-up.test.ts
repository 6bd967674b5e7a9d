/**
 * The PreSignUp trigger through the local Cognito's own SignUp (cognito-local invokes it on
 * serverless-offline's Lambda endpoint, as Cognito invokes the deployed one): a sign-up the
 * profile could never come from is refused before the account exists, with a message the
 * web client can show.
 */
import { randomUUID } from 'node:crypto';
import { AdminGetUserCommand, CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createUserProfile } from '../../domain/users';
import { stack } from '../support/stack';
import { signedInUser } from './users';

function cognito(): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: stack().cognitoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function signUp(handle: string, name: string, email = `${randomUUID()}@example.com`) {
  const client = cognito();
  try {
    return await client.send(
      new SignUpCommand({
        ClientId: stack().clientId,
        Username: email,
        Password: 'Pw-Valid-123',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'name', Value: name },
          { Name: 'preferred_username', Value: handle },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
}

async function accountExists(email: string): Promise<boolean> {
  const client = cognito();
  try {
    await client.send(new AdminGetUserCommand({ UserPoolId: stack().userPoolId, Username: email }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException') return false;
    throw error;
  } finally {
    client.destroy();
  }
}

const shortId = () => randomUUID().replace(/-/g, '').slice(0, 10);

describe('PreSignUp trigger', () => {
  test('a handle someone already holds is refused at sign-up with a clear message, and no account is created', async () => {
    const owner = await signedInUser('Owner');
    const email = `late-${shortId()}@example.com`;
    await expect(signUp(owner.handle.toUpperCase(), 'Late Comer', email)).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
      message: expect.stringContaining(`Cannot create your Cruddur account: handle "${owner.handle.toUpperCase()}" is taken`),
    });
    expect(await accountExists(email)).toBe(false);
  });

  test.each([
    ['a look-alike handle (Cyrillic а)', `\u0430da_${shortId()}`, 'Ada', /preferred_username must be/],
    ['an over-long handle', `h${'x'.repeat(40)}`, 'Long', /preferred_username must be/],
    ['an over-long name', `long_${shortId()}`, 'n'.repeat(101), /display_name must be at most 100/],
    ['a name with a bidi override', `bidi_${shortId()}`, 'Ada \u202Enimda', /bidirectional/],
  ])('%s is refused before the account exists', async (_label, handle, name, reason) => {
    const email = `refused-${shortId()}@example.com`;
    const refusal = signUp(handle, name, email);
    await expect(refusal).rejects.toMatchObject({ name: 'UserLambdaValidationException' });
    await expect(refusal).rejects.toThrow(reason);
    expect(await accountExists(email)).toBe(false);
  });

  test('a seeded (unlinked) profile may be claimed by its own email; another email is refused', async () => {
    const handle = `seeded_${shortId()}`;
    const email = `seeded-${shortId()}@example.com`;
    await createUserProfile({ handle, display_name: 'Seeded', email });
    await expect(signUp(handle, 'Other', `other-${shortId()}@example.com`)).rejects.toThrow(/is taken/);
    await expect(signUp(handle, 'Seeded', email.toUpperCase())).resolves.toMatchObject({ UserSub: expect.any(String) });
  });

  test('a new handle and a good name sign up as before', async () => {
    await expect(signUp(`fresh_${shortId()}`, 'Zoë Ŋguyễn')).resolves.toMatchObject({ UserConfirmed: false });
  });
});
