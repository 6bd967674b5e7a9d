/**
 * `sls invoke [local] -f userAccess -d '{"handle":"ben","action":"revoke-tokens"}'`: ends a
 * user's sessions in this API (`revoke-tokens`), disables (`disable`) or re-enables (`enable`)
 * the user, or marks the user deleted (`delete`; the handle stays reserved) —
 * domain/users.ts `setUserAccess`. Every authenticated route and the WebSocket `$connect`
 * refuse the user's tokens within PROFILE_CACHE_TTL_MS (60 s; at once in a container that
 * has not cached the profile). Except for `enable`, the user's WebSocket connections are
 * forgotten, so no more events are pushed to them.
 *
 * Cognito has no trigger for RevokeToken, AdminDisableUser or DeleteUser: run this beside
 * them (README, Security model).
 */
import * as z from 'zod/mini';
import { forgetConnection, listConnections } from '../../domain/connections';
import { setUserAccess } from '../../domain/users';
import { parseInput } from './report';

const Input = z.object({
  handle: z.string(),
  action: z.enum(['revoke-tokens', 'disable', 'enable', 'delete']),
});
const HINT = 'pass {"handle": "…", "action": "revoke-tokens" | "disable" | "enable" | "delete"}';

export async function handler(event: unknown) {
  const { handle, action } = parseInput(Input, event, HINT);
  const profile = await setUserAccess(handle, action);
  const connections = action === 'enable' ? [] : await listConnections(profile.uuid);
  await Promise.all(connections.map((connectionId) => forgetConnection({ connectionId, userUuid: profile.uuid })));
  const state = profile.deleted_at ? 'deleted' : profile.disabled ? 'disabled' : 'enabled';
  console.log(
    `@${profile.handle} (${profile.uuid}): ${action} done — ${state}` +
      (profile.tokens_valid_after
        ? `, tokens of sign-ins before ${new Date(profile.tokens_valid_after * 1000).toISOString()} refused`
        : '') +
      (connections.length ? `, ${connections.length} WebSocket connection(s) forgotten` : ''),
  );
  return {
    uuid: profile.uuid,
    handle: profile.handle,
    state,
    tokens_valid_after: profile.tokens_valid_after ?? null,
    connections_forgotten: connections.length,
  };
}
