/**
 * `GET /api/users/@{handle}/short` (public): `{uuid, handle, display_name}`, 404 if unknown.
 * The route is `/api/users/{handle}/short` (API Gateway parameters are whole path segments),
 * so the handle arrives as `@ada`; the `@` is optional.
 */
import { getUserByHandle } from '../../domain/users';
import { httpHandler } from './middleware';

export const handler = httpHandler({ auth: false }, async ({ path }) => {
  const handle = decodeURIComponent(path.handle ?? '').replace(/^@/, '');
  const user = await getUserByHandle(handle);
  return { body: { uuid: user.uuid, handle: user.handle, display_name: user.display_name } };
});
