/**
 * `POST /api/messages`:
 *   `{message, message_group_uuid}` → append to a conversation you are in (pattern C), 200 the message;
 *   `{message, handle}` → start or reuse the conversation with that user (pattern D),
 *   200 `{message_group_uuid, ...message}`.
 * Exactly one of `message_group_uuid` and `handle`; the domain validates their content.
 * Optional `Idempotency-Key` header (1-64 of `A-Za-z0-9_-`): a retry with the same key and
 * the same body returns the first response and stores nothing; a different body → 409.
 */
// zod/mini, imported as a namespace so esbuild can drop what is unused: the classic
// `import { z } from 'zod'` put ~430 KB of zod (locales included) in this bundle.
import * as z from 'zod/mini';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { httpHandler } from './middleware';
import { messageJson } from './shapes';
import { parseBody } from './validation';

const Body = z.union([
  z.object({ message: z.string(), message_group_uuid: z.string(), handle: z.optional(z.never()) }),
  z.object({ message: z.string(), handle: z.string(), message_group_uuid: z.optional(z.never()) }),
]);

export const handler = httpHandler({ auth: true }, async (request) => {
  const body = parseBody(Body, request.body, 'send {message, message_group_uuid} or {message, handle}');
  // Header names arrive lower-cased (header normalizer); the domain validates the key.
  const idempotencyKey = request.event.headers['idempotency-key'];
  const options = idempotencyKey === undefined ? {} : { idempotencyKey };
  if (body.message_group_uuid !== undefined) {
    return { body: messageJson(await createMessage(body.message_group_uuid, request.caller, body.message, options)) };
  }
  const message = await createMessageGroup(request.caller, body.handle, body.message, options);
  return { body: { message_group_uuid: message.message_group_uuid, ...messageJson(message) } };
});
