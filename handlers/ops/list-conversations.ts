import '../../domain/dax';
import * as z from 'zod/mini';
import { listMessageGroups } from '../../domain/list-message-groups';
import { getUserByHandle } from '../../domain/users';
import { escapeForLog } from '../../domain/text';
import { messageGroupLine, pageInput, parseInput } from './report';

const Input = z.object({ handle: z.string(), ...pageInput });

/** `sls invoke [local] -f listConversations -d '{"handle":"ada"}'`: pattern B for one user. */
export async function handler(event: unknown) {
  const { handle, limit, cursor } = parseInput(Input, event, 'pass {"handle", "limit"?, "cursor"?}');
  const user = await getUserByHandle(handle);
  const page = await listMessageGroups(user.uuid, { limit, cursor });
  console.log(`Conversations of ${escapeForLog(user.display_name)} (@${user.handle}), newest first:`);
  for (const group of page.items) console.log(`  ${messageGroupLine(group)}`);
  if (page.nextCursor) console.log(`  … more: pass "cursor": "${page.nextCursor}"`);
  return page;
}
