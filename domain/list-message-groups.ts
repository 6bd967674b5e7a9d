/**
 * Pattern B: my conversations, newest first — the other person and the last message.
 *
 * Key condition: pk = GRP#<me>, sk (last message time) descending.
 * Requests: 1 Query. Rows are kept current by pattern E.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import { db, tableName } from './dynamodb';
import { messageGroupFromItem } from './items';
import { keys } from './keys';
import type { MessageGroup, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessageGroups(userUuid: string, page: PageRequest = {}): Promise<Page<MessageGroup>> {
  const user = parseUuid(userUuid, 'user_uuid');
  const limit = parseLimit(page.limit);
  const scope: CursorScope = { kind: 'groups', userUuid: user };
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);

  const result = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversationPartition(user) },
      ScanIndexForward: false,
      Limit: limit + 1,
      ...(after ? { ExclusiveStartKey: keys.conversation(user, after) } : {}),
    }),
  );

  const items = (result.Items ?? []).slice(0, limit).map(messageGroupFromItem);
  const last = items[items.length - 1];
  return {
    items,
    ...((result.Items?.length ?? 0) > limit && last ? { nextCursor: encodeCursor(scope, last.last_message_at) } : {}),
  };
}
