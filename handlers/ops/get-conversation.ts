import '../../domain/dax';
import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { readMessages } from '../../domain/list-messages';
import { findMessageGroupBetween } from '../../domain/membership';
import { getUserByHandle } from '../../domain/users';
import { messageLine, pageInput, parseInput } from './report';

const Input = z.object({
  message_group_uuid: z.optional(z.string()),
  handle: z.optional(z.string()),
  other_handle: z.optional(z.string()),
  ...pageInput,
});
type Input = z.output<typeof Input>;
const HINT = 'pass {"message_group_uuid"} or {"handle", "other_handle"}, and "limit"?, "cursor"?';

/**
 * `sls invoke [local] -f getConversation -d '{"message_group_uuid":"…"}'`
 * or `-d '{"handle":"ada","other_handle":"ben"}'`: pattern A, latest page, oldest first.
 */
export async function handler(event: unknown) {
  const input = parseInput(Input, event, HINT);
  const groupUuid = await resolveGroup(input);
  const page = await readMessages(groupUuid, { limit: input.limit, cursor: input.cursor });
  console.log(`Conversation ${groupUuid} (${page.items.length} messages, oldest first):`);
  for (const message of page.items) console.log(`  ${messageLine(message)}`);
  if (page.nextCursor) console.log(`  … older: pass "cursor": "${page.nextCursor}"`);
  return { message_group_uuid: groupUuid, ...page };
}

async function resolveGroup(input: Input): Promise<string> {
  if (input.message_group_uuid !== undefined) return input.message_group_uuid;
  if (input.handle === undefined || input.other_handle === undefined) throw new ValidationError(HINT);
  const [user, other] = await Promise.all([getUserByHandle(input.handle), getUserByHandle(input.other_handle)]);
  const group = await findMessageGroupBetween(user.uuid, other.uuid);
  if (!group) throw new NotFoundError(`@${user.handle} and @${other.handle} have no conversation`);
  return group;
}
