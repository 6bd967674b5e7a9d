/**
 * Safety: one user blocks another (issue #20). The rules, also in README "Safety":
 *
 * - A block is one item, `BLOCKS#<blocker>` / `BLOCKED#<blocked>`, listed by the blocker
 *   (`GET /api/blocks`, 1 Query per page). Blocking twice, or unblocking someone not blocked,
 *   changes nothing and answers the same (idempotent).
 * - While either of two people blocks the other, NEITHER can send to the other: pattern D
 *   (start a conversation) and pattern C (post into their direct conversation) answer a neutral
 *   `403 forbidden` with the same message whichever side blocked. Reading the conversation's
 *   history (pattern A) and the conversation list (pattern B) are unchanged.
 * - Unblocking removes exactly what blocking added, so the previous state comes back.
 *
 * How the send paths read it, within their round-trip budget:
 * - Pattern C: the block travels on the membership items of the pair's direct conversation
 *   (`blocked_by`, a string set of blocker uuids). C's one consistent membership GetItem already
 *   reads that item: 0 extra requests, 0 extra read units (the item stays far below 4 KB).
 *   Block and unblock change the block item and both memberships in ONE transaction, with a
 *   ConditionCheck that the pair item is as read (no conversation, or this one), so a
 *   conversation started at the same moment cannot miss its marks: the block retries instead.
 * - Pattern D: two ConditionCheck actions (no block item in either direction) inside D's own
 *   TransactWriteItems: 0 extra round trips; each is billed as a transactional write of a
 *   missing item (2 write units), so a new conversation costs 4 write units more.
 *
 * Shared GROUP conversations follow another rule, since a block must not let one member
 * silence a group: the blocked user may still post there; what they send is not pushed to the
 * blocker (domain/push.ts asks `blockingPairs` once per batch), and in the blocker's lists
 * (patterns A and B) it keeps its place with the text withheld (`markBlockedSenders` with the
 * set from `blockedUuids`). Nothing is written for it: the rule is applied for the viewer when
 * content leaves the table, so unblocking shows everything again. Group membership items never
 * carry `blocked_by`: the marks are placed only through the pair item of a direct conversation.
 */
import { decodeKeyCursor, encodeKeyCursor } from './cursor';
import { ForbiddenError, ValidationError } from './errors';
import { blockedUuidOfBlock, blockerUuidOfBlock, keys } from './keys';
import { conversationNotFound, findMessageGroupBetween } from './membership';
import {
  batchGetKeys,
  conditionCheckAction,
  deleteIfAction,
  getItem,
  putIfAbsentAction,
  queryAll,
  queryKeyPage,
  TransactionCancelledError,
  transactWrite,
  type Item,
  type TransactAction,
  updateAction,
} from './table';
import { canonicalTimestamp, nextTimestamp } from './time';
import type { Page, PageRequest, UserProfile } from './types';
import { getUserByHandle } from './users';
import { isUuid, parseLimit } from './validation';

export interface Block {
  blocked_uuid: string;
  /** Handle and name as they were when the block was made. */
  handle: string;
  display_name: string;
  blocked_at: string;
}

/** The one answer to a send refused by a block, whichever side blocked (README, Safety). */
export const SEND_NOT_ALLOWED = 'you cannot send messages to this user';

export function sendNotAllowed(): ForbiddenError {
  return new ForbiddenError(SEND_NOT_ALLOWED);
}

// The pair's state changes underneath a block only while a conversation is being started;
// a few tries always settle it.
const PAIR_RACE_RETRIES = 3;

type BlockAction = 'block' | 'pair' | 'blockerMembership' | 'blockedMembership';

async function target(blocker: UserProfile, handle: string): Promise<UserProfile> {
  const other = await getUserByHandle(handle);
  if (other.uuid === blocker.uuid) throw new ValidationError('you cannot block yourself');
  return other;
}

/** The pair item exactly as read: no conversation between the two, or this one. */
function pairAsRead(a: string, b: string, group: string | undefined): TransactAction {
  return conditionCheckAction(
    keys.pair(a, b),
    group === undefined ? { if: 'attribute_not_exists(pk)' } : { if: 'group_uuid = :g', values: { ':g': group } },
  );
}

/** ADD or DELETE the blocker in a membership's `blocked_by`; never creates a membership. */
function markMembership(group: string, member: string, op: 'ADD' | 'DELETE', blocker: string): TransactAction {
  return updateAction(keys.membership(group, member), `${op} blocked_by :blocker`, {
    if: 'attribute_exists(pk)',
    values: { ':blocker': new Set([blocker]) },
  });
}

function blockFromItem(item: Item): Block {
  return {
    blocked_uuid: String(item.blocked_uuid),
    handle: String(item.handle),
    display_name: String(item.display_name),
    blocked_at: canonicalTimestamp(String(item.blocked_at)),
  };
}

/**
 * `blocker` blocks the user with `handle`. Requests: handle GetItem, pair GetItem, 1
 * TransactWriteItems (block item, pair check, and both memberships when they have a
 * conversation). Already blocked: the existing block, nothing written.
 */
export async function blockUser(blocker: UserProfile, handle: string): Promise<Block> {
  const other = await target(blocker, handle);
  for (let attempt = 0; ; attempt++) {
    const group = await findMessageGroupBetween(blocker.uuid, other.uuid);
    const item = {
      ...keys.block(blocker.uuid, other.uuid),
      blocked_uuid: other.uuid,
      handle: other.handle,
      display_name: other.display_name,
      blocked_at: nextTimestamp(),
    };
    try {
      await transactWrite<BlockAction>({
        block: putIfAbsentAction(item, { returnOld: true }),
        pair: pairAsRead(blocker.uuid, other.uuid, group),
        blockerMembership: group === undefined ? undefined : markMembership(group, blocker.uuid, 'ADD', blocker.uuid),
        blockedMembership: group === undefined ? undefined : markMembership(group, other.uuid, 'ADD', blocker.uuid),
      });
      return blockFromItem(item);
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const existing = error.item('block');
      if (existing) return blockFromItem(existing);
      if (!error.failed('pair') || attempt >= PAIR_RACE_RETRIES) throw error;
    }
  }
}

/**
 * `blocker` unblocks the user with `handle`: the block item goes, and the blocker leaves the
 * `blocked_by` of both memberships (a block the other made stays). Not blocked: nothing written.
 */
export async function unblockUser(blocker: UserProfile, handle: string): Promise<UserProfile> {
  const other = await target(blocker, handle);
  for (let attempt = 0; ; attempt++) {
    const group = await findMessageGroupBetween(blocker.uuid, other.uuid);
    try {
      await transactWrite<BlockAction>({
        block: deleteIfAction(keys.block(blocker.uuid, other.uuid), { if: 'attribute_exists(pk)' }),
        pair: pairAsRead(blocker.uuid, other.uuid, group),
        blockerMembership: group === undefined ? undefined : markMembership(group, blocker.uuid, 'DELETE', blocker.uuid),
        blockedMembership: group === undefined ? undefined : markMembership(group, other.uuid, 'DELETE', blocker.uuid),
      });
      return other;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (error.failed('block')) return other;
      if (!error.failed('pair') || attempt >= PAIR_RACE_RETRIES) throw error;
    }
  }
}

const BLOCK_LIST = 'blocks';

/** The caller's blocks, by blocked uuid, one Query per page (`limit`, opaque cursor). */
export async function listBlocks(blockerUuid: string, page: PageRequest = {}): Promise<Page<Block>> {
  const after =
    page.cursor === undefined
      ? undefined
      : decodeKeyCursor(page.cursor, BLOCK_LIST, blockerUuid, (sk) => isUuid(blockedUuidOfBlock(sk)));
  const { items, lastKey } = await queryKeyPage({
    pk: keys.blocksPartition(blockerUuid),
    limit: parseLimit(page.limit),
    after,
    forward: true,
  });
  return {
    items: items.map(blockFromItem),
    ...(lastKey ? { nextCursor: encodeKeyCursor(BLOCK_LIST, blockerUuid, lastKey) } : {}),
  };
}

/**
 * Pattern C's membership check with the block read from the same item: not a member → 404
 * (the conversation does not exist for you); a member of a direct conversation with a block
 * in either direction → the neutral 403. One consistent GetItem.
 */
export async function requireSender(groupUuid: string, senderUuid: string): Promise<void> {
  const membership = await getItem(keys.membership(groupUuid, senderUuid), { consistent: true, projection: 'pk, blocked_by' });
  if (!membership) throw conversationNotFound();
  if (membership.blocked_by instanceof Set && membership.blocked_by.size > 0) throw sendNotAllowed();
}

export type BlockCheckAction = 'blockedBySender' | 'blockedByOther';

/** Pattern D's checks, as actions of its transaction: no block item in either direction. */
export function noBlockBetween(sender: string, other: string): Record<BlockCheckAction, TransactAction> {
  return {
    blockedBySender: conditionCheckAction(keys.block(sender, other), { if: 'attribute_not_exists(pk)' }),
    blockedByOther: conditionCheckAction(keys.block(other, sender), { if: 'attribute_not_exists(pk)' }),
  };
}

export function cancelledByBlock(error: TransactionCancelledError<string>): boolean {
  return error.failed('blockedBySender') || error.failed('blockedByOther');
}

/**
 * For writers of a direct conversation's memberships outside pattern D (adopting the original
 * backend's conversations, domain/legacy.ts): who of `a` and `b` blocks the other (2 consistent
 * GetItems), the marks their memberships must carry, and checks that the block items are still
 * as read when the transaction commits.
 */
export async function blocksBetween(a: string, b: string) {
  const [byA, byB] = await Promise.all([
    getItem(keys.block(a, b), { consistent: true, projection: 'pk' }),
    getItem(keys.block(b, a), { consistent: true, projection: 'pk' }),
  ]);
  const blockers = [...(byA ? [a] : []), ...(byB ? [b] : [])];
  const asRead = (blocker: string, other: string, present: boolean) =>
    conditionCheckAction(keys.block(blocker, other), { if: present ? 'attribute_exists(pk)' : 'attribute_not_exists(pk)' });
  return {
    blockers,
    /** Attributes a new membership item of theirs gets. */
    marks: blockers.length > 0 ? { blocked_by: new Set(blockers) } : {},
    /** ADD the marks to an existing membership (undefined when there is no block). */
    markExisting: (group: string, member: string): TransactAction | undefined =>
      blockers.length === 0
        ? undefined
        : updateAction(keys.membership(group, member), 'ADD blocked_by :blockers', {
            if: 'attribute_exists(pk)',
            values: { ':blockers': new Set(blockers) },
          }),
    checks: { blockByA: asRead(a, b, byA !== undefined), blockByB: asRead(b, a, byB !== undefined) },
  };
}

// ---- Shared group conversations: what a viewer who blocks a member is shown ----

/** Every uuid `viewer` blocks (their whole block partition, 1 Query per 1 MB page). */
export async function blockedUuids(viewerUuid: string): Promise<Set<string>> {
  const items = await queryAll({ pk: keys.blocksPartition(viewerUuid), consistent: true, projection: 'blocked_uuid' });
  return new Set(items.map((item) => item.blocked_uuid).filter(isUuid));
}

/** What a viewer sees instead of the text of someone they block, in a shared group. */
export const BLOCKED_SENDER_TEXT = 'Message from someone you blocked';

/**
 * Items (messages, conversation rows) as `viewer` sees them in a shared group: an item whose
 * sender the viewer blocks keeps its place (pages and cursors unchanged) with its text withheld
 * and `blocked_sender: true`; every other item is returned as is.
 */
export function markBlockedSenders<T extends { message: string; deleted?: true }>(
  items: T[],
  senderOf: (item: T) => string,
  blocked: ReadonlySet<string>,
): Array<T & { blocked_sender?: true }> {
  if (blocked.size === 0) return items;
  // A tombstone (#17) has no text to withhold: it stays as it is.
  return items.map((item) => (blocked.has(senderOf(item)) && item.deleted !== true ? withheldFromBlocker(item) : item));
}

/** An item as someone who blocks its sender sees it: in place, the text withheld. */
export function withheldFromBlocker<T extends { message: string }>(item: T): T & { blocked_sender: true } {
  return { ...item, message: BLOCKED_SENDER_TEXT, blocked_sender: true };
}

/** A "who blocks whom" question of the fan-out: does `blocker` block `sender`? */
export interface BlockQuestion {
  blocker: string;
  sender: string;
}

export function blockPairKey(question: BlockQuestion): string {
  return `${question.blocker}|${question.sender}`;
}

/**
 * Of the `questions`, those answered yes, as `blockPairKey`s: one strongly consistent
 * BatchGetItem per 100 distinct questions (a batch of events asks once per pair).
 */
export async function blockingPairs(questions: BlockQuestion[]): Promise<Set<string>> {
  const distinct = new Map<string, BlockQuestion>();
  for (const question of questions) if (question.blocker !== question.sender) distinct.set(blockPairKey(question), question);
  if (distinct.size === 0) return new Set();
  const found = await batchGetKeys(
    [...distinct.values()].map(({ blocker, sender }) => keys.block(blocker, sender)),
    'pk, sk',
  );
  return new Set(
    found.map((item) =>
      blockPairKey({ blocker: String(blockerUuidOfBlock(String(item.pk))), sender: String(blockedUuidOfBlock(String(item.sk))) }),
    ),
  );
}

/**
 * Of `recipients` of a group message by `sender`, those who do not block the sender (the
 * realtime fan-out pushes to these only). 1 BatchGetItem per 100 recipients, strongly consistent.
 */
export async function recipientsNotBlocking(senderUuid: string, recipients: string[]): Promise<string[]> {
  const blocking = await blockingPairs(recipients.map((blocker) => ({ blocker, sender: senderUuid })));
  return recipients.filter((blocker) => !blocking.has(blockPairKey({ blocker, sender: senderUuid })));
}
