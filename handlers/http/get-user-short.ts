/**
 * `GET /api/users/@{handle}/short` (public): `{uuid, handle, display_name}`, 404 if unknown.
 * The route is `/api/users/{handle}/short` (API Gateway parameters are whole path segments),
 * so the handle arrives as `@ada`; the `@` is optional. Path parameters arrive decoded: no
 * second decoding here (it would throw on a literal `%`), the domain rejects what is not a handle.
 */
import * as z from 'zod/mini';
import { getUserByHandle } from '../../domain/users';
import { httpHandler } from './middleware';
import { route } from './validation';

const Request = route({
  path: z.object({
    handle: z.pipe(
      z.string(),
      z.transform((segment: string) => segment.replace(/^(@|%40)/i, '')),
    ),
  }),
});

export const handler = httpHandler({ auth: false, request: Request }, async ({ input }) => {
  const user = await getUserByHandle(input.path.handle);
  return { body: { uuid: user.uuid, handle: user.handle, display_name: user.display_name } };
});
