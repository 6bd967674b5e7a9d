import { NotFoundError, ValidationError } from '../../domain/errors';
import { readMessages } from '../../domain/list-messages';
import { findMessageGroupBetween } from '../../domain/membership';
import { getUserByHandle } from '../../domain/users';
import { inputObject, messageLine } from './report';

/**
 * `sls invoke [local] -f getConversation -d '{"message_group_uuid":"…"}'`
 * or `-d '{"handle":"ada","other_handle":"ben"}'`: pattern A, latest page, oldest first.
 */
export async function handler(event: unknown) {
  const input = inputObject(event);
  const groupUuid = await resolveGroup(input);
  const page = await readMessages(groupUuid, {
    ...(input.limit !== undefined ? { limit: input.limit as number } : {}),
    ...(typeof input.cursor === 'string' ? { cursor: input.cursor } : {}),
  });
  console.log(`Conversation ${groupUuid} (${page.items.length} messages, oldest first):`);
  for (const message of page.items) console.log(`  ${messageLine(message)}`);
  if (page.nextCursor) console.log(`  … older: pass "cursor": "${page.nextCursor}"`);
  return { message_group_uuid: groupUuid, ...page };
}

async function resolveGroup(input: Record<string, unknown>): Promise<string> {
  if (typeof input.message_group_uuid === 'string') return input.message_group_uuid;
  if (input.handle === undefined || input.other_handle === undefined) {
    throw new ValidationError('pass {"message_group_uuid"} or {"handle", "other_handle"}');
  }
  const [user, other] = await Promise.all([
    getUserByHandle(String(input.handle)),
    getUserByHandle(String(input.other_handle)),
  ]);
  const group = await findMessageGroupBetween(user.uuid, other.uuid);
  if (!group) throw new NotFoundError(`@${user.handle} and @${other.handle} have no conversation`);
  return group;
}
