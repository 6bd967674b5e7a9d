import { listMessageGroups } from '../../domain/list-message-groups';
import { getUserByHandle } from '../../domain/users';
import { escapeForLog } from '../../domain/text';
import { inputObject, messageGroupLine } from './report';

/** `sls invoke [local] -f listConversations -d '{"handle":"ada"}'`: pattern B for one user. */
export async function handler(event: unknown) {
  const { handle, limit, cursor } = inputObject(event);
  const user = await getUserByHandle(String(handle ?? ''));
  const page = await listMessageGroups(user.uuid, {
    ...(limit !== undefined ? { limit: limit as number } : {}),
    ...(typeof cursor === 'string' ? { cursor } : {}),
  });
  console.log(`Conversations of ${escapeForLog(user.display_name)} (@${user.handle}), newest first:`);
  for (const group of page.items) console.log(`  ${messageGroupLine(group)}`);
  if (page.nextCursor) console.log(`  … more: pass "cursor": "${page.nextCursor}"`);
  return page;
}
