/**
 * `DELETE /api/message_groups/{message_group_uuid}/members/{handle}`: owner or admin removes a
 * member, or any member removes themself (leave); 204 (pattern H).
 */
import * as z from 'zod/mini';
import { removeMember } from '../../domain/manage-group';
import { httpHandler } from './middleware';
import { route } from './validation';

const Request = route({ path: z.object({ message_group_uuid: z.string(), handle: z.string() }) });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  await removeMember(input.path.message_group_uuid, caller, input.path.handle);
  return { statusCode: 204, body: undefined };
});
