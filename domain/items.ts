/**
 * Item <-> domain shape conversions, next to the key builders they rely on. The stored
 * attribute names are the original Cruddur ones so its scripts keep reading our table.
 */
import { keys } from './keys';
import type { ConversationMember, Message, MessageGroup, Role, UserProfile } from './types';

export interface MessageItem {
  pk: string;
  sk: string;
  message_uuid: string;
  /** Absent on a tombstone (#17): a deleted message keeps no text. */
  message?: string;
  user_uuid: string;
  user_display_name: string;
  user_handle: string;
  /** Edits and deletion (#17, domain/edit-message.ts, domain/delete-message.ts). */
  edited_at?: string;
  deleted?: true;
  deleted_at?: string;
}

export interface ConversationItem {
  pk: string;
  sk: string;
  message_group_uuid: string;
  /** Absent when the last message was deleted (`deleted`, pattern E on its MODIFY/REMOVE). */
  message?: string;
  edited_at?: string;
  deleted?: true;
  deleted_at?: string;
  /** Direct rows: the other member. Group rows: the last message's sender (the creator before any). */
  user_uuid: string;
  user_display_name: string;
  user_handle: string;
  /** Group rows only. */
  kind?: 'group';
  title?: string;
  /**
   * #17: messages by others after the owner's read marker, kept by pattern E and the read
   * marker (domain/unread.ts). Absent on rows written before the feature: read as 0.
   */
  unread_count?: number;
  /** A copy of the owner's read marker (membership `last_read_at`); absent: none yet. */
  last_read_at?: string;
}

/** A row's unread state: its count and the marker it was counted from. */
export interface RowReadState {
  unread_count: number;
  last_read_at?: string | undefined;
}

/** The read state a row carries (legacy rows without one: 0, no marker). */
export function readStateOf(row: Pick<ConversationItem, 'unread_count' | 'last_read_at'>): RowReadState {
  return {
    unread_count: typeof row.unread_count === 'number' ? row.unread_count : 0,
    ...(typeof row.last_read_at === 'string' ? { last_read_at: row.last_read_at } : {}),
  };
}

function readAttributes(read: RowReadState | undefined): Partial<ConversationItem> {
  if (!read) return {};
  return { unread_count: read.unread_count, ...(read.last_read_at !== undefined ? { last_read_at: read.last_read_at } : {}) };
}

/** A group's own item, in its membership partition. No `user_uuid`: member lists skip it. */
export interface GroupMetaItem {
  pk: string;
  sk: string;
  kind: 'group';
  group_uuid: string;
  title: string;
  created_at: string;
  owner_uuid: string;
  /** Kept in step by every membership transaction: the 100-member limit is a condition on it. */
  member_count: number;
  /** While a group larger than one transaction is being created (domain/create-group.ts). */
  pending_members?: string[];
  /** Hash of the creating request, so a retry with the same Idempotency-Key resumes it. */
  request_hash?: string;
}

/** A membership item. Direct conversations' hold `user_uuid` only; groups' the rest too. */
export interface MembershipItem {
  pk: string;
  sk: string;
  user_uuid: string;
  role?: Role;
  joined_at?: string;
  handle?: string;
  display_name?: string;
  /** The member's read marker (domain/mark-read.ts). */
  last_read_at?: string;
}

export function messageItem(message: Message): MessageItem {
  return {
    ...keys.message(message.message_group_uuid, message.created_at),
    message_uuid: message.message_uuid,
    message: message.message,
    user_uuid: message.user_uuid,
    user_display_name: message.user_display_name,
    user_handle: message.user_handle,
  };
}

export function messageFromItem(groupUuid: string, item: Record<string, unknown>): Message {
  const i = item as unknown as MessageItem;
  const deleted = i.deleted === true;
  return {
    message_group_uuid: groupUuid,
    message_uuid: i.message_uuid,
    // A tombstone has no text; an original item always has its text.
    message: deleted ? '' : String(i.message ?? ''),
    created_at: i.sk,
    user_uuid: i.user_uuid,
    user_handle: i.user_handle,
    user_display_name: i.user_display_name,
    ...editFields(i),
  };
}

/** The edit / tombstone fields of a message item or row, only those present (original items have none). */
function editFields(i: { edited_at?: unknown; deleted?: unknown; deleted_at?: unknown }) {
  return {
    ...(typeof i.edited_at === 'string' ? { edited_at: i.edited_at } : {}),
    ...(i.deleted === true ? { deleted: true as const } : {}),
    ...(i.deleted === true && typeof i.deleted_at === 'string' ? { deleted_at: i.deleted_at } : {}),
  };
}

/** The row `owner` sees for a conversation with `other`, positioned at `at`. */
export function conversationItem(
  ownerUuid: string,
  other: Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>,
  groupUuid: string,
  lastMessage: string,
  at: string,
  read?: RowReadState,
): ConversationItem {
  return {
    ...keys.conversation(ownerUuid, at),
    message_group_uuid: groupUuid,
    message: lastMessage,
    user_uuid: other.uuid,
    user_display_name: other.display_name,
    user_handle: other.handle,
    ...readAttributes(read),
  };
}

/** A group member's row at `at`: the group's title and the last message with its sender. */
export function groupConversationItem(
  ownerUuid: string,
  group: { uuid: string; title: string },
  sender: Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>,
  lastMessage: string,
  at: string,
  read?: RowReadState,
): ConversationItem {
  return {
    ...keys.conversation(ownerUuid, at),
    message_group_uuid: group.uuid,
    kind: 'group',
    title: group.title,
    message: lastMessage,
    user_uuid: sender.uuid,
    user_display_name: sender.display_name,
    user_handle: sender.handle,
    ...readAttributes(read),
  };
}

/** `lastReadAt`: the member's read marker from the start (a join, or the creator's own first message). */
export function groupMembershipItem(groupUuid: string, member: ConversationMember, lastReadAt?: string): MembershipItem {
  return {
    ...keys.membership(groupUuid, member.user_uuid),
    user_uuid: member.user_uuid,
    role: member.role,
    joined_at: member.joined_at,
    handle: member.handle,
    display_name: member.display_name,
    ...(lastReadAt !== undefined ? { last_read_at: lastReadAt } : {}),
  };
}

export function messageGroupFromItem(item: Record<string, unknown>): MessageGroup {
  const i = item as unknown as ConversationItem;
  return {
    message_group_uuid: i.message_group_uuid,
    user_uuid: i.user_uuid,
    user_handle: i.user_handle,
    user_display_name: i.user_display_name,
    message: i.deleted === true ? '' : String(i.message ?? ''),
    last_message_at: i.sk,
    ...(typeof i.edited_at === 'string' ? { edited_at: i.edited_at } : {}),
    ...(i.deleted === true ? { deleted: true as const } : {}),
    ...(i.kind === 'group' ? { kind: 'group' as const, title: String(i.title ?? '') } : {}),
    unread_count: typeof i.unread_count === 'number' ? i.unread_count : 0,
    last_read_at: typeof i.last_read_at === 'string' ? i.last_read_at : null,
  };
}

export function profileFromItem(item: Record<string, unknown>): UserProfile {
  const profile: UserProfile = {
    uuid: String(item.uuid),
    handle: String(item.handle),
    display_name: String(item.display_name),
  };
  if (typeof item.email === 'string') profile.email = item.email;
  if (typeof item.cognito_user_id === 'string') profile.cognito_user_id = item.cognito_user_id;
  if (typeof item.tokens_valid_after === 'number') profile.tokens_valid_after = item.tokens_valid_after;
  if (item.disabled === true) profile.disabled = true;
  if (typeof item.deleted_at === 'string') profile.deleted_at = item.deleted_at;
  return profile;
}
