/**
 * `PATCH /api/messages/{message_group_uuid}/{message_uuid} {message}`: the sender edits their
 * message (#17); 200 the message with `edited_at`. Non-member 404, not the sender 403, deleted
 * 409, bad text 400. Optional `Idempotency-Key`, as on sends.
 */
import * as z from 'zod/mini';
import { editMessage } from '../../domain/edit-message';
import { httpHandler } from './middleware';
import { messageJson } from './shapes';
import { route } from './validation';

const Request = route(
  {
    path: z.object({ message_group_uuid: z.string(), message_uuid: z.string() }),
    headers: z.object({ 'idempotency-key': z.optional(z.string()) }),
    body: z.object({ message: z.string() }),
  },
  'send {message}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const { path, headers, body } = input;
  const options = headers['idempotency-key'] === undefined ? {} : { idempotencyKey: headers['idempotency-key'] };
  return { body: messageJson(await editMessage(path.message_group_uuid, path.message_uuid, caller, body.message, options)) };
});
