/**
 * Pattern A: a conversation's messages, the newest page first from DynamoDB and returned
 * oldest→newest for display, with a cursor for the page before.
 *
 * Key condition: pk = MSG#<group>, sk descending (ScanIndexForward=false), no date filter.
 * Requests: 2, in parallel — GetItem on the viewer's membership, Query on the messages.
 * Non-members get NotFoundError: the conversation does not exist for them.
 */
import type { CursorScope } from './cursor';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conversationNotFound, isMember } from './membership';
import { queryPage } from './table';
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
  const scope: CursorScope = { kind: 'messages', groupUuid: group };
  const { items, nextCursor } = await queryPage({
    pk: keys.messagePartition(group),
    limit: parseLimit(page.limit),
    cursor: page.cursor,
    scope,
    newestFirst: true,
  });
  return {
    items: items.map((item) => messageFromItem(group, item)).reverse(),
    ...(nextCursor ? { nextCursor } : {}),
  };
}
