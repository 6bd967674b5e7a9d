/** WebSocket `$disconnect`: forgets the connection (both registry items). Best effort, as on AWS. */
import type { Context } from 'aws-lambda';
import { removeConnection } from '../../domain/connections';
import { logger } from '../logger';
import type { WebSocketEvent, WebSocketResult } from './protocol';

export async function handler(event: WebSocketEvent, context?: Context): Promise<WebSocketResult> {
  if (context) logger.addContext(context);
  // API Gateway does not retry $disconnect: an error leaves the items to TTL (domain/connections.ts).
  const known = await removeConnection(event.requestContext.connectionId);
  logger.info('disconnected', { known });
  return { statusCode: 200 };
}
