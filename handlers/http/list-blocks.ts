/** `GET /api/blocks`: the caller's blocks, paged (`?limit=&cursor=`, next page in `X-Next-Cursor`). */
import { listBlocks } from '../../domain/blocks';
import { httpHandler } from './middleware';
import { blockJson, pageResult } from './shapes';
import { pageQuery, route } from './validation';

const Request = route({ query: pageQuery });

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  return pageResult(await listBlocks(caller.uuid, input.query), blockJson);
});
