/**
 * Pattern F: create a group conversation — a title, the creator (owner) and 2-99 others
 * (members), optionally a first message.
 *
 * Items: the group's META (`GROUP#<g>` / `META`), per member a membership (`GROUP#<g>` /
 * `MEMBER#<u>`, with role, join time, handle, name) and a conversation row (`GRP#<u>` /
 * `<time>`, kind `group`), the message, and with an Idempotency-Key its record.
 *
 * Atomic up to 48 members: ONE TransactWriteItems (2 per member + META + message + the
 * conversation's head (domain/unread.ts) + key ≤ 100 actions). Larger groups exceed DynamoDB's 100 actions, so they are written by a crash-safe
 * sequence:
 *   1. META with `pending_members` (every uuid) + the first 49 members, one transaction;
 *   2. the others, 49 per transaction, each with a ConditionCheck that META is still pending;
 *   3. one transaction: REMOVE `pending_members` + the first message + the key's record.
 * Every member written is whole (membership and row in the same transaction), so an
 * interrupted creation is a smaller group that already works, never a member without a row.
 * With an Idempotency-Key the group's uuid is derived from (creator, key): a retry finds the
 * pending META (same request hash) and writes only the members still missing, then step 3 —
 * the retry completes the group; a retry after step 3 returns the first response. Without a
 * key, a crash between steps leaves the members written so far (the owner can add the rest).
 *
 * Requests: 1 BatchGetItem (the handles) + 1 TransactWriteItems (≤ 48 members), or
 * 1 + ⌈(members − 49) / 49⌉ + 2 transactions (100 members: 4). Duplicate, unknown or own
 * handles are a 4xx before anything is written.
 */
import { createHash } from 'node:crypto';
import {
  KEY_COLLISION_RETRIES,
  newMessage,
  rememberedMessage,
  replayMessage,
  type RememberedMessage,
  type SendOptions,
  type Sender,
  withCreatedAt,
} from './create-message';
import { afterHead, HEAD_ACTION, HEAD_RETRIES, headAction, headContended } from './unread';
import { groupConversation } from './describe-conversation';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from './errors';
import { IDEMPOTENCY_ACTION, idempotencyFor, type Idempotency } from './idempotency';
import { newUuid } from './ids';
import { groupConversationItem, groupMembershipItem, messageItem, type GroupMetaItem } from './items';
import { keys } from './keys';
import { readConversation } from './membership';
import {
  conditionCheckAction,
  putIfAbsentAction,
  type TransactAction,
  TransactionCancelledError,
  transactWrite,
  updateAction,
} from './table';
import { parseGroupTitle } from './text';
import { bumpTimestamp, nextTimestamp } from './time';
import type { Conversation, ConversationMember, Message } from './types';
import { findUsersByHandles } from './users';
import { parseHandle, parseMessageText } from './validation';

export const GROUP_MIN_OTHERS = 2;
export const GROUP_MAX_MEMBERS = 100;
const TRANSACTION_MAX_ACTIONS = 100;
/** Members per transaction of the sequence: 2 actions each, plus META or its check. */
const MEMBERS_PER_STEP = 49;
const RESUME_ROUNDS = 8;

export interface NewGroup {
  title: unknown;
  handles: unknown;
  message?: unknown;
}

export interface CreatedGroup {
  conversation: Conversation;
  message?: Message;
}

/** What the key's record keeps: the first message without its text (#17), read back on replay. */
interface RememberedGroup {
  conversation: Conversation;
  message?: RememberedMessage;
}

type GroupIdempotency = Idempotency<CreatedGroup, RememberedGroup>;

function rememberedGroup(created: CreatedGroup): RememberedGroup {
  return { conversation: created.conversation, ...(created.message ? { message: rememberedMessage(created.message) } : {}) };
}

async function replayGroup(remembered: RememberedGroup): Promise<CreatedGroup> {
  return {
    conversation: remembered.conversation,
    ...(remembered.message ? { message: await replayMessage(remembered.message) } : {}),
  };
}

export async function createGroup(creator: Sender, input: NewGroup, options: SendOptions = {}): Promise<CreatedGroup> {
  const title = parseGroupTitle(input.title);
  const handles = parseHandles(input.handles, creator);
  const body = input.message === undefined ? undefined : parseMessageText(input.message);
  const idempotency =
    options.idempotencyKey === undefined
      ? undefined
      : idempotencyFor<CreatedGroup, RememberedGroup>(
          creator.uuid,
          options.idempotencyKey,
          { pattern: 'F', title, handles: handles.map((h) => h.toLowerCase()), body: body ?? null },
          rememberedGroup,
        );

  const found = await findUsersByHandles(handles);
  const unknown = handles.filter((handle) => !found.has(handle.toLowerCase()));
  if (unknown.length > 0) throw new NotFoundError(`no user with handle ${unknown.map((h) => `"${h}"`).join(', ')}`);
  const others = handles.flatMap((handle) => found.get(handle.toLowerCase()) ?? []);
  if (others.some((other) => other.uuid === creator.uuid)) throw new ValidationError('handles must not include yourself');

  const groupUuid = idempotency ? uuidFromKey(idempotency.key.pk) : newUuid();
  const createdAt = nextTimestamp();
  const members: ConversationMember[] = [
    { user_uuid: creator.uuid, handle: creator.handle, display_name: creator.display_name, role: 'owner', joined_at: createdAt },
    ...others.map((o) => ({
      user_uuid: o.uuid,
      handle: o.handle,
      display_name: o.display_name,
      role: 'member' as const,
      joined_at: createdAt,
    })),
  ];
  const meta: GroupMetaItem = {
    ...keys.groupMeta(groupUuid),
    kind: 'group',
    group_uuid: groupUuid,
    title,
    created_at: createdAt,
    owner_uuid: creator.uuid,
    member_count: members.length,
    ...(idempotency ? { request_hash: idempotency.requestHash } : {}),
  };
  const message = body === undefined ? undefined : newMessage(groupUuid, creator, body);
  const result: CreatedGroup = { conversation: groupConversation(meta, members), ...(message ? { message } : {}) };

  // The message brings the conversation's head with it (domain/unread.ts).
  const oneTransaction = 2 * members.length + 1 + (message ? 2 : 0) + (idempotency ? 1 : 0) <= TRANSACTION_MAX_ACTIONS;
  if (oneTransaction) return createAtOnce(meta, members, creator, message, result, idempotency);
  return createInSteps(meta, members, creator, message, result, idempotency);
}

function parseHandles(value: unknown, creator: Sender): string[] {
  const max = GROUP_MAX_MEMBERS - 1;
  if (!Array.isArray(value) || value.length < GROUP_MIN_OTHERS || value.length > max) {
    throw new ValidationError(`handles must be a list of ${GROUP_MIN_OTHERS} to ${max} other members`);
  }
  const handles = value.map((handle) => parseHandle(handle, 'handles'));
  const seen = new Set<string>();
  for (const handle of handles) {
    const lower = handle.toLowerCase();
    if (lower === creator.handle.toLowerCase()) throw new ValidationError('handles must not include yourself');
    if (seen.has(lower)) throw new ValidationError(`handle "${handle}" is listed twice`);
    seen.add(lower);
  }
  return handles;
}

/** A uuid-shaped id derived from the creator's idempotency key item, so a retry names the same group. */
function uuidFromKey(idempotencyPk: string): string {
  const hex = createHash('sha256').update(`group:${idempotencyPk}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Each member's two items as named actions; `rowAt` gives each row's sort key (bumped on a
 * collision). Read state (#17): the creator has read the first message (`firstAt`); the
 * others' rows count it unread when the row already shows it (`last.at` is that message).
 */
function memberActions(
  meta: GroupMetaItem,
  members: ConversationMember[],
  creator: Sender,
  last: { message: string; at: string; unread: number },
  rowAt: Map<string, string>,
  firstAt: string | undefined,
): Record<string, TransactAction> {
  const actions: Record<string, TransactAction> = {};
  for (const member of members) {
    const at = rowAt.get(member.user_uuid) ?? last.at;
    const isCreator = member.user_uuid === creator.uuid;
    const marker = isCreator ? firstAt : undefined;
    actions[`membership:${member.user_uuid}`] = putIfAbsentAction(groupMembershipItem(meta.group_uuid, member, marker));
    actions[`row:${member.user_uuid}`] = putIfAbsentAction(
      groupConversationItem(member.user_uuid, { uuid: meta.group_uuid, title: meta.title }, creator, last.message, at, {
        unread_count: isCreator ? 0 : last.unread,
        last_read_at: marker,
      }),
      { returnOld: true },
    );
  }
  return actions;
}

/**
 * A member's row key can be taken by another conversation's row at the same microsecond: that
 * row moves to the next one. True when that was the (only) reason for the cancellation.
 */
function bumpTakenRows(error: TransactionCancelledError, rowAt: Map<string, string>, defaultAt: string): boolean {
  let bumped = false;
  for (const [name, reason] of Object.entries(error.reasons)) {
    if (!name.startsWith('row:') || reason?.code !== 'ConditionalCheckFailed') continue;
    const member = name.slice('row:'.length);
    rowAt.set(member, bumpTimestamp(rowAt.get(member) ?? defaultAt));
    bumped = true;
  }
  const others = Object.entries(error.reasons).filter(
    ([name, reason]) => !name.startsWith('row:') && reason?.code !== 'None' && reason?.code !== undefined,
  );
  return bumped && others.length === 0;
}

async function createAtOnce(
  meta: GroupMetaItem,
  members: ConversationMember[],
  creator: Sender,
  message: Message | undefined,
  result: CreatedGroup,
  idempotency: GroupIdempotency | undefined,
): Promise<CreatedGroup> {
  const last = { message: message?.message ?? '', at: message?.created_at ?? meta.created_at, unread: message ? 1 : 0 };
  const rowAt = new Map<string, string>();
  for (let attempt = 0; ; attempt++) {
    try {
      await transactWrite({
        meta: putIfAbsentAction(meta),
        ...memberActions(meta, members, creator, last, rowAt, message?.created_at),
        message: message && putIfAbsentAction(messageItem(message)),
        head: message && putIfAbsentAction({ ...keys.conversationHead(meta.group_uuid), last_created_at: message.created_at }),
        [IDEMPOTENCY_ACTION]: idempotency?.record(result),
      });
      return result;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const replayed = idempotency?.replay(error);
      if (replayed) return replayGroup(replayed);
      if (error.failed('meta')) throw new ConflictError('this Idempotency-Key was used for a group more than 24 hours ago');
      if (attempt >= KEY_COLLISION_RETRIES || !bumpTakenRows(error, rowAt, last.at)) throw error;
    }
  }
}

async function createInSteps(
  meta: GroupMetaItem,
  members: ConversationMember[],
  creator: Sender,
  message: Message | undefined,
  planResult: CreatedGroup,
  idempotency: GroupIdempotency | undefined,
): Promise<CreatedGroup> {
  let result = planResult;
  const first = members.slice(0, MEMBERS_PER_STEP);
  const rowAt = new Map<string, string>();
  let started = meta;
  // Step 1: META (pending) + the first members.
  for (let attempt = 0; ; attempt++) {
    try {
      await transactWrite({
        meta: putIfAbsentAction({ ...meta, pending_members: members.map((m) => m.user_uuid) }, { returnOld: true }),
        ...memberActions(meta, first, creator, { message: '', at: meta.created_at, unread: 0 }, rowAt, message?.created_at),
      });
      break;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const existing = error.item('meta') as GroupMetaItem | undefined;
      if (existing) {
        // A retry with the same key: resume the creation it started, or return its result.
        const done = await idempotency?.lookup();
        if (done) return replayGroup(done);
        if (!idempotency || existing.request_hash !== idempotency.requestHash || !existing.pending_members) {
          throw new ConflictError('this Idempotency-Key was already used for a different request');
        }
        started = existing;
        break;
      }
      if (attempt >= KEY_COLLISION_RETRIES || !bumpTakenRows(error, rowAt, meta.created_at)) throw error;
    }
  }
  // The group as started: a resumed one keeps its first request's time (and so its members' join time).
  const planned = started === meta ? members : resumedMembers(started, members);
  if (started !== meta) {
    const { pending_members: _pending, ...complete } = started;
    result = { ...result, conversation: groupConversation(complete, planned) };
  }
  const stillPending = () =>
    conditionCheckAction(keys.groupMeta(started.group_uuid), { if: 'attribute_exists(pending_members)' });

  // Step 2: the others, whatever is not written yet.
  for (let round = 0; ; round++) {
    const written =
      started === meta && round === 0
        ? new Set(first.map((m) => m.user_uuid))
        : new Set((await readConversation(started.group_uuid)).members.keys());
    const missing = planned.filter((m) => !written.has(m.user_uuid));
    if (missing.length === 0) break;
    if (round >= RESUME_ROUNDS)
      throw new ServiceUnavailableError('group creation still contended; retry with the same Idempotency-Key');
    try {
      for (let i = 0; i < missing.length; i += MEMBERS_PER_STEP) {
        const chunk = missing.slice(i, i + MEMBERS_PER_STEP);
        await transactWrite({
          pending: stillPending(),
          ...memberActions(
            started,
            chunk,
            creator,
            { message: '', at: started.created_at, unread: 0 },
            rowAt,
            message?.created_at,
          ),
        });
      }
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (error.failed('pending')) return finished(idempotency, result);
      // A twin retry wrote some of them, or a row key was taken: re-read and go on.
      bumpTakenRows(error, rowAt, started.created_at);
    }
  }

  // Step 3: the group is complete; the first message and the key's record with it. Members
  // written in steps 1-2 can already send: a first message overtaken by one of theirs takes a
  // time after it (the head, domain/unread.ts), so the conversation's messages stay in order.
  let firstMessage = message;
  for (let overtaken = 0; ; overtaken++) {
    try {
      await transactWrite({
        meta: updateAction(keys.groupMeta(started.group_uuid), 'REMOVE pending_members', {
          if: 'attribute_exists(pending_members)',
        }),
        message: firstMessage && putIfAbsentAction(messageItem(firstMessage)),
        [HEAD_ACTION]: firstMessage && headAction(started.group_uuid, firstMessage.created_at),
        [IDEMPOTENCY_ACTION]: idempotency?.record(result),
      });
      return result;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const replayed = idempotency?.replay(error);
      if (replayed) return replayGroup(replayed);
      if (error.failed('meta')) return finished(idempotency, result);
      const later = afterHead(error);
      if (!firstMessage || later === undefined) throw error;
      if (overtaken >= HEAD_RETRIES) throw headContended(started.group_uuid);
      firstMessage = withCreatedAt(firstMessage, later);
      result = { ...result, message: firstMessage };
    }
  }
}

/** The members a resumed creation must have: its first request's, at its first request's time. */
function resumedMembers(started: GroupMetaItem, members: ConversationMember[]): ConversationMember[] {
  const uuids = new Set(started.pending_members ?? []);
  return members.filter((m) => uuids.has(m.user_uuid)).map((m) => ({ ...m, joined_at: started.created_at }));
}

/** A twin request completed the creation: its remembered result. */
async function finished(idempotency: GroupIdempotency | undefined, fallback: CreatedGroup): Promise<CreatedGroup> {
  const done = await idempotency?.lookup();
  return done ? replayGroup(done) : fallback;
}
