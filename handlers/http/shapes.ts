/**
 * The original Cruddur JSON shapes, so its React client works unchanged: every list item is
 * `{uuid, display_name, handle, message, created_at}`.
 */
import type { Block } from '../../domain/blocks';
import type { Conversation, Message, MessageGroup, Page } from '../../domain/types';
import type { HttpResult } from './middleware';

export interface MessageJson {
  uuid: string;
  display_name: string;
  handle: string;
  /** null on a tombstone. */
  message: string | null;
  created_at: string;
  /** Only when true: the viewer blocks the sender and `message` is withheld (README "Safety"). */
  blocked_sender?: true;
  /** #17: only on an edited message / a tombstone, so an original message keeps the original shape. */
  edited_at?: string;
  deleted?: true;
}

/** The text (null on a tombstone), then the time, then `edited_at` / `deleted: true` only when there is one. */
function textAndTime(m: { message: string; edited_at?: string; deleted?: true }, createdAt: string) {
  if (m.deleted) return { message: null, created_at: createdAt, deleted: true as const };
  return { message: m.message, created_at: createdAt, ...(m.edited_at !== undefined ? { edited_at: m.edited_at } : {}) };
}

export function messageJson(m: Message): MessageJson {
  return {
    uuid: m.message_uuid,
    display_name: m.user_display_name,
    handle: m.user_handle,
    ...textAndTime(m, m.created_at),
    ...(m.blocked_sender ? { blocked_sender: true as const } : {}),
  };
}

/** A conversation in the list: the original shape plus the caller's unread count and read marker (#17). */
export interface ConversationItemJson extends MessageJson {
  unread_count: number;
  last_read_at: string | null;
}

/** A group's item in the list: plus `kind` and `title`; the person is the last message's sender. */
export interface GroupItemJson extends ConversationItemJson {
  kind: 'group';
  title: string;
}

/**
 * A conversation row: the other person (direct: every field of the original shape, so the
 * original client is unaffected, plus `unread_count` and `last_read_at`) or the last sender with the
 * group's kind and title, the last message and its time.
 */
export function messageGroupJson(g: MessageGroup): ConversationItemJson | GroupItemJson {
  const item = {
    uuid: g.message_group_uuid,
    display_name: g.user_display_name,
    handle: g.user_handle,
    ...textAndTime(g, g.last_message_at),
    unread_count: g.unread_count,
    last_read_at: g.last_read_at,
    ...(g.blocked_sender ? { blocked_sender: true as const } : {}),
  };
  return g.kind === 'group' ? { ...item, kind: 'group', title: g.title ?? '' } : item;
}

/** `GET /api/message_groups/{uuid}` and the group routes' answer. */
export function conversationJson(c: Conversation) {
  return {
    uuid: c.message_group_uuid,
    kind: c.kind,
    title: c.title,
    created_at: c.created_at,
    members: c.members.map((m) => ({ handle: m.handle, display_name: m.display_name, role: m.role })),
  };
}

/** The body stays a plain array (as the client expects); the next page's cursor travels in `X-Next-Cursor`. */
export function pageResult<T, J>(page: Page<T>, shape: (item: T) => J): HttpResult {
  return {
    body: page.items.map(shape),
    ...(page.nextCursor ? { headers: { 'x-next-cursor': page.nextCursor } } : {}),
  };
}

/** A block as its blocker sees it. */
export function blockJson(b: Block): { uuid: string; handle: string; display_name: string; blocked: true; blocked_at: string } {
  return { uuid: b.blocked_uuid, handle: b.handle, display_name: b.display_name, blocked: true, blocked_at: b.blocked_at };
}
