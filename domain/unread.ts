/**
 * Unread counts (#17): the rules shared by the writers of messages, pattern E and the read marker.
 *
 * - A member's unread count is the number of messages by OTHERS whose created_at is after the
 *   member's read marker (`last_read_at` on the membership item), compared by instant.
 * - It lives on the member's conversation row (`unread_count`, with a copy of `last_read_at`),
 *   so pattern B reads it with the row: no request per conversation.
 * - It stays exact because every message of a conversation COMMITS IN created_at ORDER: each
 *   message write also moves the conversation's head item (`GROUP#<g>` / `HEAD`) forward with
 *   `SET last_created_at = :t` only if the head is older, in the same transaction (+2 WRU per
 *   send). A send that loses the race retries with a time after the head. So once a message at
 *   t is committed, every message before t is committed too, and a consistent read of the
 *   messages in (a, t] is final: pattern E and the read marker count with it.
 */
import { ServiceUnavailableError } from './errors';
import { keys } from './keys';
import { type TransactAction, type TransactionCancelledError, queryBetween, updateAction } from './table';
import { bumpTimestamp, compareTimestamps, nextTimestamp, timestampMicros, timestampSecond } from './time';

/** Name of the head's action in a message write's transaction. */
export const HEAD_ACTION = 'head';

/** Rounds a send retries after losing the head to a later message (each: one more transaction). */
export const HEAD_RETRIES = 20;

// Above every character that can follow the second in an accepted stamp ('.', '+', 'Z').
const END_OF_SECOND = '~';

/**
 * Moves the head of `groupUuid` to `createdAt` if it is older (or absent); a failed condition
 * returns the head, so the writer can retry after it. Our stamps are canonical (fixed width,
 * `Z`), so the string comparison is the time order.
 */
export function headAction(groupUuid: string, createdAt: string): TransactAction {
  return updateAction(
    keys.conversationHead(groupUuid),
    'SET last_created_at = :t',
    { if: 'attribute_not_exists(last_created_at) OR last_created_at < :t', values: { ':t': createdAt } },
    { returnOld: true },
  );
}

/**
 * After a cancellation: the time a retry must take when the head was the reason (after the
 * head, and not before now), else undefined.
 */
export function afterHead(error: TransactionCancelledError): string | undefined {
  if (!error.failed(HEAD_ACTION)) return undefined;
  const head = error.item(HEAD_ACTION)?.last_created_at;
  const next = nextTimestamp();
  if (typeof head !== 'string' || timestampMicros(head) === undefined) return next;
  const after = bumpTimestamp(head);
  return compareTimestamps(after, next) > 0 ? after : next;
}

export function headContended(groupUuid: string): ServiceUnavailableError {
  return new ServiceUnavailableError(`conversation ${groupUuid}: too many concurrent sends, retry`);
}

/** Whether message time `at` is after the marker (no marker: every message is). */
export function isAfterMarker(at: string, marker: string | undefined): boolean {
  if (marker === undefined) return true;
  const a = timestampMicros(at);
  const m = timestampMicros(marker);
  return a === undefined || m === undefined || a > m;
}

export interface MessageStamp {
  sk: string;
  user_uuid: string;
}

/**
 * The messages of a conversation with created_at in (after, upTo] by instant (after undefined:
 * from the first), oldest first, sender only. One consistent Query (a page per 1 MB); its cost
 * is the number of messages in the range, not the conversation's size.
 */
export async function messagesBetween(groupUuid: string, after: string | undefined, upTo: string): Promise<MessageStamp[]> {
  const items = await queryBetween({
    pk: keys.messagePartition(groupUuid),
    from: after === undefined ? undefined : timestampSecond(after),
    to: `${timestampSecond(upTo)}${END_OF_SECOND}`,
    consistent: true,
    projection: 'sk, user_uuid',
  });
  const top = timestampMicros(upTo) ?? Number.POSITIVE_INFINITY;
  const bottom = after === undefined ? undefined : timestampMicros(after);
  return items
    .filter((item) => {
      const at = timestampMicros(item.sk);
      return at !== undefined && at <= top && (bottom === undefined || at > bottom);
    })
    .map((item) => ({ sk: String(item.sk), user_uuid: String(item.user_uuid ?? '') }));
}

/** How many of `messages` count as unread for `member` with marker `marker`. */
export function unreadAmong(messages: MessageStamp[], member: string, marker: string | undefined): number {
  return messages.filter((m) => m.user_uuid !== member && isAfterMarker(m.sk, marker)).length;
}

/** The later of two markers (undefined: none). */
export function laterMarker(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (timestampMicros(a) ?? 0) >= (timestampMicros(b) ?? 0) ? a : b;
}
