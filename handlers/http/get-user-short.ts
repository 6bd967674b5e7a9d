/**
 * `GET /api/users/@{handle}/short` (public): `{uuid, handle, display_name}`, 404 if unknown.
 * The route is `/api/users/{handle}/short` (API Gateway parameters are whole path segments),
 * so the handle arrives as `@ada`; the `@` is optional. Path parameters arrive decoded: no
 * second decoding here (it would throw on a literal `%`), the domain rejects what is not a handle.
 */
import '../../domain/dax';
import * as z from 'zod/mini';
import { getPublicProfile } from '../../domain/users';
import { conditionalGet } from './conditional-get';
import { httpHandler } from './middleware';
import { route } from './validation';

/**
 * Browsers and CDNs may keep the answer for 60 s, the same bound as the profile cache in
 * the function (PROFILE_CACHE_TTL_MS's default): a renamed user shows the old display name
 * for at most a minute more, and nothing is authorised by it. `public`: the route takes no
 * credentials, so every caller gets the same body. After max-age the client revalidates with
 * `If-None-Match` and gets a bodiless 304 while the profile is unchanged.
 */
const CACHE_CONTROL = 'public, max-age=60';

const Request = route({
  headers: z.object({ 'if-none-match': z.optional(z.string()) }),
  path: z.object({
    handle: z.pipe(
      z.string(),
      z.transform((segment: string) => segment.replace(/^(@|%40)/i, '')),
    ),
  }),
});

export const handler = httpHandler({ auth: false, request: Request }, async ({ input }) => {
  const user = await getPublicProfile(input.path.handle);
  const body = { uuid: user.uuid, handle: user.handle, display_name: user.display_name };
  return conditionalGet(body, input.headers['if-none-match'], CACHE_CONTROL);
});
