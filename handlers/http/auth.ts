/**
 * Access-token verification, done by every authenticated handler even though API Gateway's
 * JWT authorizer already ran: offline, serverless-offline checks only claims and never the
 * signature, and the real authorizer accepts ID tokens too. So here: signature (JWKS),
 * expiry, issuer, `token_use === 'access'` and `client_id`.
 *
 * `JwtVerifier` rather than `CognitoJwtVerifier`: the latter rejects cognito-local's
 * `local_…` pool ids. The verifier and its JWKS cache live at module scope: the JWKS is
 * fetched once per container (and again only for an unknown `kid`), not per request.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { FetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { authConfig } from '../../domain/config';
import { ServiceUnavailableError, UnauthenticatedError } from '../../domain/errors';

const JWKS_TIMEOUT_MS = 3000;

/**
 * The JWKS is fetched from the configured URI (COGNITO_JWKS_URI or the issuer's) with Node's
 * own fetch, bounded by a timeout: one fetcher for every URI, whatever its scheme (the
 * library's default speaks https only, and the dev stage's cognito-local serves http).
 */
const jwksFetcher: Fetcher = {
  async fetch(uri) {
    try {
      const response = await fetch(uri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return await response.arrayBuffer();
    } catch (error) {
      throw new FetchError(uri, (error as Error).message);
    }
  },
};

function createVerifier() {
  const { issuer, jwksUri, clientId } = authConfig();
  return JwtVerifier.create(
    {
      issuer,
      jwksUri,
      // Cognito access tokens carry no `aud`; the client is in `client_id`, checked below.
      audience: null,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: jwksFetcher }) },
  );
}

let verifier: ReturnType<typeof createVerifier> | undefined;

/**
 * Init, not first call: every handler that checks tokens calls this at module load, in
 * Lambda's init phase. It creates the verifier and starts fetching the pool's JWKS, so the
 * first request finds the keys fetched or the one fetch in flight (the cache shares it). Where
 * the keys are not reachable yet (no configuration, Cognito not up), nothing fails here: the
 * first request fetches again and answers 503 if it still cannot.
 */
export function prepareTokenVerification(): void {
  try {
    verifier ??= createVerifier();
  } catch {
    return; // No Cognito configuration in this environment: the first request reports it.
  }
  verifier.hydrate().catch(() => undefined);
}

export interface VerifiedCaller {
  /** Cognito `sub`: the stable user id, linked to our profile by the PostConfirmation trigger. */
  sub: string;
  /** When the user signed in (`auth_time`, else `iat`; epoch seconds): for revocation (acceptToken). */
  authTime: number;
}

/** The verified caller of `Authorization: Bearer <access token>`, or UnauthenticatedError. */
export async function verifyBearer(authorization: string | undefined): Promise<VerifiedCaller> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new UnauthenticatedError('missing bearer token');
  verifier ??= createVerifier();
  try {
    const payload = await verifier.verify(match[1]);
    if (typeof payload.sub !== 'string') throw new Error('token has no sub');
    const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : payload.iat;
    if (typeof authTime !== 'number') throw new Error('token has no auth_time or iat');
    return { sub: payload.sub, authTime };
  } catch (error) {
    if (error instanceof FetchError) throw new ServiceUnavailableError('cannot reach the token signing keys', { cause: error });
    // The reason (expired, wrong client, bad signature…) is logged by the caller's error
    // middleware at debug level only; the client learns just that the token is not accepted.
    throw new UnauthenticatedError('access token is invalid or expired', { cause: error });
  }
}
