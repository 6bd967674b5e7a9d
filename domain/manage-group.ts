/**
 * Pattern H: change a group — rename it, add a member, remove one (or leave), change a role.
 *
 * Roles: `owner` (one per group: everything, the only one who changes roles), `admin`
 * (rename, add, remove plain members), `member` (read, post, leave). Nobody adds themself:
 * only a member can add, and they are in already. When the owner leaves, the longest-standing
 * admin becomes owner, else the longest-standing member (join time, then uuid); the last member
 * leaving leaves a group nobody can read (its messages stay stored, unreachable).
 *
 * Every change is one TransactWriteItems whose conditions re-check what the decision was made
 * on: the actor's role as read (a ConditionCheck, or the update of the actor's own item), the
 * target's membership and role, and META's member count (at most 100). A membership is added or
 * removed together with the member's conversation row in the same transaction, so a member
 * always has exactly one row and a non-member none, whatever runs concurrently (pattern E moves
 * rows with a conditional delete + put; a removal deletes the row where it is, or is cancelled
 * and re-reads). A cancelled transaction re-reads and decides again, a bounded number of times.
 *
 * Requests (common case): rename 1 consistent Query + 1 transaction + the title on every row
 * (1 GSI Query + 1 UpdateItem per member, then 1 GetItem to confirm META still has it); add 1
 * Query + 1 GetItem (handle) + 1 GetItem (the conversation's head: the new member's read marker)
 * + 1 Query (newest message, shown on the new row) + 1 transaction;
 * remove/leave 1 Query + 1 GSI Query (the row) + 1 transaction; role 1 Query + 1 transaction.
 * Non-members get NotFoundError for all of it; direct conversations are a ValidationError.
 */
import { bySeniority, groupConversation, memberOf } from './describe-conversation';
import { ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationError, ConflictError } from './errors';
import { GROUP_MAX_MEMBERS } from './create-group';
import type { Sender } from './create-message';
import {
  groupConversationItem,
  groupMembershipItem,
  type ConversationItem,
  type GroupMetaItem,
  type MembershipItem,
} from './items';
import { keys, MESSAGE_GROUP_INDEX } from './keys';
import { conversationNotFound, readConversation, type ConversationState } from './membership';
import {
  conditionCheckAction,
  deleteIfAction,
  getItem,
  lastItem,
  putIfAbsentAction,
  queryAll,
  queryIndexAll,
  type TransactAction,
  TransactionCancelledError,
  transactWrite,
  updateAction,
  updateIf,
} from './table';
import { parseGroupTitle } from './text';
import { bumpTimestamp, canonicalTimestamp, compareTimestamps, isTimestamp, nextTimestamp } from './time';
import { ROLES, type Conversation, type ConversationMember, type Role } from './types';
import { getUserByHandle } from './users';
import { parseHandle, parseUuid } from './validation';

const ATTEMPTS = 8;

interface Decided {
  meta: GroupMetaItem;
  actor: ConversationMember;
  state: ConversationState;
}

/** The caller's part in the group: a non-member gets 404, a direct conversation 400, too low a role 403. */
function decide(state: ConversationState, callerUuid: string, allowed?: Role[]): Decided {
  const item = state.members.get(callerUuid);
  if (!item) throw conversationNotFound();
  if (!state.meta) throw new ValidationError('a direct conversation has no title, members or roles to change');
  const actor = memberOf(item);
  if (allowed && !allowed.includes(actor.role)) throw new ForbiddenError(`only ${allowed.join(' or ')} may do this`);
  return { meta: state.meta, actor, state };
}

function findMember(state: ConversationState, handle: string): ConversationMember {
  const lower = handle.toLowerCase();
  const item = [...state.members.values()].find((m) => String(m.handle ?? '').toLowerCase() === lower);
  if (!item) throw new NotFoundError(`"${handle}" is not a member of this group`);
  return memberOf(item);
}

/** The actor still has the role the decision was made on. */
function actorCheck(groupUuid: string, actor: ConversationMember): TransactAction {
  return conditionCheckAction(keys.membership(groupUuid, actor.user_uuid), {
    if: '#role = :role',
    values: { ':role': actor.role },
    names: ROLE_NAME,
  });
}

const ROLE_NAME = { '#role': 'role' };

/**
 * Runs `attempt` on a fresh read until it commits: a cancelled transaction (someone changed the
 * group meanwhile, or a row moved) means read and decide again.
 */
async function withFreshReads<T>(
  groupUuid: string,
  attempt: (state: ConversationState, round: number) => Promise<T>,
): Promise<T> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  for (let round = 0; ; round++) {
    const state = await readConversation(group);
    try {
      return await attempt(state, round);
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (round + 1 >= ATTEMPTS) throw new ServiceUnavailableError('the group kept changing; retry', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(400, 20 * 2 ** round)));
    }
  }
}

export async function renameGroup(groupUuid: string, caller: Sender, rawTitle: unknown): Promise<Conversation> {
  const title = parseGroupTitle(rawTitle);
  const conversation = await withFreshReads(groupUuid, async (state) => {
    const { meta, actor } = decide(state, caller.uuid, ['owner', 'admin']);
    await transactWrite({
      actor: actorCheck(meta.group_uuid, actor),
      meta: updateAction(keys.groupMeta(meta.group_uuid), 'SET title = :title', {
        if: 'attribute_exists(pk)',
        values: { ':title': title },
      }),
    });
    return groupConversation({ ...meta, title }, [...state.members.values()]);
  });
  await propagateTitle(conversation.message_group_uuid);
  return conversation;
}

/**
 * Brings every member's row to META's title, pass by pass: a row whose title differs is
 * updated in place only if it is still this group's row with the title read (so an older
 * rename never overwrites a newer one, and pattern E, whose moves are conditioned on the
 * title they read, never overwrites it either), until a pass finds nothing to change.
 * Bounded; meanwhile B may show the old title on a row, GET never does.
 */
export async function propagateTitle(groupUuid: string): Promise<void> {
  for (let pass = 0; pass < ATTEMPTS; pass++) {
    const meta = (await getItem(keys.groupMeta(groupUuid), { consistent: true })) as GroupMetaItem | undefined;
    if (!meta) return;
    const rows = (await queryIndexAll(MESSAGE_GROUP_INDEX, 'message_group_uuid', groupUuid)) as unknown as ConversationItem[];
    const stale = rows.filter((row) => row.title !== meta.title);
    if (stale.length === 0) return;
    await Promise.all(
      stale.map((row) =>
        updateIf({ pk: row.pk, sk: row.sk }, 'SET title = :title', {
          if: 'message_group_uuid = :g AND title = :seen',
          values: { ':title': meta.title, ':g': groupUuid, ':seen': row.title ?? '' },
        }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** pass));
  }
}

export async function addMember(groupUuid: string, caller: Sender, rawHandle: unknown): Promise<Conversation> {
  const handle = parseHandle(rawHandle);
  return withFreshReads(groupUuid, async (state) => {
    const { meta, actor } = decide(state, caller.uuid, ['owner', 'admin']);
    if (handle.toLowerCase() === caller.handle.toLowerCase()) throw new ValidationError('you cannot add yourself');
    const user = await getUserByHandle(handle);
    if (state.members.has(user.uuid)) throw new ConflictError(`"${user.handle}" is a member already`);
    if (state.members.size >= GROUP_MAX_MEMBERS) throw new ConflictError(`a group has at most ${GROUP_MAX_MEMBERS} members`);
    const member: ConversationMember = {
      user_uuid: user.uuid,
      handle: user.handle,
      display_name: user.display_name,
      role: 'member',
      joined_at: nextTimestamp(),
    };
    // The new row shows the group's newest message (sent before they joined: they can read it),
    // and the member's read marker starts there (#17): history before joining counts as read.
    // The head (domain/unread.ts) is read first and checked unchanged by the transaction, so a
    // message committed meanwhile cancels it (re-read) instead of being counted read unseen.
    const head = await getItem(keys.conversationHead(meta.group_uuid), { consistent: true });
    const newest = await lastItem({ pk: keys.messagePartition(meta.group_uuid), consistent: true });
    const headAt = typeof head?.last_created_at === 'string' ? head.last_created_at : undefined;
    const marker = headAt ?? (newest && isTimestamp(newest.sk) ? canonicalTimestamp(String(newest.sk)) : undefined);
    const sender =
      newest && typeof newest.user_uuid === 'string'
        ? { uuid: newest.user_uuid, handle: String(newest.user_handle), display_name: String(newest.user_display_name) }
        : actor.user_uuid === caller.uuid
          ? caller
          : { uuid: actor.user_uuid, handle: actor.handle, display_name: actor.display_name };
    // The row sits at the newest message's own time, like every other member's row, never at
    // the join time: pattern E moves and counts rows by position (a message committed after
    // the add but stamped before it must still move this row and count), and an edit or
    // deletion of that message finds the rows at its time. No message yet: the group's start.
    let at = newest && isTimestamp(newest.sk) ? canonicalTimestamp(String(newest.sk)) : canonicalTimestamp(meta.created_at);
    for (let collision = 0; ; collision++) {
      try {
        await transactWrite({
          actor: actorCheck(meta.group_uuid, actor),
          meta: updateAction(keys.groupMeta(meta.group_uuid), 'SET member_count = member_count + :one', {
            if: 'member_count < :max',
            values: { ':one': 1, ':max': GROUP_MAX_MEMBERS },
          }),
          membership: putIfAbsentAction(groupMembershipItem(meta.group_uuid, member, marker)),
          row: putIfAbsentAction(
            {
              ...groupConversationItem(
                user.uuid,
                { uuid: meta.group_uuid, title: meta.title },
                sender,
                String(newest?.message ?? ''),
                at,
                { unread_count: 0, last_read_at: marker },
              ),
              ...lastMessageState(newest),
            },
            { returnOld: true },
          ),
          head: conditionCheckAction(
            keys.conversationHead(meta.group_uuid),
            headAt === undefined
              ? { if: 'attribute_not_exists(last_created_at)' }
              : { if: 'last_created_at = :h', values: { ':h': headAt } },
          ),
        });
        break;
      } catch (error) {
        if (!(error instanceof TransactionCancelledError)) throw error;
        const onlyRow =
          error.failed('row') &&
          !error.failed('actor') &&
          !error.failed('meta') &&
          !error.failed('membership') &&
          !error.failed('head');
        if (!onlyRow || collision >= 5) throw error; // re-read: a member already, full, or roles changed
        at = bumpTimestamp(at); // another conversation's row sits at this microsecond
      }
    }
    return groupConversation({ ...meta, member_count: meta.member_count + 1 }, [...state.members.values(), member]);
  });
}

/**
 * Removes `handle` from the group: the caller themself (leave, anyone), or another member
 * (owner: anyone; admin: plain members only). The membership and the member's row are
 * deleted in one transaction; an owner who leaves hands over in the same transaction.
 */
export async function removeMember(groupUuid: string, caller: Sender, rawHandle: unknown): Promise<void> {
  const handle = parseHandle(rawHandle);
  await withFreshReads(groupUuid, async (state, round) => {
    const { meta, actor } = decide(state, caller.uuid);
    const target = findMember(state, handle);
    const leaving = target.user_uuid === actor.user_uuid;
    if (!leaving) {
      if (actor.role === 'member') throw new ForbiddenError('only owner or admin may remove members');
      if (actor.role === 'admin' && target.role !== 'member') throw new ForbiddenError('an admin may remove plain members only');
    }
    const row = await findRow(meta.group_uuid, target.user_uuid, round > 1);
    const actions: Record<string, TransactAction | undefined> = {
      actor: leaving ? undefined : actorCheck(meta.group_uuid, actor),
      membership: deleteIfAction(keys.membership(meta.group_uuid, target.user_uuid), {
        if: '#role = :role',
        values: { ':role': target.role },
        names: ROLE_NAME,
      }),
      row:
        row && deleteIfAction({ pk: row.pk, sk: row.sk }, { if: 'message_group_uuid = :g', values: { ':g': meta.group_uuid } }),
    };
    const successor =
      target.role === 'owner'
        ? [...state.members.values()]
            .map(memberOf)
            .filter((m) => m.user_uuid !== target.user_uuid)
            .sort((a, b) => (a.role === 'admin' ? 0 : 1) - (b.role === 'admin' ? 0 : 1) || bySeniority(a, b))[0]
        : undefined;
    if (successor) {
      actions.successor = updateAction(keys.membership(meta.group_uuid, successor.user_uuid), 'SET #role = :owner', {
        if: '#role = :role',
        values: { ':owner': 'owner', ':role': successor.role },
        names: ROLE_NAME,
      });
    }
    actions.meta = updateAction(
      keys.groupMeta(meta.group_uuid),
      successor ? 'SET member_count = member_count - :one, owner_uuid = :successor' : 'SET member_count = member_count - :one',
      { if: 'attribute_exists(pk)', values: { ':one': 1, ...(successor ? { ':successor': successor.user_uuid } : {}) } },
    );
    await transactWrite(actions);
  });
}

/**
 * The member's row of this group: from the GSI (eventually consistent), or after repeated
 * cancellations from a consistent Query of the member's own rows (every page).
 */
async function findRow(groupUuid: string, member: string, consistent: boolean): Promise<ConversationItem | undefined> {
  const pk = keys.conversationPartition(member);
  const rows = consistent
    ? ((await queryAll({ pk, consistent: true })) as unknown as ConversationItem[]).filter(
        (r) => r.message_group_uuid === groupUuid,
      )
    : ((await queryIndexAll(MESSAGE_GROUP_INDEX, 'message_group_uuid', groupUuid)) as unknown as ConversationItem[]).filter(
        (r) => r.pk === pk,
      );
  if (rows.length === 0 && !consistent) return findRow(groupUuid, member, true);
  return rows.sort((a, b) => compareTimestamps(b.sk, a.sk))[0];
}

export function parseRole(value: unknown): Role {
  if (typeof value === 'string' && (ROLES as readonly string[]).includes(value)) return value as Role;
  throw new ValidationError(`role must be one of ${ROLES.join(', ')}`);
}

/**
 * Owner only. `admin` or `member` changes the member's role; `owner` hands the group over (the
 * old owner becomes admin), in one transaction.
 */
export async function setMemberRole(
  groupUuid: string,
  caller: Sender,
  rawHandle: unknown,
  rawRole: unknown,
): Promise<Conversation> {
  const handle = parseHandle(rawHandle);
  const role = parseRole(rawRole);
  return withFreshReads(groupUuid, async (state) => {
    const { meta, actor } = decide(state, caller.uuid, ['owner']);
    const target = findMember(state, handle);
    if (target.user_uuid === actor.user_uuid)
      throw new ValidationError('the owner cannot change their own role: make another member owner');
    const targetKey = keys.membership(meta.group_uuid, target.user_uuid);
    const targetUpdate = updateAction(targetKey, 'SET #role = :new', {
      if: '#role = :role',
      values: { ':new': role, ':role': target.role },
      names: ROLE_NAME,
    });
    if (role === 'owner') {
      await transactWrite({
        actor: updateAction(keys.membership(meta.group_uuid, actor.user_uuid), 'SET #role = :admin', {
          if: '#role = :owner',
          values: { ':admin': 'admin', ':owner': 'owner' },
          names: ROLE_NAME,
        }),
        target: targetUpdate,
        meta: updateAction(keys.groupMeta(meta.group_uuid), 'SET owner_uuid = :t', {
          if: 'attribute_exists(pk)',
          values: { ':t': target.user_uuid },
        }),
      });
    } else {
      await transactWrite({ actor: actorCheck(meta.group_uuid, actor), target: targetUpdate });
    }
    const members = [...state.members.values()].map((m: MembershipItem) => {
      const member = memberOf(m);
      if (member.user_uuid === target.user_uuid) return { ...member, role };
      if (role === 'owner' && member.user_uuid === actor.user_uuid) return { ...member, role: 'admin' as const };
      return member;
    });
    return groupConversation(role === 'owner' ? { ...meta, owner_uuid: target.user_uuid } : meta, members);
  });
}

/**
 * What a row shows of an edited or deleted newest message (#17), as pattern E would have put
 * it there: `edited_at`, or a tombstone (no `message`, `deleted`, `deleted_at`).
 */
function lastMessageState(newest: Record<string, unknown> | undefined): Record<string, unknown> {
  if (newest?.deleted === true) return { message: undefined, deleted: true, deleted_at: newest.deleted_at };
  return typeof newest?.edited_at === 'string' ? { edited_at: newest.edited_at } : {};
}
