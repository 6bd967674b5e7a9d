// @ts-check
/**
 * GetTokensFromRefreshToken for the local Cognito. Cognito's newer refresh call (the one that
 * supports refresh-token rotation) is what Amplify v6 uses when its tokens expire; cognito-local
 * 5.3 knows only InitiateAuth REFRESH_TOKEN_AUTH and answers "unsupported" — so a web app on
 * the local stack would be signed out after an hour. Added from the outside like the SRP flow
 * (`withTokenRefresh(router)` wraps cognito-local's router): the call is answered with
 * cognito-local's own REFRESH_TOKEN_AUTH (same refresh-token lookup, same tokens, same
 * pre-token-generation trigger). Rotation is not emulated: no new refresh token is issued, and
 * the caller keeps the one it has, as with a pool client without rotation.
 */

/**
 * @param {(target: string) => (ctx: any, req: any) => Promise<any>} router cognito-local's router (or one that wraps it)
 * @returns {(target: string) => (ctx: any, req: any) => Promise<any>}
 */
function withTokenRefresh(router) {
  const { InvalidParameterError } = require(require.resolve('cognito-local/lib/errors'));
  const initiateAuth = router('InitiateAuth');
  /** @param {any} ctx @param {any} req */
  async function getTokensFromRefreshToken(ctx, req) {
    if (typeof req?.RefreshToken !== 'string' || !req.RefreshToken)
      throw new InvalidParameterError('Missing required parameter RefreshToken');
    if (typeof req.ClientId !== 'string' || !req.ClientId) throw new InvalidParameterError('Missing required parameter ClientId');
    const { AuthenticationResult: result } = await initiateAuth(ctx, {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: req.ClientId,
      AuthParameters: { REFRESH_TOKEN: req.RefreshToken },
      ClientMetadata: req.ClientMetadata,
    });
    const claims = JSON.parse(Buffer.from(String(result.AccessToken).split('.')[1] ?? '', 'base64url').toString('utf8'));
    return {
      AuthenticationResult: {
        AccessToken: result.AccessToken,
        IdToken: result.IdToken,
        TokenType: 'Bearer',
        ExpiresIn: claims.exp - claims.iat,
      },
    };
  }
  return (target) => (target === 'GetTokensFromRefreshToken' ? getTokensFromRefreshToken : router(target));
}

module.exports = { withTokenRefresh };
