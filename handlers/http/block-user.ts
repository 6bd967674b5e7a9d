/**
 * `POST /api/users/@{handle}/block`: the caller blocks that user (domain/blocks.ts); 200
 * `{uuid, handle, display_name, blocked: true, blocked_at}`. Idempotent: blocking again answers
 * the first block. Unknown handle 404; yourself 400. The blocker is always the caller.
 */
import { blockUser } from '../../domain/blocks';
import { httpHandler } from './middleware';
import { blockJson } from './shapes';
import { handlePath, route } from './validation';

const Request = route({ path: handlePath });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return { body: blockJson(await blockUser(caller, input.path.handle)) };
});
