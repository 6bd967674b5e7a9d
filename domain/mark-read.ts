/**
 * Read markers (#17, first part): `POST /api/message_groups/{uuid}/read {created_at?}` moves
 * the caller's marker to a message time — by default the conversation's newest message — and
 * never back.
 *
 * The marker is `last_read_at` on the caller's own membership item (`GROUP#<group>` /
 * `MEMBER#<me>`), direct and group conversations alike: no new item, and only members have one.
 * Monotonic by a condition, not by read-then-write: `SET last_read_at = :t` only if the item
 * exists and has no marker or an older one, so concurrent marks end at the newest of them. A
 * requested time beyond the newest message is taken as the newest message (a marker in the
 * future would hide messages not sent yet).
 * Requests: 1 consistent GetItem (membership: a non-member gets 404 before anything else is
 * read), 1 Query (the newest message), 1 conditional UpdateItem (+1 consistent GetItem when the
 * marker was already newer).
 */
import { ValidationError } from './errors';
import { keys } from './keys';
import { conversationNotFound, isMember } from './membership';
import { getItem, lastItem, updateIf } from './table';
import { canonicalTimestamp, compareTimestamps, isTimestamp } from './time';
import { parseUuid } from './validation';

export interface ReadMarker {
  message_group_uuid: string;
  /** The caller's marker after the call; null when the conversation has no message yet. */
  last_read_at: string | null;
}

export async function markRead(groupUuid: string, readerUuid: string, createdAt?: unknown): Promise<ReadMarker> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  if (createdAt !== undefined && !isTimestamp(createdAt)) {
    throw new ValidationError('created_at must be a message time (UTC ISO-8601, e.g. 2026-12-01T20:18:48.159000Z)');
  }
  if (!(await isMember(group, readerUuid))) throw conversationNotFound();
  const newest = await lastItem({ pk: keys.messagePartition(group), consistent: true });
  const key = keys.membership(group, readerUuid);
  const current = async (): Promise<ReadMarker> => {
    const item = await getItem(key, { consistent: true, projection: 'last_read_at' });
    if (!item) throw conversationNotFound();
    return { message_group_uuid: group, last_read_at: typeof item.last_read_at === 'string' ? item.last_read_at : null };
  };
  if (!newest || !isTimestamp(newest.sk)) return current();
  const latest = canonicalTimestamp(newest.sk);
  const requested = createdAt === undefined ? latest : canonicalTimestamp(createdAt as string);
  const target = compareTimestamps(requested, latest) > 0 ? latest : requested;
  const moved = await updateIf(key, 'SET last_read_at = :t', {
    if: 'attribute_exists(pk) AND (attribute_not_exists(last_read_at) OR last_read_at < :t)',
    values: { ':t': target },
  });
  if (moved) return { message_group_uuid: group, last_read_at: target };
  return current();
}
