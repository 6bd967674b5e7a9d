/** `PATCH /api/message_groups/{message_group_uuid} {title}`: owner or admin renames the group (pattern H). */
import * as z from 'zod/mini';
import { renameGroup } from '../../domain/manage-group';
import { httpHandler } from './middleware';
import { conversationJson } from './shapes';
import { route } from './validation';

const Request = route(
  { path: z.object({ message_group_uuid: z.string() }), body: z.object({ title: z.string() }) },
  'send {title}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return { body: conversationJson(await renameGroup(input.path.message_group_uuid, caller, input.body.title)) };
});
