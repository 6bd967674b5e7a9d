/**
 * Readable one-line renderings for the ops functions' printed reports. Stored text is
 * escaped (escapeForLog): a message or name can never start a new log line or send a
 * terminal escape sequence.
 */
import { escapeForLog } from '../../domain/text';
import type { Message, MessageGroup } from '../../domain/types';

export function preview(text: string, width = 40): string {
  const flat = text.replace(/[ \t\n\r]+/g, ' ');
  const shown = flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
  return escapeForLog(shown);
}

export function messageLine(m: Message): string {
  return `${m.created_at}  @${escapeForLog(m.user_handle).padEnd(12)} ${preview(m.message)}`;
}

export function messageGroupLine(g: MessageGroup): string {
  return `${g.last_message_at}  ${escapeForLog(g.user_display_name)} (@${escapeForLog(g.user_handle)})  ${preview(g.message)}  [${g.message_group_uuid}]`;
}

/** Ops functions take a JSON object; `sls invoke` without -d passes nothing. */
export function inputObject(event: unknown): Record<string, unknown> {
  return event && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
}
