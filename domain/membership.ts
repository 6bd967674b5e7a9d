/**
 * Who is in which conversation. Membership items (`GROUP#<group>` / `MEMBER#<user>`) have
 * stable keys, so the check is one strongly consistent GetItem, unlike the conversation
 * rows whose sort key moves with every message. A group's META item shares the partition
 * (`GROUP#<group>` / `META`): readConversation gets a group and its members in one Query.
 */
import { NotFoundError } from './errors';
import type { GroupMetaItem, MembershipItem } from './items';
import { keys, userUuidOfMembership } from './keys';
import { getItem, queryAll } from './table';

export async function isMember(groupUuid: string, userUuid: string): Promise<boolean> {
  return (await membershipKind(groupUuid, userUuid)) !== undefined;
}

/**
 * Whether `user` is in the conversation, and in which kind: a group membership has a
 * `joined_at` (domain/items.ts groupMembershipItem), a direct one only `user_uuid`. One
 * strongly consistent GetItem; undefined for a non-member.
 */
export async function membershipKind(groupUuid: string, userUuid: string): Promise<'group' | 'direct' | undefined> {
  const item = await getItem(keys.membership(groupUuid, userUuid), { consistent: true, projection: 'pk, joined_at' });
  if (!item) return undefined;
  return typeof item.joined_at === 'string' ? 'group' : 'direct';
}

export function conversationNotFound(): NotFoundError {
  return new NotFoundError('conversation not found');
}

export async function requireMember(groupUuid: string, userUuid: string): Promise<void> {
  if (!(await isMember(groupUuid, userUuid))) throw conversationNotFound();
}

/** The conversation between two users, if they have one. One GetItem. */
export async function findMessageGroupBetween(userA: string, userB: string): Promise<string | undefined> {
  const pair = await getItem(keys.pair(userA, userB), { consistent: true });
  return typeof pair?.group_uuid === 'string' ? pair.group_uuid : undefined;
}

/**
 * Every member of a conversation, from a strongly consistent Query of its membership items
 * (`pk = GROUP#<group>`): the same items `requireMember` reads, so an event reaches exactly
 * whom a GET would answer. One Query per 1 MB page (one for any real conversation).
 */
export async function listMembers(groupUuid: string): Promise<string[]> {
  const items = await queryAll({ pk: keys.membershipPartition(groupUuid), consistent: true, projection: 'user_uuid' });
  return items.map((item) => item.user_uuid).filter((uuid): uuid is string => typeof uuid === 'string');
}

/** A conversation as its membership partition holds it: the group's META item (groups only) and every membership. */
export interface ConversationState {
  groupUuid: string;
  /** Undefined for a direct conversation (or none at all). */
  meta: GroupMetaItem | undefined;
  /** By user_uuid. */
  members: Map<string, MembershipItem>;
}

/**
 * One strongly consistent Query of `GROUP#<group>` (every page; one for any real group: a
 * 100-member group is ~30 KB): the META item and every membership, as of now.
 */
export async function readConversation(groupUuid: string): Promise<ConversationState> {
  const items = await queryAll({ pk: keys.membershipPartition(groupUuid), consistent: true });
  const members = new Map<string, MembershipItem>();
  let meta: GroupMetaItem | undefined;
  for (const item of items) {
    const member = userUuidOfMembership(String(item.sk));
    if (member !== undefined) members.set(member, item as unknown as MembershipItem);
    else if (item.sk === keys.groupMeta(groupUuid).sk && item.kind === 'group') meta = item as unknown as GroupMetaItem;
  }
  return { groupUuid, meta, members };
}
