/** `GET /api/message_groups`: the caller's conversations, newest first (pattern B). */
import { listMessageGroups } from '../../domain/list-message-groups';
import { httpHandler } from './middleware';
import { messageGroupJson, pageRequest, pageResult } from './shapes';

export const handler = httpHandler({ auth: true }, async (request) => {
  const page = await listMessageGroups(request.caller.uuid, pageRequest(request));
  return pageResult(page, messageGroupJson);
});
