/**
 * Read markers (#17): `POST /api/message_groups/{uuid}/read {created_at?}` moves the caller's
 * marker to a message time — by default the conversation's newest message — and never back,
 * and brings the caller's conversation row's unread count (domain/unread.ts) in line with it.
 *
 * The marker is `last_read_at` on the caller's own membership item (`GROUP#<group>` /
 * `MEMBER#<me>`), direct and group conversations alike: only members have one. A requested
 * time beyond the newest message is taken as the newest message (a marker in the future would
 * hide messages not sent yet). The caller's row gets a copy of the marker and `unread_count` =
 * the messages by others in (marker, row position] — 0 without a Query when the marker is at
 * or past the row; later messages are counted by pattern E as it moves the row.
 *
 * Both are written in ONE transaction: the membership only if its marker is not newer (so
 * concurrent marks end at the newest of them: monotonic by a condition, not read-then-write),
 * the row only if it is still where and as it was read (same unread state), since pattern E
 * moves rows with a delete + put conditioned the same way. A cancellation re-reads and tries
 * again, a bounded number of times. A member without a row the index can show (the
 * original backend's conversations, or index lag that outlasts the retries) gets the marker
 * alone, as before #17.
 *
 * Requests: 1 consistent GetItem (membership: a non-member gets 404 before anything else is
 * read, and its marker), 1 Query (the newest message), 1 GSI Query (the conversation's rows,
 * mine by filter), 1 Query of the unread messages when the marker is before the row, and
 * 1 TransactWriteItems of 2 updates (4 WRU for items under 1 KB). Nothing is written when
 * marker and row are already current. Each cancelled round: the same again.
 */
import { ServiceUnavailableError, ValidationError } from './errors';
import { type ConversationItem, readStateOf } from './items';
import { keys, MESSAGE_GROUP_INDEX } from './keys';
import { conversationNotFound } from './membership';
import { getItem, lastItem, queryIndexAll, TransactionCancelledError, transactWrite, updateAction, updateIf } from './table';
import { canonicalTimestamp, compareTimestamps, isTimestamp, timestampMicros } from './time';
import { isAfterMarker, laterMarker, messagesBetween, unreadAmong } from './unread';
import { parseUuid } from './validation';

export interface ReadMarker {
  message_group_uuid: string;
  /** The caller's marker after the call; null when the conversation has no message yet. */
  last_read_at: string | null;
  /** The caller's unread count after the call (messages by others after the marker, on the row). */
  unread_count: number;
}

const ROUNDS = 8;
// Index lag: rounds that found no row before the marker is written alone.
const ROWLESS_ROUNDS = 3;

export async function markRead(groupUuid: string, readerUuid: string, createdAt?: unknown): Promise<ReadMarker> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  if (createdAt !== undefined && !isTimestamp(createdAt)) {
    throw new ValidationError('created_at must be a message time (UTC ISO-8601, e.g. 2026-12-01T20:18:48.159000Z)');
  }
  const key = keys.membership(group, readerUuid);
  let membership = await getItem(key, { consistent: true, projection: 'user_uuid, last_read_at' });
  if (!membership) throw conversationNotFound();
  const newest = await lastItem({ pk: keys.messagePartition(group), consistent: true });
  const requested =
    newest && isTimestamp(newest.sk)
      ? clamp(createdAt === undefined ? undefined : canonicalTimestamp(createdAt as string), canonicalTimestamp(newest.sk))
      : undefined;

  let rowless = 0;
  for (let round = 1; ; round++) {
    const current = typeof membership.last_read_at === 'string' ? membership.last_read_at : undefined;
    const row = await myRow(group, readerUuid);
    if (!row && ++rowless < ROWLESS_ROUNDS) {
      await pause(round);
      continue;
    }
    const state = row ? readStateOf(row) : { unread_count: 0, last_read_at: undefined };
    // Never back: the newest of the request, the membership's marker and the row's copy.
    const marker = laterMarker(laterMarker(requested, current), state.last_read_at);
    if (marker === undefined) return answer(group, undefined, state.unread_count);
    if (!row) return markerOnly(group, key, marker);

    const unread = isAfterMarker(row.sk, marker)
      ? unreadAmong(await messagesBetween(group, marker, row.sk), readerUuid, marker)
      : 0;
    const membershipCurrent = current !== undefined && sameInstant(current, marker);
    const rowCurrent =
      state.last_read_at !== undefined && sameInstant(state.last_read_at, marker) && state.unread_count === unread;
    if (membershipCurrent && rowCurrent) return answer(group, marker, unread);
    try {
      await transactWrite(
        {
          membership: updateAction(key, 'SET last_read_at = :t', {
            if: 'attribute_exists(pk) AND (attribute_not_exists(last_read_at) OR last_read_at <= :t)',
            values: { ':t': marker },
          }),
          row: updateAction(
            { pk: row.pk, sk: row.sk },
            'SET last_read_at = :t, unread_count = :n',
            rowUnchanged(row, group, marker, unread),
          ),
        },
        { onConflict: 'report' },
      );
      return answer(group, marker, unread);
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (round >= ROUNDS) throw new ServiceUnavailableError('the conversation kept changing; retry', { cause: error });
    }
    // A newer mark, a row moved by pattern E or a stale index read: read again.
    membership = await getItem(key, { consistent: true, projection: 'user_uuid, last_read_at' });
    if (!membership) throw conversationNotFound();
    await pause(round);
  }
}

function clamp(requested: string | undefined, latest: string): string {
  return requested === undefined || compareTimestamps(requested, latest) > 0 ? latest : requested;
}

function sameInstant(a: string, b: string): boolean {
  return timestampMicros(a) === timestampMicros(b);
}

function answer(group: string, marker: string | undefined, unread: number): ReadMarker {
  return { message_group_uuid: group, last_read_at: marker ?? null, unread_count: unread };
}

/** The caller's row of this conversation as the index shows it now (the newest, if it shows two). */
async function myRow(group: string, reader: string): Promise<ConversationItem | undefined> {
  const pk = keys.conversationPartition(reader);
  const rows = (await queryIndexAll(MESSAGE_GROUP_INDEX, 'message_group_uuid', group)) as unknown as ConversationItem[];
  return rows.filter((row) => row.pk === pk).sort((a, b) => compareTimestamps(b.sk, a.sk))[0];
}

/** The row is still at its key, for this conversation, with the unread state it was read with. */
function rowUnchanged(row: ConversationItem, group: string, marker: string, unread: number) {
  const state = readStateOf(row);
  const values: Record<string, unknown> = { ':g': group, ':t': marker, ':n': unread };
  const parts = ['message_group_uuid = :g'];
  if (typeof row.unread_count === 'number') {
    parts.push('unread_count = :old_n');
    values[':old_n'] = row.unread_count;
  } else parts.push('attribute_not_exists(unread_count)');
  if (state.last_read_at !== undefined) {
    parts.push('last_read_at = :old_t');
    values[':old_t'] = state.last_read_at;
  } else parts.push('attribute_not_exists(last_read_at)');
  return { if: parts.join(' AND '), values };
}

/** No row to keep in line: the membership's marker alone, never back (as before #17). */
async function markerOnly(group: string, key: { pk: string; sk: string }, marker: string): Promise<ReadMarker> {
  const moved = await updateIf(key, 'SET last_read_at = :t', {
    if: 'attribute_exists(pk) AND (attribute_not_exists(last_read_at) OR last_read_at < :t)',
    values: { ':t': marker },
  });
  if (moved) return answer(group, marker, 0);
  const item = await getItem(key, { consistent: true, projection: 'last_read_at' });
  if (!item) throw conversationNotFound();
  return answer(group, typeof item.last_read_at === 'string' ? item.last_read_at : marker, 0);
}

function pause(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** round)));
}
