/**
 * What the WebSocket handlers share: the event fields they read, the subprotocol that
 * carries the access token, and the status a refusal answers with.
 */
import { DomainError, ServiceUnavailableError, UnauthenticatedError } from '../../domain/errors';

/** The application protocol a client asks for, listed before its token. */
export const SUBPROTOCOL = 'cruddur.v1';

export interface WebSocketEvent {
  requestContext: { connectionId: string; routeKey?: string };
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The access token of `Sec-WebSocket-Protocol: cruddur.v1, <token>` (header names are
 * case-insensitive; API Gateway keeps the client's case). Exactly those two entries.
 */
export function tokenFromSubprotocols(headers: WebSocketEvent['headers']): string {
  const value = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1];
  const entries = (value ?? '').split(',').map((entry) => entry.trim());
  const [protocol, token, ...rest] = entries;
  if (protocol !== SUBPROTOCOL || !token || rest.length > 0) {
    throw new UnauthenticatedError(`expected Sec-WebSocket-Protocol: ${SUBPROTOCOL}, <access token>`);
  }
  return token;
}

export function wsStatusOf(error: unknown): number {
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ServiceUnavailableError) return 503;
  if (error instanceof DomainError) return 400;
  return 500;
}
