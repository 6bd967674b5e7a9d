/**
 * The one middy stack every HTTP handler runs in, applied by `httpHandler`:
 *
 *   logger context → error responses → header normalizer → authenticate → JSON body →
 *   the route's schema → handler
 *
 * Handlers get their request as their route's schema (handlers/http/validation.ts) typed it —
 * path, query, headers, body — plus the caller's profile when `auth: true`, and return
 * `{ body, headers?, statusCode? }`; everything HTTP-shaped — the status each error class
 * carries, the JSON error envelope, content type — happens here.
 */
import { logger } from '../logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  DomainError,
  RateLimitedError,
  ServiceUnavailableError,
  UnauthenticatedError,
  ValidationError,
} from '../../domain/errors';
import type { UserProfile } from '../../domain/types';
import { acceptToken, findCallerBySub } from '../../domain/users';
import { prepareClient } from '../../domain/dynamodb';
import { prepareTokenVerification, verifyBearer } from './auth';
import { parseRequest, type RouteInput, type RouteSchema } from './validation';

const HANDLER_DEADLINE_MARGIN_MS = 1000;

/** Largest request body accepted, in bytes (after base64 decoding). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Errors of the HTTP envelope itself, which the domain knows nothing about. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpRequest<R extends RouteSchema> {
  /** Path, query, headers and body as the route's schema parsed them. */
  input: RouteInput<R>;
}

export interface AuthenticatedRequest<R extends RouteSchema> extends HttpRequest<R> {
  /** The caller's profile, found by the verified token's `sub`. */
  caller: UserProfile;
}

export interface HttpResult {
  statusCode?: number;
  /** Absent only for a response that has none (304). */
  body?: unknown;
  headers?: Record<string, string>;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
interface HttpContext extends Context {
  parsedBody?: Record<string, unknown>;
  caller?: UserProfile;
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): Result {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** Invalid UTF-8 is refused, not silently replaced by U+FFFD and stored. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Content type, size and JSON checks for requests with a body; malformed input never reaches a handler. */
function jsonBody(expectsBody: boolean): MiddlewareObj<Event, Result, Error, HttpContext> {
  return {
    before: ({ event, context }) => {
      if (event.body === undefined || event.body === null || event.body === '') {
        // A POST whose route reads a body must send one; a bodiless POST (block) need not.
        if (expectsBody && event.requestContext?.http?.method === 'POST') {
          throw new ValidationError('request body must be a JSON object');
        }
        return;
      }
      // API Gateway always passes a string; serverless-offline hands some bodies (`false`, `0`) over parsed.
      const text = typeof event.body === 'string' ? event.body : JSON.stringify(event.body);
      const raw = event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
      if (raw.byteLength > MAX_BODY_BYTES) {
        throw new HttpError(413, 'payload_too_large', `request body must be at most ${MAX_BODY_BYTES} bytes`);
      }
      const contentType = event.headers['content-type'] ?? '';
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        throw new HttpError(415, 'unsupported_media_type', 'content-type must be application/json');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(strictUtf8.decode(raw));
      } catch {
        throw new ValidationError('request body is not valid UTF-8 JSON');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ValidationError('request body must be a JSON object');
      }
      context.parsedBody = parsed as Record<string, unknown>;
    },
  };
}

/**
 * Verifies the access token and resolves the caller's profile. A valid token without a
 * profile (sign-up confirmed but the trigger never ran) is a 401, like no token: the
 * caller is not a Cruddur user yet; `syncCognitoUsers` repairs it. So is a token of a
 * revoked session, or of a disabled or deleted user (acceptToken, on the cached profile).
 */
function authenticate(): MiddlewareObj<Event, Result, Error, HttpContext> {
  return {
    before: async ({ event, context }) => {
      const { sub, authTime } = await verifyBearer(event.headers.authorization);
      const caller = await findCallerBySub(sub);
      if (!caller) throw new UnauthenticatedError('no Cruddur profile for this user');
      acceptToken(caller, authTime);
      context.caller = caller;
      logger.appendKeys({ caller: caller.uuid });
    },
  };
}

/** The error's own status: domain errors and envelope errors carry one; anything else is a 500. */
function statusOf(error: unknown): number {
  return error instanceof DomainError || error instanceof HttpError ? error.statusCode : 500;
}

/** Typed errors → status + `{"error": {code, message}}`; anything else → 500 with a request id, no internals. */
function errorResponses(): MiddlewareObj<Event, Result, Error, HttpContext> {
  return {
    onError: (request) => {
      const { error, context } = request;
      const status = statusOf(error);
      const requestId = context.awsRequestId;
      if (status >= 500) {
        logger.error('request failed', { status, error });
        const code = status === 503 ? 'service_unavailable' : 'internal_error';
        const message = status === 503 ? 'a dependency is unavailable, retry shortly' : 'internal error';
        request.response = jsonResponse(
          status,
          { error: { code, message, request_id: requestId } },
          status === 503 ? { 'retry-after': '1' } : {},
        );
        return;
      }
      const { code, message } = error as unknown as HttpError | DomainError;
      logger.info('request rejected', { status, code });
      if (error?.cause) logger.debug('rejection cause', { cause: String(error.cause) });
      // 429 (domain/rate-limit.ts): when to come back.
      const retry = error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : undefined;
      request.response = jsonResponse(status, { error: { code, message } }, retry);
    },
  };
}

type Handler = (event: Event, context: Context) => Promise<Result>;

export function httpHandler<R extends RouteSchema>(
  options: { auth: true; request: R },
  fn: (request: AuthenticatedRequest<R>) => Promise<HttpResult>,
): Handler;
export function httpHandler<R extends RouteSchema>(
  options: { auth: false; request: R },
  fn: (request: HttpRequest<R>) => Promise<HttpResult>,
): Handler;
export function httpHandler<R extends RouteSchema>(
  options: { auth: boolean; request: R },
  fn: (request: AuthenticatedRequest<R>) => Promise<HttpResult>,
): Handler {
  // At module load (Lambda's init phase): the client and, for authenticated routes, the token
  // verifier and the pool's keys, so none of it waits for the first request.
  prepareClient();
  if (options.auth) prepareTokenVerification();
  // Give up on the handler a second before Lambda would kill it, so a stalled dependency is
  // answered with our 503 JSON instead of the platform's timeout.
  const stack = middy<Event, Result, Error, HttpContext>({
    timeoutEarlyInMillis: HANDLER_DEADLINE_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new ServiceUnavailableError('the request ran out of time waiting for a dependency');
    },
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(errorResponses())
    .use(httpHeaderNormalizer());
  // Who is asking comes first: a stranger learns nothing about what we would accept.
  if (options.auth) stack.use(authenticate());
  stack.use(jsonBody(options.request.expectsBody !== false));
  return stack.handler(async (event, context) => {
    const input = parseRequest(options.request, {
      path: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      headers: event.headers ?? {},
      body: context.parsedBody,
    });
    const result = await fn({ input, caller: context.caller as UserProfile });
    if (result.body === undefined) return { statusCode: result.statusCode ?? 204, headers: result.headers ?? {} };
    return jsonResponse(result.statusCode ?? 200, result.body, result.headers);
  }) as unknown as Handler;
}
