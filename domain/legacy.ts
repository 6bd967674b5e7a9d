/**
 * Conversations the original Cruddur backend created. Its `create_message_group` writes the
 * two conversation rows and the first message, nothing else; our pattern A and C check the
 * membership items (`GROUP#<group>` / `MEMBER#<user>`) and pattern D the pair item, so without
 * them the members get "not found" for a conversation they can see in their list, and D
 * opens a second conversation between the same two people. Reading the original's timestamps
 * needs no rewrite (domain/time.ts); these missing items do.
 *
 * `adoptLegacyConversations` walks every conversation row (a Scan of the sparse GSI, all
 * pages), and for each conversation whose rows name two members but whose membership or pair
 * items are missing, writes the missing ones in our shapes: one TransactWriteItems of
 * conditional puts (`attribute_not_exists(pk)`), so it never overwrites anything and a second
 * run finds nothing to do. Dry run unless `apply` is true. If the pair item already names
 * another conversation (the two met again through our D), the memberships are still written
 * and the pair is left alone: both conversations stay readable, D keeps using the other one.
 *
 * Requests: 1 Scan per index page; per conversation 3 GetItem (2 memberships, pair), 10
 * conversations at a time; per conversation to adopt, when applying, 1 Query (its first
 * message, for the pair's created_at) and 1 TransactWriteItems.
 */
import { blocksBetween } from './blocks';
import { keys, MESSAGE_GROUP_INDEX, userUuidOfConversationPartition } from './keys';
import { findMessageGroupBetween, isMember } from './membership';
import { firstItem, putIfAbsentAction, scanIndexPages, TransactionCancelledError, transactWrite } from './table';
import { canonicalTimestamp, isTimestamp } from './time';
import { isUuid } from './validation';

export interface AdoptOptions {
  /** Write the missing items; without it nothing is written (dry run). */
  apply?: boolean;
  /** Items per index Scan page (tests use small pages). */
  pageSize?: number;
}

export interface Adoption {
  message_group_uuid: string;
  members: [string, string];
  /** Items missing (dry run) or written (apply): `membership <user>`, `pair`. */
  missing: string[];
  /** Set when the pair item names another conversation of the same two members. */
  pairNames?: string;
  /** Set when applying was cancelled because the items changed meanwhile: run again. */
  raced?: true;
}

export interface AdoptionReport {
  applied: boolean;
  indexPages: number;
  conversations: number;
  /** Conversations that already had both memberships and their pair. */
  complete: number;
  adopted: Adoption[];
  skipped: Array<{ message_group_uuid: string; reason: string }>;
}

export async function adoptLegacyConversations(options: AdoptOptions = {}): Promise<AdoptionReport> {
  const applied = options.apply === true;
  const { members, pages } = await conversationMembers(options.pageSize);
  const report: AdoptionReport = {
    applied,
    indexPages: pages,
    conversations: members.size,
    complete: 0,
    adopted: [],
    skipped: [],
  };

  const queue = [...members];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await adoptOne(next[0], next[1], applied, report);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  report.adopted.sort((x, y) => (x.message_group_uuid < y.message_group_uuid ? -1 : 1));
  return report;
}

// Conversations checked at once: a big table stays inside the function's timeout.
const CONCURRENCY = 10;

async function adoptOne(group: string, found: Set<string>, applied: boolean, report: AdoptionReport): Promise<void> {
  const pair = [...found].sort();
  if (pair.length !== 2 || !pair.every(isUuid)) {
    report.skipped.push({ message_group_uuid: group, reason: `rows name ${pair.length} members, not two` });
    return;
  }
  const [a, b] = pair as [string, string];
  const [aIn, bIn, pairGroup] = await Promise.all([isMember(group, a), isMember(group, b), findMessageGroupBetween(a, b)]);
  const missing = [...(aIn ? [] : [a]), ...(bIn ? [] : [b])].map((user) => `membership ${user}`);
  if (pairGroup === undefined) missing.push('pair');
  if (missing.length === 0) {
    report.complete++;
    return;
  }
  const adoption: Adoption = { message_group_uuid: group, members: [a, b], missing };
  if (pairGroup !== undefined && pairGroup !== group) adoption.pairNames = pairGroup;
  if (applied && !(await writeMissing(group, a, b, aIn, bIn, pairGroup === undefined))) adoption.raced = true;
  report.adopted.push(adoption);
}

/** Every conversation in the index with the members its rows name (owner and other member). */
async function conversationMembers(pageSize: number | undefined): Promise<{ members: Map<string, Set<string>>; pages: number }> {
  const members = new Map<string, Set<string>>();
  let pages = 0;
  for await (const page of scanIndexPages(MESSAGE_GROUP_INDEX, { projection: 'pk, message_group_uuid, user_uuid', pageSize })) {
    pages++;
    for (const row of page) {
      if (typeof row.message_group_uuid !== 'string' || typeof row.pk !== 'string') continue;
      const found = members.get(row.message_group_uuid) ?? new Set<string>();
      const owner = userUuidOfConversationPartition(row.pk);
      if (owner !== undefined) found.add(owner);
      if (typeof row.user_uuid === 'string') found.add(row.user_uuid);
      members.set(row.message_group_uuid, found);
    }
  }
  return { members, pages };
}

/** The conversation's first message in key order, canonical (the pair item's `created_at`). */
async function firstMessageAt(group: string): Promise<string | undefined> {
  const sk = (await firstItem({ pk: keys.messagePartition(group), projection: 'sk' }))?.sk;
  return isTimestamp(sk) ? canonicalTimestamp(sk) : undefined;
}

/** Conditional puts of what is missing; false when something changed meanwhile. */
async function writeMissing(
  group: string,
  a: string,
  b: string,
  aIn: boolean,
  bIn: boolean,
  pairMissing: boolean,
): Promise<boolean> {
  const [createdAt, blocks] = await Promise.all([
    pairMissing ? firstMessageAt(group) : undefined,
    // A block made while the conversation had no pair item marked nothing: its memberships get the marks here.
    blocksBetween(a, b),
  ]);
  try {
    await transactWrite(
      {
        memberA: aIn
          ? blocks.markExisting(group, a)
          : putIfAbsentAction({ ...keys.membership(group, a), user_uuid: a, ...blocks.marks }),
        memberB: bIn
          ? blocks.markExisting(group, b)
          : putIfAbsentAction({ ...keys.membership(group, b), user_uuid: b, ...blocks.marks }),
        pair: pairMissing
          ? putIfAbsentAction({ ...keys.pair(a, b), group_uuid: group, ...(createdAt ? { created_at: createdAt } : {}) })
          : undefined,
        ...blocks.checks,
      },
      { onConflict: 'report' },
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCancelledError) return false;
    throw error;
  }
}
