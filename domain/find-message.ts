/**
 * A message by its uuid (#17: edit, delete), for callers that have checked membership.
 *
 * Our message uuids are UUIDv7 carrying the message's exact `created_at` (domain/ids.ts), so the
 * uuid gives the item's key: 1 strongly consistent GetItem (≤ 1 RRU), and the item must carry
 * that uuid. The choice adds 0 write units per message: no index, no pointer item.
 * Older messages (v4 uuids: the original backend's and ours before #17) carry no time: a
 * strongly consistent Query of the conversation's messages, newest first, filtered on
 * `message_uuid` (domain/table.ts findNewestWhere) — it reads the conversation up to the
 * message, so it costs 1 RRU per 4 KB read (the conversation's size in the worst case).
 * A v7 uuid whose key holds no such message is not found; it never falls back to the Query.
 */
import { createdAtOfMessageUuid } from './ids';
import { keys } from './keys';
import { findNewestWhere, getItem, type Item } from './table';

export async function findMessageItem(groupUuid: string, messageUuid: string): Promise<Item | undefined> {
  const createdAt = createdAtOfMessageUuid(messageUuid);
  if (createdAt === undefined) return findNewestWhere(keys.messagePartition(groupUuid), 'message_uuid', messageUuid);
  const item = await getItem(keys.message(groupUuid, createdAt), { consistent: true });
  return item?.message_uuid === messageUuid ? item : undefined;
}
