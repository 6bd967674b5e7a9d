/**
 * `PUT /api/message_groups/{message_group_uuid}/members/{handle} {role}`: the owner sets a
 * member's role (`admin`, `member`, or `owner` to hand the group over) (pattern H).
 */
import * as z from 'zod/mini';
import { setMemberRole } from '../../domain/manage-group';
import { httpHandler } from './middleware';
import { conversationJson } from './shapes';
import { route } from './validation';

const Request = route(
  { path: z.object({ message_group_uuid: z.string(), handle: z.string() }), body: z.object({ role: z.string() }) },
  'send {role}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const { message_group_uuid, handle } = input.path;
  return { body: conversationJson(await setMemberRole(message_group_uuid, caller, handle, input.body.role)) };
});
