/**
 * Pattern G: one conversation as its members see it — `{uuid, kind, title, created_at, members}`.
 *
 * Key condition: pk = GROUP#<group> (consistent): a group's META item and every membership.
 * Requests: group 1 Query; direct conversation 1 Query + 1 BatchGetItem (both profiles and the
 * pair item, whose `created_at` is the conversation's). Anyone not a member gets NotFoundError:
 * the conversation does not exist for them, removed members included.
 */
import { keys } from './keys';
import { profileFromItem, type GroupMetaItem, type MembershipItem } from './items';
import { conversationNotFound, readConversation, type ConversationState } from './membership';
import { batchGet } from './table';
import type { Conversation, ConversationMember, Role } from './types';
import { parseUuid } from './validation';

export async function describeConversation(groupUuid: string, viewerUuid: string): Promise<Conversation> {
  const state = await readConversation(parseUuid(groupUuid, 'message_group_uuid'));
  if (!state.members.has(viewerUuid)) throw conversationNotFound();
  if (state.meta) return groupConversation(state.meta, [...state.members.values()]);
  return directConversation(state);
}

/** Longest-standing first (join time, then uuid): the order the owner hand-over follows. */
export function bySeniority(a: ConversationMember, b: ConversationMember): number {
  return a.joined_at < b.joined_at ? -1 : a.joined_at > b.joined_at ? 1 : a.user_uuid < b.user_uuid ? -1 : 1;
}

export function memberOf(item: MembershipItem): ConversationMember {
  return {
    user_uuid: item.user_uuid,
    handle: String(item.handle ?? ''),
    display_name: String(item.display_name ?? ''),
    role: (item.role ?? 'member') as Role,
    joined_at: String(item.joined_at ?? ''),
  };
}

export function groupConversation(meta: GroupMetaItem, members: Array<MembershipItem | ConversationMember>): Conversation {
  return {
    message_group_uuid: meta.group_uuid,
    kind: 'group',
    title: meta.title,
    created_at: meta.created_at,
    members: members.map((m) => ('pk' in m ? memberOf(m) : m)).sort(bySeniority),
  };
}

async function directConversation(state: ConversationState): Promise<Conversation> {
  const uuids = [...state.members.keys()];
  const [a = '', b = ''] = uuids;
  const items = await batchGet([...uuids.map((uuid) => keys.userProfile(uuid)), keys.pair(a, b)]);
  const pair = items.find((item) => item.sk === keys.pair(a, b).sk);
  const createdAt = typeof pair?.created_at === 'string' ? pair.created_at : null;
  const members = items
    .filter((item) => item.sk === keys.userProfile(a).sk)
    .map(profileFromItem)
    .map((profile) => ({
      user_uuid: profile.uuid,
      handle: profile.handle,
      display_name: profile.display_name,
      role: 'member' as const,
      joined_at: createdAt ?? '',
    }))
    .sort(bySeniority);
  return { message_group_uuid: state.groupUuid, kind: 'direct', title: null, created_at: createdAt, members };
}
