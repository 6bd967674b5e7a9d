/**
 * Pattern A: a conversation's messages, the newest page first from DynamoDB and returned
 * oldest→newest for display, with a cursor for the page before.
 *
 * Key condition: pk = MSG#<group>, sk descending (ScanIndexForward=false), no date filter;
 * after a cursor, sk below the end of the cursor's second. Ordered by instant, so messages
 * of the original backend (`+00:00` stamps) and ours interleave right (domain/table.ts queryPage).
 * Requests: 2, one after the other — GetItem on the viewer's membership, then (members only)
 * Query on the messages (one more per limit + 2 messages stamped in the same second as the
 * page's oldest). A non-member's answer is the membership read alone, no message query runs
 * for it, so its timing says nothing about whether the conversation exists.
 * `created_at` is returned in our canonical form whatever form the key was written in.
 * Non-members get NotFoundError: the conversation does not exist for them.
 *
 * In a group, messages whose sender the viewer blocks keep their place with the text withheld
 * (domain/blocks.ts): the viewer's blocks are read by one consistent Query beside the message
 * Query (after the membership check), so the round trips stay 2. Direct conversations'
 * history is shown as it was (README "Safety").
 */
import type { CursorScope } from './cursor';
import { messageFromItem } from './items';
import { keys } from './keys';
import { blockedUuids, markBlockedSenders } from './blocks';
import { conversationNotFound, membershipKind } from './membership';
import { queryPage } from './table';
import { canonicalTimestamp } from './time';
import type { Message, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessages(groupUuid: string, viewerUuid: string, page: PageRequest = {}): Promise<Page<Message>> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  // Membership first, the messages only for a member: a message query running beside the
  // check (as it once did) competes for the same CPU, connection and engine, and made a
  // non-member's "not found" measurably slower for a conversation that exists (#21 item 6,
  // bench 1.A.non_member). To a non-member even a bad cursor or limit is "not found".
  const kind = await membershipKind(group, viewerUuid);
  if (kind === undefined) throw conversationNotFound();
  if (kind === 'direct') return readMessages(group, page);
  const [messages, blocked] = await Promise.all([readMessages(group, page), blockedUuids(viewerUuid)]);
  return { ...messages, items: markBlockedSenders(messages.items, (message) => message.user_uuid, blocked) };
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
  });
  return {
    // The key's own form orders the page; the API always shows our canonical form.
    items: items.map((item) => ({ ...messageFromItem(group, item), created_at: canonicalTimestamp(String(item.sk)) })).reverse(),
    ...(nextCursor ? { nextCursor } : {}),
  };
}
