/**
 * `GET /api/messages/{message_group_uuid}`: the latest page of a conversation, oldest→newest
 * (pattern A); `X-Next-Cursor` pages to older messages. 404 when the caller is not a member.
 */
import * as z from 'zod/mini';
import { listMessages } from '../../domain/list-messages';
import { httpHandler } from './middleware';
import { messageJson, pageResult } from './shapes';
import { pageQuery, route } from './validation';

// The group id stays a string here: the domain checks it's a uuid (after membership, for a cursor).
const Request = route({ path: z.object({ message_group_uuid: z.string() }), query: pageQuery });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const page = await listMessages(input.path.message_group_uuid, caller.uuid, input.query);
  return pageResult(page, messageJson);
});
