/**
 * `GET /api/messages/{message_group_uuid}`: the latest page of a conversation, oldest→newest
 * (pattern A); `X-Next-Cursor` pages to older messages. 404 when the caller is not a member.
 */
import { listMessages } from '../../domain/list-messages';
import { httpHandler } from './middleware';
import { messageJson, pageRequest, pageResult } from './shapes';

export const handler = httpHandler({ auth: true }, async (request) => {
  const groupUuid = request.path.message_group_uuid ?? '';
  const page = await listMessages(groupUuid, request.caller.uuid, pageRequest(request));
  return pageResult(page, messageJson);
});
