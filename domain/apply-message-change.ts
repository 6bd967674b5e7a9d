/**
 * Pattern E on a message's MODIFY and REMOVE (#17): every member row that is AT that message
 * (its sort key is the message's time: the message is the conversation's last one for that
 * member) shows the edit, or becomes a tombstone. Rows at a newer message are not touched: they
 * never showed this text. Beside domain/update-conversation-rows.ts, which MOVES rows to a new
 * message; this only updates rows in place and never touches their position or unread fields.
 *
 * Which rows: the members from a strongly consistent Query of the membership partition (a
 * removed member's row left with them, domain/manage-group.ts), then per member one strongly
 * consistent Query of their rows in [message time, message time + 5 µs] (a few small items): the row at
 * the message, or one moved a few microseconds past it because another conversation's row held
 * that exact key (update-conversation-rows.ts replaceRow). A row past the message's time counts
 * only when no newer message of the conversation lies in between (1 more Query, on that rare
 * path). No GSI read: the index lags, and a row just moved to this message must be found.
 *
 * Each row: 1 conditional UpdateItem, conditioned on the row being this conversation's and
 *   - an edit: `SET message, edited_at` only if the row is no tombstone and its `edited_at` is
 *     older (absent or <): an older edit never overwrites a newer one, a replay is a no-op;
 *   - a deletion: `REMOVE message SET deleted, deleted_at` only if not a tombstone yet.
 * Nothing un-deletes (an edit's condition refuses a tombstone). A failed condition means the
 * row is already as new or newer, or has moved on: nothing to do. So the whole is idempotent
 * under redelivery and duplicates.
 *
 * Requests per change: 1 membership Query + 1 Query per member (+1 per row found past the
 * message's exact time) + 1 UpdateItem per row at the message (1 WCU each for a row < 1 KB).
 */
import { KEY_COLLISION_RETRIES } from './create-message';
import { keys, userUuidOfMembership } from './keys';
import { queryAll, queryBetween, updateIf } from './table';
import { canonicalTimestamp, formatMicros, parseTimestampMicros, timestampMicros } from './time';

export type MessageChange =
  | { kind: 'edited'; message_group_uuid: string; created_at: string; message: string; edited_at: string }
  | { kind: 'deleted'; message_group_uuid: string; created_at: string; deleted_at: string };

export interface MessageChangeResult {
  message_group_uuid: string;
  /** Rows updated in place. */
  updated: number;
  /** Rows at the message already showing this change or a newer one. */
  unchanged: number;
}

// replaceRow moves a row at most this many microseconds past its message.
const ROW_DRIFT_MICROS = KEY_COLLISION_RETRIES;

export async function applyMessageChange(change: MessageChange): Promise<MessageChangeResult> {
  const group = change.message_group_uuid;
  const at = canonicalTimestamp(change.created_at);
  const atMicros = parseTimestampMicros(at);
  const members = (await queryAll({ pk: keys.membershipPartition(group), consistent: true, projection: 'sk' }))
    .map((item) => userUuidOfMembership(String(item.sk)))
    .filter((member): member is string => member !== undefined);

  // A message (or row) of the original backend may be keyed in its `+00:00` form, which sorts
  // below ours for the same instant: the range starts at the lower of the two forms.
  const from = change.created_at < at ? change.created_at : at;
  let updated = 0;
  let unchanged = 0;
  await Promise.all(
    members.map(async (member) => {
      // Another conversation's row can hold the exact key (ours then sits a few µs later).
      const near = await queryBetween({
        pk: keys.conversationPartition(member),
        from,
        to: formatMicros(atMicros + ROW_DRIFT_MICROS),
        limit: ROW_DRIFT_MICROS + 2,
        consistent: true,
      });
      const row = near.find((item) => item.message_group_uuid === group);
      if (!row) return;
      const rowSk = String(row.sk);
      const rowMicros = timestampMicros(rowSk);
      if (rowMicros === undefined || rowMicros < atMicros) return;
      if (rowMicros > atMicros && (await hasMessageBetween(group, atMicros, rowSk))) return;
      if (await updateRow(keys.conversation(member, rowSk), change)) updated++;
      else unchanged++;
    }),
  );
  return { message_group_uuid: group, updated, unchanged };
}

/** Whether the conversation has a message after `atMicros` up to the row's key `rowSk`: then the row is at that one. */
async function hasMessageBetween(group: string, atMicros: number, rowSk: string): Promise<boolean> {
  const after = await queryBetween({
    pk: keys.messagePartition(group),
    from: formatMicros(atMicros + 1),
    to: rowSk,
    limit: 1,
    consistent: true,
  });
  return after.length > 0;
}

function updateRow(key: { pk: string; sk: string }, change: MessageChange): Promise<boolean> {
  if (change.kind === 'edited') {
    return updateIf(key, 'SET message = :m, edited_at = :e', {
      if: 'message_group_uuid = :g AND attribute_not_exists(deleted) AND (attribute_not_exists(edited_at) OR edited_at < :e)',
      values: { ':g': change.message_group_uuid, ':m': change.message, ':e': change.edited_at },
    });
  }
  return updateIf(key, 'REMOVE message SET deleted = :true, deleted_at = :at', {
    if: 'message_group_uuid = :g AND attribute_not_exists(deleted)',
    values: { ':g': change.message_group_uuid, ':true': true, ':at': change.deleted_at },
  });
}
