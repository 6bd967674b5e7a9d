/**
 * `POST /api/message_groups {title, handles, message?}`: create a group (pattern F) with the
 * caller as owner and 2-99 others; 201 `{uuid, kind, title, created_at, members, message?}`.
 * Optional `Idempotency-Key` as for sends: a retry returns the first response (and completes a
 * creation that was interrupted); a different body with the same key → 409.
 */
import * as z from 'zod/mini';
import { createGroup } from '../../domain/create-group';
import { httpHandler } from './middleware';
import { conversationJson, messageJson } from './shapes';
import { route } from './validation';

const Request = route(
  {
    headers: z.object({ 'idempotency-key': z.optional(z.string()) }),
    body: z.object({ title: z.string(), handles: z.array(z.string()), message: z.optional(z.string()) }),
  },
  'send {title, handles: [...], message?}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const key = input.headers['idempotency-key'];
  const created = await createGroup(caller, input.body, key === undefined ? {} : { idempotencyKey: key });
  const body = {
    ...conversationJson(created.conversation),
    ...(created.message ? { message: messageJson(created.message) } : {}),
  };
  return { statusCode: 201, body };
});
