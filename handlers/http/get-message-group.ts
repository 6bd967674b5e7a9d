/**
 * `GET /api/message_groups/{message_group_uuid}`: `{uuid, kind, title, created_at, members}`
 * (pattern G), for members only; anyone else (a removed member too) gets 404.
 */
import * as z from 'zod/mini';
import { describeConversation } from '../../domain/describe-conversation';
import { httpHandler } from './middleware';
import { conversationJson } from './shapes';
import { route } from './validation';

const Request = route({ path: z.object({ message_group_uuid: z.string() }) });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return { body: conversationJson(await describeConversation(input.path.message_group_uuid, caller.uuid)) };
});
