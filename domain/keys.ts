/**
 * Every key of the single table is built here and nowhere else.
 *
 * | item               | pk                         | sk                    |
 * |--------------------|----------------------------|-----------------------|
 * | message            | MSG#<message_group_uuid>   | <created_at>          |
 * | conversation row   | GRP#<member user_uuid>     | <last_message_at>     |
 * | membership         | GROUP#<message_group_uuid> | MEMBER#<user_uuid>    |
 * | group (title, …)   | GROUP#<message_group_uuid> | META                  |
 * | conversation head  | GROUP#<message_group_uuid> | HEAD                  |
 * | pair (uniqueness)  | PAIR#<uuid low>#<uuid high>| PAIR                  |
 * | user profile       | USER#<user_uuid>           | PROFILE               |
 * | handle (unique)    | USER#HANDLE#<handle lower> | HANDLE                |
 * | cognito sub        | USER#SUB#<sub>             | SUB                   |
 * | idempotent send    | IDEMPOTENCY#<user>#<key>   | IDEMPOTENCY           |
 * | user's connection  | CONNS#<user_uuid>          | CONN#<connection_id>  |
 * | connection → user  | CONN#<connection_id>       | CONN                  |
 * | block (safety)     | BLOCKS#<blocker user_uuid> | BLOCKED#<blocked uuid>|
 * | send window        | RATE#<user_uuid>#<start s> | SENDS                 |
 * | report             | REPORTS                    | <created_at>#<uuid>   |
 * | report uniqueness  | REPORTED#<reporter>#<msg>  | REPORTED              |
 *
 * Only conversation rows carry `message_group_uuid`, so the GSI `message-group-sk-index`
 * is sparse: it holds exactly the conversation rows, one per member (two for a direct
 * conversation). A group's META item shares the membership partition, so one Query reads a
 * group with all its members; it carries no `user_uuid`, so member lists skip it.
 */

export interface Key {
  pk: string;
  sk: string;
}

export const MESSAGE_GROUP_INDEX = 'message-group-sk-index';

const MESSAGE_PREFIX = 'MSG#';
const CONVERSATION_PREFIX = 'GRP#';
const USER_CONNECTIONS_PREFIX = 'CONNS#';
const CONNECTION_SORT_PREFIX = 'CONN#';
const MEMBER_SORT_PREFIX = 'MEMBER#';
const MEMBERSHIP_PREFIX = 'GROUP#';

export const keys = {
  messagePartition: (groupUuid: string): string => `${MESSAGE_PREFIX}${groupUuid}`,
  message: (groupUuid: string, createdAt: string): Key => ({ pk: `${MESSAGE_PREFIX}${groupUuid}`, sk: createdAt }),

  conversationPartition: (userUuid: string): string => `${CONVERSATION_PREFIX}${userUuid}`,
  conversation: (userUuid: string, lastMessageAt: string): Key => ({
    pk: `${CONVERSATION_PREFIX}${userUuid}`,
    sk: lastMessageAt,
  }),

  membershipPartition: (groupUuid: string): string => `${MEMBERSHIP_PREFIX}${groupUuid}`,
  membership: (groupUuid: string, userUuid: string): Key => ({
    pk: `${MEMBERSHIP_PREFIX}${groupUuid}`,
    sk: `${MEMBER_SORT_PREFIX}${userUuid}`,
  }),
  /** A group conversation's own item (title, owner, member count); direct conversations have none. */
  groupMeta: (groupUuid: string): Key => ({ pk: `${MEMBERSHIP_PREFIX}${groupUuid}`, sk: 'META' }),
  /**
   * A conversation's head (#17): `last_created_at`, the newest message committed. Every message
   * write moves it forward in its own transaction, so a conversation's messages commit in
   * created_at order. No `user_uuid`: member lists skip it, as they skip META.
   */
  conversationHead: (groupUuid: string): Key => ({ pk: `${MEMBERSHIP_PREFIX}${groupUuid}`, sk: 'HEAD' }),

  /** Order-independent, so A→B and B→A find the same conversation. */
  pair: (userA: string, userB: string): Key => {
    const [low, high] = userA < userB ? [userA, userB] : [userB, userA];
    return { pk: `PAIR#${low}#${high}`, sk: 'PAIR' };
  },

  userProfile: (userUuid: string): Key => ({ pk: `USER#${userUuid}`, sk: 'PROFILE' }),
  /** Handles are unique case-insensitively: the key uses the lower-cased form. */
  userHandle: (handle: string): Key => ({ pk: `USER#HANDLE#${handle.toLowerCase()}`, sk: 'HANDLE' }),
  userCognitoSub: (sub: string): Key => ({ pk: `USER#SUB#${sub}`, sk: 'SUB' }),

  /** Scoped per user: a key only ever replays its own user's request. */
  idempotency: (userUuid: string, key: string): Key => ({ pk: `IDEMPOTENCY#${userUuid}#${key}`, sk: 'IDEMPOTENCY' }),

  /**
   * WebSocket connections (domain/connections.ts): a user's open connections in one
   * partition (fan-out reads it with one Query), and per connection a lookup item, because
   * `$disconnect` carries only the connection id.
   */
  userConnectionsPartition: (userUuid: string): string => `${USER_CONNECTIONS_PREFIX}${userUuid}`,
  userConnection: (userUuid: string, connectionId: string): Key => ({
    pk: `${USER_CONNECTIONS_PREFIX}${userUuid}`,
    sk: `${CONNECTION_SORT_PREFIX}${connectionId}`,
  }),
  connection: (connectionId: string): Key => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),

  /**
   * Safety (domain/blocks.ts, domain/rate-limit.ts, domain/reports.ts). A user's blocks in
   * one partition (listed with one Query per page); the block between two people is found by
   * key from either side, so pattern D checks both directions inside its transaction.
   */
  blocksPartition: (blockerUuid: string): string => `${BLOCKS_PREFIX}${blockerUuid}`,
  block: (blockerUuid: string, blockedUuid: string): Key => ({
    pk: `${BLOCKS_PREFIX}${blockerUuid}`,
    sk: `${BLOCKED_SORT_PREFIX}${blockedUuid}`,
  }),
  /** One counter per user per fixed window (`windowStart` in epoch seconds); TTL removes old ones. */
  sendWindow: (userUuid: string, windowStart: number): Key => ({ pk: `RATE#${userUuid}#${windowStart}`, sk: 'SENDS' }),
  /** Every report in one partition, newest first by sort key; operators only (ops functions). */
  reportsPartition: (): string => REPORTS_PARTITION,
  report: (reportId: string): Key => ({ pk: REPORTS_PARTITION, sk: reportId }),
  /** At most one report per reporter and message: this item holds the report's id. */
  reported: (reporterUuid: string, messageUuid: string): Key => ({
    pk: `REPORTED#${reporterUuid}#${messageUuid}`,
    sk: 'REPORTED',
  }),
} as const;

const BLOCKS_PREFIX = 'BLOCKS#';
const BLOCKED_SORT_PREFIX = 'BLOCKED#';
const REPORTS_PARTITION = 'REPORTS';

/** The blocker's uuid of a block item's partition key (`BLOCKS#<uuid>`). */
export function blockerUuidOfBlock(pk: string): string | undefined {
  return pk.startsWith(BLOCKS_PREFIX) ? pk.slice(BLOCKS_PREFIX.length) : undefined;
}

/** The blocked user's uuid of a block item's sort key (`BLOCKED#<uuid>`). */
export function blockedUuidOfBlock(sk: string): string | undefined {
  return sk.startsWith(BLOCKED_SORT_PREFIX) ? sk.slice(BLOCKED_SORT_PREFIX.length) : undefined;
}

export function isMessagePartition(pk: string): boolean {
  return pk.startsWith(MESSAGE_PREFIX);
}

/** The message_group_uuid of a `MSG#…` partition key, or undefined for any other item. */
export function groupUuidOfMessagePartition(pk: string): string | undefined {
  return isMessagePartition(pk) ? pk.slice(MESSAGE_PREFIX.length) : undefined;
}

/** The message_group_uuid of a `GROUP#…` partition key (memberships, META, HEAD), or undefined. */
export function groupUuidOfMembershipPartition(pk: string): string | undefined {
  return pk.startsWith(MEMBERSHIP_PREFIX) ? pk.slice(MEMBERSHIP_PREFIX.length) : undefined;
}

/** The member user_uuid of a `GRP#…` partition key. */
export function userUuidOfConversationPartition(pk: string): string | undefined {
  return pk.startsWith(CONVERSATION_PREFIX) ? pk.slice(CONVERSATION_PREFIX.length) : undefined;
}

/** The connection id of a user's connection item (`CONN#<id>` sort key). */
export function connectionIdOfUserConnection(sk: string): string | undefined {
  return sk.startsWith(CONNECTION_SORT_PREFIX) ? sk.slice(CONNECTION_SORT_PREFIX.length) : undefined;
}

/** The member user_uuid of a membership item's sort key (`MEMBER#<user>`), undefined for the META item. */
export function userUuidOfMembership(sk: string): string | undefined {
  return sk.startsWith(MEMBER_SORT_PREFIX) ? sk.slice(MEMBER_SORT_PREFIX.length) : undefined;
}
