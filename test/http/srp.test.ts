/**
 * SRP sign-in (USER_SRP_AUTH), the flow Amplify and amazon-cognito-identity-js use by default,
 * against the local Cognito of the offline stack (local/cognito-srp.js). The client is the real
 * amazon-cognito-identity-js (run in a plain Node process, test/support/cognito-identity-client.js),
 * not our code: if our side of the protocol differed from Cognito's in any byte, its proof
 * would not verify.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { findUserByHandle } from '../../domain/users';
import { N, g, k, padHex } from '../../local/cognito-srp';
import { api, signUp, stack } from '../support/stack';
import { newTestUser, PASSWORD } from './users';

const CLIENT = path.join(__dirname, '..', 'support', 'cognito-identity-client.js');

type ClientResult =
  | { ok: false; code: string; message: string }
  | {
      ok: true;
      flow?: string;
      ms?: number;
      username?: string;
      accessToken: string;
      idToken: string;
      refreshToken: string;
      sub: string;
      email: string;
      answer?: { ClientId: string; ChallengeResponses: Record<string, string> };
    };

async function library(request: Record<string, unknown>): Promise<ClientResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLIENT, JSON.stringify(request)], { timeout: 20_000 });
  return JSON.parse(stdout) as ClientResult;
}

function signIn(email: string, password: string, record = false): Promise<ClientResult> {
  const { cognitoEndpoint: endpoint, userPoolId, clientId } = stack();
  return library({ op: 'signIn', endpoint, userPoolId, clientId, email, password, record });
}

function signedIn(result: ClientResult): Extract<ClientResult, { ok: true }> {
  if (!result.ok) throw new Error(`sign-in failed: ${result.code} ${result.message}`);
  return result;
}

function cognitoClient(): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: stack().cognitoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('SRP sign-in (USER_SRP_AUTH) with amazon-cognito-identity-js', () => {
  const member = newTestUser('SRP Member');
  beforeAll(async () => {
    await signUp(member);
  });

  test("the group parameters are the client library's: N (RFC 5054, 3072 bits), g = 2 and k = H(N | g)", async () => {
    const params = (await library({ op: 'params' })) as unknown as { N: string; g: string; k: string };
    expect(N.toString(16)).toBe(params.N);
    expect(N.toString(2)).toHaveLength(3072);
    expect(g.toString(16)).toBe(params.g);
    expect(k.toString(16)).toBe(params.k);
    expect([padHex(0x80n), padHex(0x7fn), padHex(0x100n)]).toEqual(['0080', '7f', '0100']);
  });

  test('signs in with the right password; the access token is accepted by the API and belongs to the linked profile', async () => {
    const result = signedIn(await signIn(member.email, member.password));
    expect(result.flow).toBe('USER_SRP_AUTH');
    expect(result.email).toBe(member.email);
    const profile = await findUserByHandle(member.handle);
    expect(profile?.cognito_user_id).toBe(result.sub);
    // The library signs in as USER_ID_FOR_SRP: Cognito's internal user name (the sub), not the email.
    expect(result.username).toBe(result.sub);

    const res = await api('GET', '/api/message_groups', { token: result.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  test('a wrong password → NotAuthorizedException, no tokens', async () => {
    expect(await signIn(member.email, `${PASSWORD}x`)).toEqual({
      ok: false,
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  test('an unknown user gets a challenge like anyone else, then the same NotAuthorizedException (no user-existence leak)', async () => {
    const unknown = newTestUser('Nobody').email;
    const { A } = (await library({ op: 'params' })) as unknown as { A: string };
    const cognito = cognitoClient();
    try {
      const challenge = await cognito.send(
        new InitiateAuthCommand({
          ClientId: stack().clientId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: unknown, SRP_A: A },
        }),
      );
      expect(challenge.ChallengeName).toBe('PASSWORD_VERIFIER');
      expect(Object.keys(challenge.ChallengeParameters ?? {}).sort()).toEqual([
        'SALT',
        'SECRET_BLOCK',
        'SRP_B',
        'USERNAME',
        'USER_ID_FOR_SRP',
      ]);
    } finally {
      cognito.destroy();
    }
    expect(await signIn(unknown, PASSWORD)).toEqual({
      ok: false,
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  test('the refresh token of an SRP sign-in gets new tokens (REFRESH_TOKEN_AUTH), which the API accepts', async () => {
    const first = signedIn(await signIn(member.email, member.password));
    const { cognitoEndpoint: endpoint, userPoolId, clientId } = stack();
    const refreshed = signedIn(
      await library({
        op: 'refresh',
        endpoint,
        userPoolId,
        clientId,
        username: first.username,
        refreshToken: first.refreshToken,
      }),
    );
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    expect(refreshed.sub).toBe(first.sub);
    expect((await api('GET', '/api/message_groups', { token: refreshed.accessToken })).status).toBe(200);
  });

  test('a proof replayed with another TIMESTAMP, a tampered SECRET_BLOCK or a wrong signature is refused with NotAuthorizedException', async () => {
    const { answer } = signedIn(await signIn(member.email, member.password, true));
    const responses = answer!.ChallengeResponses;
    expect(responses.PASSWORD_CLAIM_SIGNATURE).toEqual(expect.any(String));
    const block = Buffer.from(responses.PASSWORD_CLAIM_SECRET_BLOCK!, 'base64');
    block[block.length - 1]! ^= 1;
    const cognito = cognitoClient();
    try {
      for (const altered of [
        { ...responses, TIMESTAMP: 'Mon Jan 1 00:00:00 UTC 2024' },
        { ...responses, PASSWORD_CLAIM_SECRET_BLOCK: block.toString('base64') },
        { ...responses, PASSWORD_CLAIM_SIGNATURE: Buffer.alloc(32).toString('base64') },
      ]) {
        const error = await errorOf(
          cognito.send(
            new RespondToAuthChallengeCommand({
              ClientId: answer!.ClientId,
              ChallengeName: 'PASSWORD_VERIFIER',
              ChallengeResponses: altered,
            }),
          ),
        );
        expect(error.name).toBe('NotAuthorizedException');
      }
    } finally {
      cognito.destroy();
    }
  });

  test('missing SRP_A or a malformed TIMESTAMP → InvalidParameterException (a 4xx), not a 500', async () => {
    const cognito = cognitoClient();
    try {
      const noA = await errorOf(
        cognito.send(
          new InitiateAuthCommand({
            ClientId: stack().clientId,
            AuthFlow: 'USER_SRP_AUTH',
            AuthParameters: { USERNAME: member.email },
          }),
        ),
      );
      expect(noA.name).toBe('InvalidParameterException');
      const badTime = await errorOf(
        cognito.send(
          new RespondToAuthChallengeCommand({
            ClientId: stack().clientId,
            ChallengeName: 'PASSWORD_VERIFIER',
            ChallengeResponses: {
              USERNAME: 'x',
              PASSWORD_CLAIM_SECRET_BLOCK: 'AAAA',
              PASSWORD_CLAIM_SIGNATURE: 'AAAA',
              TIMESTAMP: 'yesterday',
            },
          }),
        ),
      );
      expect(badTime.name).toBe('InvalidParameterException');
    } finally {
      cognito.destroy();
    }
  });
});
