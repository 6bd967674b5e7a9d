/**
 * Pattern E: move every member's conversation row to the newest message of a conversation.
 *
 * A conversation row's sort key is its last message time, so "update" means replace:
 * delete the row at its old sk and put it at the message's sk. Per member this is one
 * TransactWriteItems with two conditions:
 *   - Delete GRP#<member> / <old sk>  if it still exists there (for this conversation);
 *   - Put    GRP#<member> / <new sk>  if that key is free (attribute_not_exists(pk)).
 * A row only ever moves forward: nothing is written unless the message is newer than the
 * row, compared by instant (domain/time.ts), so a message or row of the original backend
 * (`+00:00` stamps, its item shape) is handled exactly like ours. The new row is always
 * written at the message's instant in our canonical form; a row whose sk is no timestamp at
 * all counts as older than any message (the original replaced rows unconditionally).
 * A replay or a late, older message is a no-op; a concurrent replacement (or a stale
 * index read) cancels the transaction, and we re-read and try again, a bounded number of
 * times. The member is never left with zero or two rows because both halves commit or
 * neither does.
 *
 * Key condition: GSI message-group-sk-index, message_group_uuid = <group> (the sparse index
 * holds exactly the conversation rows). The GSI is eventually consistent; a stale read
 * shows up as a failed Delete condition or a member without a row, both of which re-read.
 *
 * Requests per conversation, common case: 1 Query + 1 TransactWriteItems per member whose
 * row is older than the message (2 for a 1:1 conversation); every cancelled transaction
 * costs 1 more Query and 1 more transaction. A conversation with no rows at all costs one
 * extra consistent Query on its membership items (to tell "index lag" from "no such
 * conversation").
 */
import { DomainError } from './errors';
import { conversationItem, groupConversationItem, readStateOf, type ConversationItem, type RowReadState } from './items';
import { readConversation } from './membership';
import { keys, MESSAGE_GROUP_INDEX, userUuidOfConversationPartition } from './keys';
import { bumpTimestamp, canonicalTimestamp, compareTimestamps, timestampMicros } from './time';
import { deleteIfAction, putIfAbsentAction, queryAll, queryIndexAll, TransactionCancelledError, transactWrite } from './table';
import { isAfterMarker, laterMarker, type MessageStamp, messagesBetween, unreadAmong } from './unread';

/** What pattern E needs of a message: which conversation, when, the text and (for group rows) who sent it. */
export interface NewestMessage {
  message_group_uuid: string;
  created_at: string;
  message: string;
  sender?: { uuid: string; handle: string; display_name: string };
}

/** A group's current title and members (consistent), read once per round for group conversations only. */
interface GroupView {
  title: string | undefined;
  members: Set<string>;
}

export interface ConversationRowsUpdate {
  message_group_uuid: string;
  /** Members whose row was moved to this message (one committed transaction each). */
  replaced: number;
  /** Members whose row was already at or past this message: nothing written. */
  upToDate: number;
  /** Transactions cancelled (concurrent replacement, stale index, conflict) and retried. */
  cancelled: number;
  /** True when the conversation has no members: an orphan message, nothing to update. */
  orphan: boolean;
}

export interface UpdateOptions {
  /** Read-and-replace rounds before giving up (each round re-reads the index). */
  maxAttempts?: number;
}

/** The rows could not be brought up to date within the retry budget; safe to retry later. */
export class ConversationRowsBusyError extends DomainError {
  readonly code = 'conversation_rows_busy';
  readonly statusCode = 503;
}

const DEFAULT_MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 400;

type Outcome = 'replaced' | 'retry';

export async function updateConversationRows(
  message: NewestMessage,
  options: UpdateOptions = {},
): Promise<ConversationRowsUpdate> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const groupUuid = message.message_group_uuid;
  // Per member, how it became current: moved by us, or found at/after the message.
  const done = new Map<string, 'replaced' | 'current'>();
  let cancelled = 0;

  for (let attempt = 1; ; attempt++) {
    const rows = await readRows(groupUuid);
    if (rows.size === 0 && !(await hasMembers(groupUuid))) {
      return { message_group_uuid: groupUuid, replaced: 0, upToDate: 0, cancelled, orphan: true };
    }
    // A group's members are its membership items, not the rows' `user_uuid` (the last sender):
    // one more consistent Query, for groups only. Rows of non-members (a removal the index has
    // not seen yet) are never written.
    const group = [...rows.values()].some((row) => row.kind === 'group') ? await readGroup(groupUuid) : undefined;
    for (const member of rows.keys()) if (group && !group.members.has(member)) rows.delete(member);

    // #17: the rows that move count the messages they pass (by others, after their marker):
    // one consistent Query of the messages since the oldest of them, final because messages
    // commit in created_at order (domain/unread.ts).
    const moving = [...rows].filter(([, row]) => isOlder(row.sk, message.created_at));
    const passed = moving.length === 0 ? [] : await messagesPassed(groupUuid, moving, message.created_at);

    let retry = false;
    await Promise.all(
      [...rows].map(async ([member, row]) => {
        if (!isOlder(row.sk, message.created_at)) {
          if (!done.has(member)) done.set(member, 'current');
        } else if (
          (await replaceRow(member, row, message, group, unreadAfterMove(member, row, message, passed))) === 'replaced'
        ) {
          done.set(member, 'replaced');
        } else {
          cancelled++;
          retry = true;
        }
      }),
    );

    // A member named by another row but without a row of its own, or a conversation with
    // members but no rows, is a stale index read (a replacement still propagating).
    const stale = rows.size === 0 || [...(group?.members ?? expectedMembers(rows))].some((member) => !rows.has(member));
    if (!retry && !stale) {
      const states = [...done.values()];
      return {
        message_group_uuid: groupUuid,
        replaced: states.filter((state) => state === 'replaced').length,
        upToDate: states.filter((state) => state === 'current').length,
        cancelled,
        orphan: false,
      };
    }
    if (attempt >= maxAttempts) {
      throw new ConversationRowsBusyError(`conversation ${groupUuid}: rows not current after ${attempt} attempts`);
    }
    await backoff(attempt);
  }
}

/** The newest row per member as the index shows it now (a stale index may show two). */
async function readRows(groupUuid: string): Promise<Map<string, ConversationItem>> {
  const rows = new Map<string, ConversationItem>();
  const items = (await queryIndexAll(MESSAGE_GROUP_INDEX, 'message_group_uuid', groupUuid)) as unknown as ConversationItem[];
  for (const item of items) {
    const member = memberOf(item);
    const seen = rows.get(member);
    if (!seen || isOlder(seen.sk, item.sk)) rows.set(member, item);
  }
  return rows;
}

/** Whether a row at `sk` is older than one at `than`, in the readers' order; a sk that is no timestamp is oldest. */
function isOlder(sk: string, than: string): boolean {
  if (timestampMicros(than) === undefined) return false;
  return timestampMicros(sk) === undefined || compareTimestamps(sk, than) < 0;
}

/** Each row names its owner (pk) and the other member (user_uuid): together, the members. */
function expectedMembers(rows: Map<string, ConversationItem>): string[] {
  const members = new Set<string>();
  for (const row of rows.values()) {
    members.add(memberOf(row));
    members.add(row.user_uuid);
  }
  return [...members];
}

function memberOf(row: ConversationItem): string {
  const member = userUuidOfConversationPartition(row.pk);
  if (member === undefined) throw new Error(`index ${MESSAGE_GROUP_INDEX} returned a non-conversation item ${row.pk}`);
  return member;
}

async function hasMembers(groupUuid: string): Promise<boolean> {
  // One page, one request. A group's META item is no member (it has no user_uuid).
  const members = await queryAll({ pk: keys.membershipPartition(groupUuid), consistent: true, projection: 'user_uuid' });
  return members.some((item) => typeof item.user_uuid === 'string');
}

async function readGroup(groupUuid: string): Promise<GroupView> {
  const state = await readConversation(groupUuid);
  return { title: state.meta?.title, members: new Set(state.members.keys()) };
}

/**
 * One conditional delete + put. Another conversation's row can sit at exactly the target
 * key (two conversations of this member with messages in the same microsecond): the row
 * then takes the next free microsecond, which keeps it ordered and still "at or past"
 * this message for every later comparison.
 */
async function replaceRow(
  member: string,
  row: ConversationItem,
  message: NewestMessage,
  group: GroupView | undefined,
  read: RowReadState,
): Promise<Outcome> {
  let target = canonicalTimestamp(message.created_at);
  const previous = { uuid: row.user_uuid, handle: row.user_handle, display_name: row.user_display_name };
  for (let collision = 0; collision < 5; collision++) {
    // A direct row names the other member; a group row the group's title (as META has it now)
    // and the message's sender.
    const next =
      row.kind === 'group'
        ? groupConversationItem(
            member,
            { uuid: message.message_group_uuid, title: group?.title ?? String(row.title ?? '') },
            message.sender ?? previous,
            message.message,
            target,
            read,
          )
        : conversationItem(member, previous, message.message_group_uuid, message.message, target, read);
    try {
      await transactWrite(
        {
          // A group row moves only with the title it was read with: a rename's update of
          // this row in between cancels the move (re-read), so the old title never comes back.
          // And only with the unread state it was counted from (#17): a read marked in between
          // cancels the move (re-read), so no message is counted twice or lost.
          oldRow: deleteIfAction(keys.conversation(member, row.sk), moveCondition(row, message.message_group_uuid)),
          newRow: putIfAbsentAction(next, { returnOld: true }),
        },
        // A conflict is one more reason to re-read the rows: counted and retried by the caller.
        { onConflict: 'report' },
      );
      return 'replaced';
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const occupant = error.item('newRow');
      const takenByOtherConversation =
        error.reasons.oldRow?.code === 'None' &&
        occupant !== undefined &&
        occupant.message_group_uuid !== message.message_group_uuid;
      if (!takenByOtherConversation) return 'retry';
      target = bumpTimestamp(target);
    }
  }
  return 'retry';
}

/** The old row is still there, as read: same conversation, title (group) and unread state. */
function moveCondition(row: ConversationItem, groupUuid: string): { if: string; values: Record<string, unknown> } {
  const parts = ['message_group_uuid = :g'];
  const values: Record<string, unknown> = { ':g': groupUuid };
  if (row.kind === 'group') {
    parts.push('title = :t');
    values[':t'] = String(row.title ?? '');
  }
  if (typeof row.unread_count === 'number') {
    parts.push('unread_count = :n');
    values[':n'] = row.unread_count;
  } else parts.push('attribute_not_exists(unread_count)');
  if (typeof row.last_read_at === 'string') {
    parts.push('last_read_at = :r');
    values[':r'] = row.last_read_at;
  } else parts.push('attribute_not_exists(last_read_at)');
  return { if: parts.join(' AND '), values };
}

/**
 * Where a row's count resumes: after its position and its marker, whichever is later. A row
 * whose sk is no timestamp (the original backend's) and has no marker counts from the message.
 */
function countFrom(row: ConversationItem): string | undefined {
  return laterMarker(timestampMicros(row.sk) === undefined ? undefined : row.sk, readStateOf(row).last_read_at);
}

/** The messages the moving rows pass: one consistent Query from the oldest row's position. */
async function messagesPassed(
  groupUuid: string,
  moving: Array<[string, ConversationItem]>,
  upTo: string,
): Promise<MessageStamp[]> {
  const starts = moving.map(([, row]) => countFrom(row));
  if (starts.every((start) => start === undefined)) return [];
  const defined = starts.filter((start): start is string => start !== undefined);
  const oldest = defined.reduce((a, b) => (compareTimestamps(a, b) <= 0 ? a : b));
  return messagesBetween(groupUuid, oldest, upTo);
}

/** The row's read state once moved to `message`: its count plus the messages by others it passes. */
function unreadAfterMove(member: string, row: ConversationItem, message: NewestMessage, passed: MessageStamp[]): RowReadState {
  const state = readStateOf(row);
  const from = countFrom(row);
  const added =
    from === undefined
      ? message.sender?.uuid !== member && isAfterMarker(message.created_at, state.last_read_at)
        ? 1
        : 0
      : unreadAmong(
          passed.filter((m) => isAfterMarker(m.sk, from)),
          member,
          state.last_read_at,
        );
  return { unread_count: state.unread_count + added, last_read_at: state.last_read_at };
}

function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  // Full jitter: concurrent writers on one conversation spread out instead of colliding again.
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
