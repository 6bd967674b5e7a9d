/** `GET /api/message_groups`: the caller's conversations, newest first (pattern B). */
import { listMessageGroups } from '../../domain/list-message-groups';
import { httpHandler } from './middleware';
import { messageGroupJson, pageResult } from './shapes';
import { pageQuery, route } from './validation';

const Request = route({ query: pageQuery });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const page = await listMessageGroups(caller.uuid, input.query);
  return pageResult(page, messageGroupJson);
});
