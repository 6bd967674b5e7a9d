/**
 * Item <-> domain shape conversions, next to the key builders they rely on. The stored
 * attribute names are the original Cruddur ones so its scripts keep reading our table.
 */
import { keys } from './keys';
import type { Message, MessageGroup, UserProfile } from './types';

export interface MessageItem {
  pk: string;
  sk: string;
  message_uuid: string;
  message: string;
  user_uuid: string;
  user_display_name: string;
  user_handle: string;
}

export interface ConversationItem {
  pk: string;
  sk: string;
  message_group_uuid: string;
  message: string;
  user_uuid: string;
  user_display_name: string;
  user_handle: string;
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
  return {
    message_group_uuid: groupUuid,
    message_uuid: i.message_uuid,
    message: i.message,
    created_at: i.sk,
    user_uuid: i.user_uuid,
    user_handle: i.user_handle,
    user_display_name: i.user_display_name,
  };
}

/** The row `owner` sees for a conversation with `other`, positioned at `at`. */
export function conversationItem(
  ownerUuid: string,
  other: Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>,
  groupUuid: string,
  lastMessage: string,
  at: string,
): ConversationItem {
  return {
    ...keys.conversation(ownerUuid, at),
    message_group_uuid: groupUuid,
    message: lastMessage,
    user_uuid: other.uuid,
    user_display_name: other.display_name,
    user_handle: other.handle,
  };
}

export function messageGroupFromItem(item: Record<string, unknown>): MessageGroup {
  const i = item as unknown as ConversationItem;
  return {
    message_group_uuid: i.message_group_uuid,
    user_uuid: i.user_uuid,
    user_handle: i.user_handle,
    user_display_name: i.user_display_name,
    message: i.message,
    last_message_at: i.sk,
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
