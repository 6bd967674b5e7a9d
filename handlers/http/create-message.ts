/**
 * `POST /api/messages`:
 *   `{message, message_group_uuid}` → append to a conversation you are in (pattern C), 200 the message;
 *   `{message, handle}` → start or reuse the conversation with that user (pattern D),
 *   200 `{message_group_uuid, ...message}`.
 * Exactly one of `message_group_uuid` and `handle`; the domain validates their content.
 * Optional `Idempotency-Key` header (1-64 of `A-Za-z0-9_-`): a retry with the same key and
 * the same body returns the first response and stores nothing; a different body → 409.
 */
import * as z from 'zod/mini';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { httpHandler } from './middleware';
import { messageJson } from './shapes';
import { route } from './validation';

const Request = route(
  {
    // Header names arrive lower-cased (header normalizer); the domain validates the key's content.
    headers: z.object({ 'idempotency-key': z.optional(z.string()) }),
    body: z.union([
      z.object({ message: z.string(), message_group_uuid: z.string(), handle: z.optional(z.never()) }),
      z.object({ message: z.string(), handle: z.string(), message_group_uuid: z.optional(z.never()) }),
    ]),
  },
  'send {message, message_group_uuid} or {message, handle}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const { body, headers } = input;
  const options = headers['idempotency-key'] === undefined ? {} : { idempotencyKey: headers['idempotency-key'] };
  if (body.message_group_uuid !== undefined) {
    return { body: messageJson(await createMessage(body.message_group_uuid, caller, body.message, options)) };
  }
  const message = await createMessageGroup(caller, body.handle, body.message, options);
  return { body: { message_group_uuid: message.message_group_uuid, ...messageJson(message) } };
});
