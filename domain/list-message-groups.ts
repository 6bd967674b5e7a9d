/**
 * Pattern B: my conversations, newest first — the other person and the last message.
 *
 * Key condition: pk = GRP#<me>, sk (last message time) descending.
 * Requests: 1 Query. Rows are kept current by pattern E.
 */
import type { CursorScope } from './cursor';
import { messageGroupFromItem } from './items';
import { keys } from './keys';
import { queryPage } from './table';
import type { MessageGroup, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessageGroups(userUuid: string, page: PageRequest = {}): Promise<Page<MessageGroup>> {
  const user = parseUuid(userUuid, 'user_uuid');
  const scope: CursorScope = { kind: 'groups', userUuid: user };
  const { items, nextCursor } = await queryPage({
    pk: keys.conversationPartition(user),
    limit: parseLimit(page.limit),
    cursor: page.cursor,
    scope,
    newestFirst: true,
  });
  return { items: items.map(messageGroupFromItem), ...(nextCursor ? { nextCursor } : {}) };
}
