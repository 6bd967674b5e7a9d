/**
 * The original Cruddur JSON shapes, so its React client works unchanged: every list item is
 * `{uuid, display_name, handle, message, created_at}`.
 */
import type { Block } from '../../domain/blocks';
import type { Message, MessageGroup, Page } from '../../domain/types';
import type { HttpResult } from './middleware';

export interface MessageJson {
  uuid: string;
  display_name: string;
  handle: string;
  message: string;
  created_at: string;
}

export function messageJson(m: Message): MessageJson {
  return {
    uuid: m.message_uuid,
    display_name: m.user_display_name,
    handle: m.user_handle,
    message: m.message,
    created_at: m.created_at,
  };
}

/** A conversation row: the other person, the last message and its time. */
export function messageGroupJson(g: MessageGroup): MessageJson {
  return {
    uuid: g.message_group_uuid,
    display_name: g.user_display_name,
    handle: g.user_handle,
    message: g.message,
    created_at: g.last_message_at,
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
