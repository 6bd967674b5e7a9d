/**
 * Pattern B: my conversations, newest first — the other person and the last message.
 *
 * Key condition: pk = GRP#<me>, sk (last message time) descending; after a cursor, sk below
 * the end of the cursor's second. Ordered by instant, so rows the original backend wrote
 * (`+00:00` stamps) and ours interleave right (domain/newest-first.ts).
 * Requests: 1 Query (one more per limit + 2 rows stamped in the same second as the page's
 * last). Rows are kept current by pattern E. `last_message_at` is in our canonical form.
 */
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import { messageGroupFromItem } from './items';
import { keys } from './keys';
import { queryNewestFirst } from './newest-first';
import { canonicalTimestamp } from './time';
import type { MessageGroup, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessageGroups(userUuid: string, page: PageRequest = {}): Promise<Page<MessageGroup>> {
  const user = parseUuid(userUuid, 'user_uuid');
  const limit = parseLimit(page.limit);
  const scope: CursorScope = { kind: 'groups', userUuid: user };
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);

  const { items, hasOlder } = await queryNewestFirst(keys.conversationPartition(user), limit, after);
  const last = items[items.length - 1];
  return {
    items: items.map((item) => ({ ...messageGroupFromItem(item), last_message_at: canonicalTimestamp(item.sk) })),
    // The exact key, not the canonical stamp: the next page resumes right after this row.
    ...(hasOlder && last ? { nextCursor: encodeCursor(scope, last.sk) } : {}),
  };
}
