/**
 * Pattern B: my conversations, newest first — the other person and the last message.
 *
 * Key condition: pk = GRP#<me>, sk (last message time) descending; after a cursor, sk below
 * the end of the cursor's second. Ordered by instant, so rows the original backend wrote
 * (`+00:00` stamps) and ours interleave right (domain/table.ts queryPage).
 * Requests: 1 Query (one more per limit + 2 rows stamped in the same second as the page's
 * last). Rows are kept current by pattern E. `last_message_at` is in our canonical form.
 * A group row whose last sender the caller blocks keeps its place with the text withheld
 * (domain/blocks.ts): the caller's blocks are read by one consistent Query beside the rows'
 * Query (1 round trip still; +1 request, 0.5 read units for a caller with a page of blocks
 * or none). Direct rows are shown as they are (README "Safety").
 */
import { blockedUuids, markBlockedSenders } from './blocks';
import type { CursorScope } from './cursor';
import { messageGroupFromItem } from './items';
import { keys } from './keys';
import { queryPage } from './table';
import { canonicalTimestamp } from './time';
import type { MessageGroup, Page, PageRequest } from './types';
import { parseLimit, parseUuid } from './validation';

export async function listMessageGroups(userUuid: string, page: PageRequest = {}): Promise<Page<MessageGroup>> {
  const user = parseUuid(userUuid, 'user_uuid');
  const scope: CursorScope = { kind: 'groups', userUuid: user };
  const [{ items, nextCursor }, blocked] = await Promise.all([
    queryPage({ pk: keys.conversationPartition(user), limit: parseLimit(page.limit), cursor: page.cursor, scope }),
    blockedUuids(user),
  ]);
  const rows = items.map((item) => ({ ...messageGroupFromItem(item), last_message_at: canonicalTimestamp(String(item.sk)) }));
  return {
    items: markBlockedSenders(rows, (row) => (row.kind === 'group' ? row.user_uuid : ''), blocked),
    ...(nextCursor ? { nextCursor } : {}),
  };
}
