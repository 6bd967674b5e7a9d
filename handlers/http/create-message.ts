/**
 * `POST /api/messages`:
 *   `{message, message_group_uuid}` → append to a conversation you are in (pattern C), 200 the message;
 *   `{message, handle}` → start or reuse the conversation with that user (pattern D),
 *   200 `{message_group_uuid, ...message}`.
 * Exactly one of `message_group_uuid` and `handle`; the domain validates their content.
 */
import { z } from 'zod';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { httpHandler } from './middleware';
import { messageJson } from './shapes';
import { parseBody } from './validation';

const Body = z.union([
  z.object({ message: z.string(), message_group_uuid: z.string(), handle: z.undefined() }),
  z.object({ message: z.string(), handle: z.string(), message_group_uuid: z.undefined() }),
]);

export const handler = httpHandler({ auth: true }, async (request) => {
  const body = parseBody(Body, request.body, 'send {message, message_group_uuid} or {message, handle}');
  if (body.message_group_uuid !== undefined) {
    return { body: messageJson(await createMessage(body.message_group_uuid, request.caller, body.message)) };
  }
  const message = await createMessageGroup(request.caller, body.handle, body.message);
  return { body: { message_group_uuid: message.message_group_uuid, ...messageJson(message) } };
});
