/**
 * `DELETE /api/messages/{message_group_uuid}/{message_uuid}`: the sender, or a group owner or
 * admin, deletes a message (#17); 200 its tombstone (`message: null, deleted: true`), the same
 * again on a repeat. Non-member 404, not allowed 403. Idempotent by nature: no Idempotency-Key.
 */
import * as z from 'zod/mini';
import { deleteMessage } from '../../domain/delete-message';
import { httpHandler } from './middleware';
import { messageJson } from './shapes';
import { route } from './validation';

const Request = route({ path: z.object({ message_group_uuid: z.string(), message_uuid: z.string() }) });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => ({
  body: messageJson(await deleteMessage(input.path.message_group_uuid, input.path.message_uuid, caller.uuid)),
}));
