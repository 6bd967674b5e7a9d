/** Shapes the domain returns. Attribute names follow the original Cruddur items. */

export interface UserProfile {
  uuid: string;
  handle: string;
  display_name: string;
  email?: string;
  cognito_user_id?: string;
  /**
   * Access control (domain/users.ts `setUserAccess`, checked by `acceptToken`): tokens of a
   * sign-in before this instant (epoch seconds) are refused; a disabled or deleted user is
   * refused whatever the token.
   */
  tokens_valid_after?: number;
  disabled?: boolean;
  /** When the account was deleted; the profile and its handle stay (the handle reserved). */
  deleted_at?: string;
}

export interface Message {
  message_group_uuid: string;
  message_uuid: string;
  /** The text; '' on a tombstone (`deleted`), whose item keeps no text (the API shows null). */
  message: string;
  created_at: string;
  user_uuid: string;
  user_handle: string;
  user_display_name: string;
  /** In a group, a message whose sender the viewer blocks: `message` is withheld (domain/blocks.ts). */
  blocked_sender?: true;
  /** Set by the sender's last edit (#17); absent on a message never edited. */
  edited_at?: string;
  /** A deleted message (#17): a tombstone, no text kept. */
  deleted?: true;
  deleted_at?: string;
}

/**
 * One row of "my conversations": the other member (direct) or the last message's sender
 * (group, which also has `kind` and `title`), and the last message.
 */
export interface MessageGroup {
  message_group_uuid: string;
  user_uuid: string;
  user_handle: string;
  user_display_name: string;
  /** '' when the last message was deleted (`deleted`). */
  message: string;
  last_message_at: string;
  /** The last message's edit / tombstone (#17, pattern E on MODIFY and REMOVE); absent otherwise. */
  edited_at?: string;
  deleted?: true;
  /** Present on group rows only: direct rows keep the original shape. */
  kind?: 'group';
  title?: string;
  /** Group rows whose last sender the viewer blocks: `message` is withheld (domain/blocks.ts). */
  blocked_sender?: true;
  /** #17: messages by others after my read marker (0 on rows written before the feature). */
  unread_count: number;
  /** My read marker; null when none. */
  last_read_at: string | null;
}

export type Role = 'owner' | 'admin' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

export interface ConversationMember {
  user_uuid: string;
  handle: string;
  display_name: string;
  role: Role;
  /** When the member joined (group) or the conversation started (direct); orders the hand-over. */
  joined_at: string;
}

/** A conversation as `GET /api/message_groups/{uuid}` describes it. */
export interface Conversation {
  message_group_uuid: string;
  kind: 'direct' | 'group';
  /** null for direct conversations. */
  title: string | null;
  created_at: string | null;
  members: ConversationMember[];
}

export interface Page<T> {
  items: T[];
  /** Present when there is another page; pass it back as `cursor`. */
  nextCursor?: string;
}

export interface PageRequest {
  /** 1-100; the edge parses it from the query string. Absent: the default page size. */
  limit?: number | undefined;
  /** An opaque cursor from an earlier page of the same list. */
  cursor?: string | undefined;
}
