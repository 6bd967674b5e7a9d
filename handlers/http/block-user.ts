/**
 * `POST /api/users/@{handle}/block`: the caller blocks that user (domain/blocks.ts); 200
 * `{uuid, handle, display_name, blocked: true, blocked_at}`. Idempotent: blocking again answers
 * the first block. Unknown handle 404; yourself 400. The blocker is always the caller.
 */
import * as z from 'zod/mini';
import { blockUser } from '../../domain/blocks';
import { httpHandler } from './middleware';
import { blockJson } from './shapes';
import { route } from './validation';

/** `/api/users/@ada/block`: the segment arrives as `@ada` (the `@` is optional); the domain checks the handle. */
export const handlePath = z.object({
  handle: z.pipe(
    z.string(),
    z.transform((segment: string) => segment.replace(/^(@|%40)/i, '')),
  ),
});

const Request = route({ path: handlePath });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return { body: blockJson(await blockUser(caller, input.path.handle)) };
});
