/**
 * WebSocket `$connect`: authenticates the caller exactly as the HTTP routes do (access token:
 * RS256 against the pool's JWKS, expiry, issuer, `token_use = access`, `client_id`, then the
 * profile linked to its `sub`) and records the connection. Any refusal is a non-2xx answer,
 * which makes API Gateway (and serverless-offline) refuse the upgrade; nothing is stored.
 *
 * The token travels in `Sec-WebSocket-Protocol: cruddur.v1, <access token>` (README,
 * "Realtime"): browsers cannot set `Authorization` on a WebSocket, and unlike a query string
 * a header is kept out of URLs, access logs, proxies and browser history.
 */
import type { Context } from 'aws-lambda';
import { registerConnection } from '../../domain/connections';
import { UnauthenticatedError } from '../../domain/errors';
import { acceptToken, findUserByCognitoSub } from '../../domain/users';
import { prepareTokenVerification, verifyBearer } from '../http/auth';
import { logger } from '../logger';
import { SUBPROTOCOL, type WebSocketEvent, type WebSocketResult, tokenFromSubprotocols, wsStatusOf } from './protocol';

// Init, not first call (handlers/http/auth.ts).
prepareTokenVerification();

export async function handler(event: WebSocketEvent, context?: Context): Promise<WebSocketResult> {
  if (context) logger.addContext(context);
  try {
    const { sub, authTime } = await verifyBearer(`Bearer ${tokenFromSubprotocols(event.headers)}`);
    const caller = await findUserByCognitoSub(sub);
    if (!caller) throw new UnauthenticatedError('no Cruddur profile for this user');
    // A revoked session, a disabled or deleted user: refused like a bad token.
    acceptToken(caller, authTime);
    await registerConnection({ connectionId: event.requestContext.connectionId, userUuid: caller.uuid });
    logger.info('connected', { caller: caller.uuid });
    return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': SUBPROTOCOL } };
  } catch (error) {
    const statusCode = wsStatusOf(error);
    if (statusCode >= 500) logger.error('connect failed', { error });
    else logger.info('connect refused', { status: statusCode });
    return { statusCode };
  }
}
