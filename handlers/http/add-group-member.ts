/** `POST /api/message_groups/{message_group_uuid}/members {handle}`: owner or admin adds a member (pattern H). */
import * as z from 'zod/mini';
import { addMember } from '../../domain/manage-group';
import { httpHandler } from './middleware';
import { conversationJson } from './shapes';
import { route } from './validation';

const Request = route(
  { path: z.object({ message_group_uuid: z.string() }), body: z.object({ handle: z.string() }) },
  'send {handle}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return { body: conversationJson(await addMember(input.path.message_group_uuid, caller, input.body.handle)) };
});
