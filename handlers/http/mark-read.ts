/**
 * `POST /api/message_groups/{message_group_uuid}/read {created_at?}`: moves the caller's read
 * marker (by default to the newest message), never back, and recounts the caller's row;
 * 200 `{uuid, last_read_at, unread_count}`. Members only.
 */
import * as z from 'zod/mini';
import { markRead } from '../../domain/mark-read';
import { httpHandler } from './middleware';
import { route } from './validation';

const Request = route(
  { path: z.object({ message_group_uuid: z.string() }), body: z.object({ created_at: z.optional(z.string()) }) },
  'send {} or {created_at}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const marker = await markRead(input.path.message_group_uuid, caller.uuid, input.body.created_at);
  return { body: { uuid: marker.message_group_uuid, last_read_at: marker.last_read_at, unread_count: marker.unread_count } };
});
