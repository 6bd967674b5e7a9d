/**
 * WebSocket `$default`: the only message a client sends is a keep-alive, `{"type":"ping"}`
 * (or `{"action":"ping"}`), answered with `{"type":"pong"}` (API Gateway closes a connection
 * idle for 10 minutes). Anything else is answered with an error frame; nothing is stored.
 * Events flow the other way only (handlers/stream/push-events.ts).
 */
import type { Context } from 'aws-lambda';
import { logger } from '../logger';
import type { WebSocketEvent, WebSocketResult } from './protocol';

const MAX_FRAME_BYTES = 1024;

export async function handler(event: WebSocketEvent, context?: Context): Promise<WebSocketResult> {
  if (context) logger.addContext(context);
  const raw = event.body ?? '';
  let frame: unknown;
  try {
    frame = Buffer.byteLength(raw) <= MAX_FRAME_BYTES && !event.isBase64Encoded ? JSON.parse(raw) : undefined;
  } catch {
    frame = undefined;
  }
  const kind =
    frame && typeof frame === 'object'
      ? ((frame as { type?: unknown; action?: unknown }).type ?? (frame as { action?: unknown }).action)
      : undefined;
  if (kind === 'ping') return { statusCode: 200, body: JSON.stringify({ type: 'pong' }) };
  logger.info('frame refused');
  const error = { code: 'unsupported_frame', message: 'the only frame accepted is {"type":"ping"}' };
  return { statusCode: 200, body: JSON.stringify({ type: 'error', error }) };
}
