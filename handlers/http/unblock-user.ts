/**
 * `DELETE /api/users/@{handle}/block`: the caller unblocks that user (domain/blocks.ts); 200
 * `{uuid, handle, display_name, blocked: false}`, also when there was no block (idempotent).
 */
import { unblockUser } from '../../domain/blocks';
import { httpHandler } from './middleware';
import { handlePath, route } from './validation';

const Request = route({ path: handlePath });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const user = await unblockUser(caller, input.path.handle);
  return { body: { uuid: user.uuid, handle: user.handle, display_name: user.display_name, blocked: false } };
});
