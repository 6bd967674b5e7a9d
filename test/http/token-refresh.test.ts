/**
 * GetTokensFromRefreshToken, the refresh call Amplify v6 makes when its tokens expire, on the
 * local Cognito (local/cognito-refresh.js). Amplify's own use of it runs in the browser test.
 */
import { CognitoIdentityProviderClient, GetTokensFromRefreshTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { login as cognitoLogin } from '../../local/cognito';
import { api, signUp, stack } from '../support/stack';
import { newTestUser } from './users';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('GetTokensFromRefreshToken', () => {
  const user = newTestUser('Refresh User');
  let cognito: CognitoIdentityProviderClient;
  beforeAll(async () => {
    await signUp(user);
    cognito = new CognitoIdentityProviderClient({
      endpoint: stack().cognitoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(() => cognito.destroy());

  test('a refresh token gets new access and ID tokens for the same user, and the API accepts the access token', async () => {
    const { cognitoEndpoint: endpoint, clientId } = stack();
    const first = await cognitoLogin({ endpoint, clientId, email: user.email, password: user.password });
    const { AuthenticationResult: result } = await cognito.send(
      new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: first.refreshToken }),
    );
    expect(result?.TokenType).toBe('Bearer');
    expect(result?.AccessToken).not.toBe(first.accessToken);
    const claims = claimsOf(result!.AccessToken!);
    expect(claims.sub).toBe(claimsOf(first.accessToken).sub);
    expect(result?.ExpiresIn).toBe(Number(claims.exp) - Number(claims.iat));
    expect(claimsOf(result!.IdToken!).email).toBe(user.email);
    expect((await api('GET', '/api/message_groups', { token: result!.AccessToken! })).status).toBe(200);
  });

  test('an unknown refresh token → NotAuthorizedException; no refresh token → InvalidParameterException', async () => {
    const { clientId } = stack();
    const unknown = await cognito
      .send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: 'not-a-refresh-token' }))
      .catch((e: Error) => e);
    expect((unknown as Error).name).toBe('NotAuthorizedException');
    const missing = await cognito
      .send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: '' }))
      .catch((e: Error) => e);
    expect((missing as Error).name).toBe('InvalidParameterException');
  });
});
