/**
 * The ops functions' input schemas and their readable one-line report renderings. Stored text
 * is escaped (escapeForLog): a message or name can never start a new log line or send a
 * terminal escape sequence.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../../domain/errors';
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
  return `${g.last_message_at}  ${escapeForLog(g.user_display_name)} (@${escapeForLog(g.user_handle)})  ${preview(g.message)}  [${g.message_group_uuid}]  unread ${g.unread_count}`;
}

/** `"limit"` and `"cursor"` of the list reports; the domain checks the limit's range. */
export const pageInput = { limit: z.optional(z.number()), cursor: z.optional(z.string()) };

/**
 * An ops function's input (`sls invoke -d '{…}'`) as its schema types it; `sls invoke` without
 * `-d` passes nothing, which counts as `{}`. Anything else is a ValidationError saying what to pass.
 */
export function parseInput<S extends z.ZodMiniType>(schema: S, event: unknown, hint: string): z.output<S> {
  const result = schema.safeParse(event ?? {});
  if (result.success) return result.data;
  throw new ValidationError(`invalid input: ${hint}`);
}
