/**
 * Pattern A: a conversation's messages, the newest page first from DynamoDB and returned
 * oldest→newest for display, with a cursor for the page before.
 *
 * Key condition: pk = MSG#<group>, sk descending (ScanIndexForward=false), no date filter;
 * after a cursor, sk below the end of the cursor's second. Ordered by instant, so messages
 * of the original backend (`+00:00` stamps) and ours interleave right (domain/newest-first.ts).
 * Requests: 2, in parallel — GetItem on the viewer's membership, Query on the messages
 * (one more per limit + 2 messages stamped in the same second as the page's oldest).
 * `created_at` is returned in our canonical form whatever form the key was written in.
 * Non-members get NotFoundError: the conversation does not exist for them.
 */
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conversationNotFound, isMember } from './membership';
import { queryNewestFirst } from './newest-first';
import { canonicalTimestamp } from './time';
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

  const { items, hasOlder } = await queryNewestFirst(keys.messagePartition(group), limit, after);
  const oldest = items[items.length - 1];
  return {
    items: items.map((item) => ({ ...messageFromItem(group, item), created_at: canonicalTimestamp(item.sk) })).reverse(),
    // The exact key, not the canonical stamp: the next page resumes right after this item.
    ...(hasOlder && oldest ? { nextCursor: encodeCursor(scope, oldest.sk) } : {}),
  };
}
