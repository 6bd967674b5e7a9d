/**
 * The SRP attempt's lifetime (local/cognito-srp.js): a PASSWORD_VERIFIER answer is taken for
 * 3 minutes after its challenge, like Cognito's default AuthSessionValidity. The clock is ours
 * here; the user pool is a one-user stand-in for cognito-local's (the full protocol against
 * the real client library is in test/http/srp.test.ts).
 */
import { AUTH_SESSION_MS, withSrp } from '../../local/cognito-srp';

const USER = { Username: '0b5c3f7e-0000-4000-8000-000000000001', Password: 'Test-Passw0rd!', Attributes: [] };
const CLIENT_ID = 'client0000000000000000000a';

function srpTargets(clock: { now: number }) {
  const userPool = {
    options: { Id: 'local_TestPool' },
    getUserByUsername: async (_ctx: unknown, name: string) => (name === USER.Username || name === 'a@example.com' ? USER : null),
  };
  const services = {
    cognito: {
      getUserPoolForClientId: async () => userPool,
      getAppClient: async (_ctx: unknown, id: string) =>
        id === CLIENT_ID ? { ClientId: CLIENT_ID, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] } : null,
    },
  };
  const passedOn: string[] = [];
  const router = (target: string) => async () => {
    passedOn.push(target);
    return {};
  };
  return { route: withSrp(router, services, { now: () => clock.now }), passedOn };
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('SRP attempt lifetime', () => {
  test('an answer within 3 minutes is checked (wrong proof → incorrect password); after 3 minutes it is refused as expired', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { route } = srpTargets(clock);
    const ctx = {};
    const challenge = await route('InitiateAuth')(ctx, {
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: CLIENT_ID,
      AuthParameters: { USERNAME: 'a@example.com', SRP_A: 'abcdef' },
    });
    expect(challenge.ChallengeParameters.USER_ID_FOR_SRP).toBe(USER.Username);
    const answer = {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: CLIENT_ID,
      ChallengeResponses: {
        USERNAME: USER.Username,
        PASSWORD_CLAIM_SECRET_BLOCK: challenge.ChallengeParameters.SECRET_BLOCK,
        PASSWORD_CLAIM_SIGNATURE: Buffer.alloc(32).toString('base64'),
        TIMESTAMP: 'Thu Jan 1 00:00:00 UTC 2026',
      },
    };

    clock.now += AUTH_SESSION_MS;
    expect(await errorOf(route('RespondToAuthChallenge')(ctx, answer))).toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    clock.now += 1000;
    expect(await errorOf(route('RespondToAuthChallenge')(ctx, answer))).toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Invalid session for the user, session is expired.',
    });
  });

  test("an answer for another client or another user than the challenge's is refused", async () => {
    const { route } = srpTargets({ now: Date.UTC(2026, 0, 1) });
    const challenge = await route('InitiateAuth')(
      {},
      { AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'a@example.com', SRP_A: 'abcdef' } },
    );
    const responses = {
      USERNAME: USER.Username,
      PASSWORD_CLAIM_SECRET_BLOCK: challenge.ChallengeParameters.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: Buffer.alloc(32).toString('base64'),
      TIMESTAMP: 'Thu Jan 1 00:00:00 UTC 2026',
    };
    for (const answer of [
      { ChallengeName: 'PASSWORD_VERIFIER', ClientId: 'another-client', ChallengeResponses: responses },
      { ChallengeName: 'PASSWORD_VERIFIER', ClientId: CLIENT_ID, ChallengeResponses: { ...responses, USERNAME: 'someone-else' } },
    ]) {
      expect(await errorOf(route('RespondToAuthChallenge')({}, answer))).toMatchObject({
        code: 'NotAuthorizedException',
        message: 'Invalid session for the user, session is expired.',
      });
    }
  });

  test('other flows and challenges go to cognito-local unchanged', async () => {
    const { route, passedOn } = srpTargets({ now: 0 });
    await route('InitiateAuth')({}, { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENT_ID });
    await route('RespondToAuthChallenge')({}, { ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: CLIENT_ID });
    await route('SignUp')({}, {});
    expect(passedOn).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'SignUp']);
  });
});
