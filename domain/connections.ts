/**
 * The WebSocket connection registry, in the table. Two items per open connection:
 *
 *   CONNS#<user_uuid> / CONN#<connection_id>   the user's connections: fan-out reads them
 *                                              with one Query per user
 *   CONN#<connection_id> / CONN                who holds a connection: `$disconnect` and a
 *                                              `410 Gone` carry only the id
 *
 * Both carry `expires_at` (epoch seconds, the table's TTL attribute): API Gateway closes
 * every connection after 2 hours, so an item older than that is stale whatever happened to
 * its `$disconnect` (a lost invocation, a crashed local stack), and DynamoDB's TTL deletes
 * it. TTL deletion lags (up to days on AWS, never in the local engine), so readers also skip
 * expired items themselves.
 *
 * Requests: register = 1 TransactWriteItems (2 puts); remove = 2 DeleteItem; list = 1 Query
 * per user (per 1 MB page).
 */
import { DeleteCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './dynamodb';
import { connectionIdOfUserConnection, keys } from './keys';

/** API Gateway's maximum connection duration (2 h), plus a margin for clock skew. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60 + 10 * 60;

/** API Gateway connection ids are short base64-ish strings; serverless-offline uses uuids. */
const CONNECTION_ID = /^[A-Za-z0-9_=+/-]{1,128}$/;

export function isConnectionId(value: unknown): value is string {
  return typeof value === 'string' && CONNECTION_ID.test(value);
}

function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

export interface Connection {
  connectionId: string;
  userUuid: string;
}

/** Records an accepted connection for its user. Both items or neither. */
export async function registerConnection(connection: Connection, now = new Date()): Promise<void> {
  const { connectionId, userUuid } = connection;
  if (!isConnectionId(connectionId)) throw new Error('invalid connection id');
  const attributes = {
    connection_id: connectionId,
    user_uuid: userUuid,
    connected_at: now.toISOString(),
    expires_at: epochSeconds(now) + CONNECTION_TTL_SECONDS,
  };
  await db().send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName(), Item: { ...keys.connection(connectionId), ...attributes } } },
        { Put: { TableName: tableName(), Item: { ...keys.userConnection(userUuid, connectionId), ...attributes } } },
      ],
    }),
  );
}

/** `$disconnect`: forgets the connection, whoever held it. Idempotent; false if it was unknown. */
export async function removeConnection(connectionId: string): Promise<boolean> {
  if (!isConnectionId(connectionId)) return false;
  const { Attributes } = await db().send(
    new DeleteCommand({ TableName: tableName(), Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' }),
  );
  const userUuid = Attributes?.user_uuid;
  if (typeof userUuid !== 'string') return false;
  await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.userConnection(userUuid, connectionId) }));
  return true;
}

/** A connection API Gateway reports gone (410): both items, in parallel. Idempotent. */
export async function forgetConnection({ connectionId, userUuid }: Connection): Promise<void> {
  await Promise.all([
    db().send(new DeleteCommand({ TableName: tableName(), Key: keys.userConnection(userUuid, connectionId) })),
    db().send(new DeleteCommand({ TableName: tableName(), Key: keys.connection(connectionId) })),
  ]);
}

/** A user's open connections (expired ones skipped). Strongly consistent: a socket that just connected is included. */
export async function listConnections(userUuid: string, now = new Date()): Promise<string[]> {
  const ids: string[] = [];
  const nowSeconds = epochSeconds(now);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.userConnectionsPartition(userUuid) },
        ConsistentRead: true,
        ProjectionExpression: 'sk, expires_at',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const id = connectionIdOfUserConnection(String(item.sk));
      if (id && typeof item.expires_at === 'number' && item.expires_at > nowSeconds) ids.push(id);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}
