/**
 * Pattern A: a conversation's messages, the newest page first from DynamoDB and returned
 * oldest→newest for display, with a cursor for the page before.
 *
 * Key condition: pk = MSG#<group>, sk descending (ScanIndexForward=false), no date filter.
 * Requests: 2, in parallel — GetItem on the viewer's membership, Query on the messages.
 * Non-members get NotFoundError: the conversation does not exist for them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import { db, tableName } from './dynamodb';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conversationNotFound, isMember } from './membership';
import type { Message, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessages(groupUuid: string, viewerUuid: string, page: PageRequest = {}): Promise<Page<Message>> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const [member, messages] = await Promise.allSettled([isMember(group, viewerUuid), readMessages(group, page)]);
  if (member.status === 'rejected') throw member.reason;
  // Membership decides first: to a non-member even a bad cursor or limit is "not found".
  if (!member.value) throw conversationNotFound();
  if (messages.status === 'rejected') throw messages.reason;
  return messages.value;
}

/** Pattern A without the membership check: for trusted callers only (ops functions). */
export async function readMessages(groupUuid: string, page: PageRequest = {}): Promise<Page<Message>> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const limit = parseLimit(page.limit);
  const scope: CursorScope = { kind: 'messages', groupUuid: group };
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);

  const result = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagePartition(group) },
      ScanIndexForward: false,
      // One extra item tells us whether an older page exists without a second request.
      Limit: limit + 1,
      ...(after ? { ExclusiveStartKey: keys.message(group, after) } : {}),
    }),
  );

  const newestFirst = (result.Items ?? []).slice(0, limit).map((item) => messageFromItem(group, item));
  const oldest = newestFirst[newestFirst.length - 1];
  const hasOlder = (result.Items?.length ?? 0) > limit;
  return {
    items: newestFirst.reverse(),
    ...(hasOlder && oldest ? { nextCursor: encodeCursor(scope, oldest.created_at) } : {}),
  };
}
