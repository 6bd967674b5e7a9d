/**
 * Newest-first pages of a partition whose sort key is a message timestamp in any accepted
 * form (domain/time.ts): the messages of a conversation (pattern A) and a member's
 * conversation rows (pattern B), in a table that the original backend writes too.
 *
 * DynamoDB returns a partition in sort-key string order. That is time order except among
 * keys of one second written in different forms (`…:28Z` sorts after `…:28.5…Z`,
 * `….753Z` after `….753263Z`). So a page is read in string order and re-sorted by
 * instant (`compareTimestamps`), and it is only final once the read has gone past the
 * second of the page's last item: any key not read yet belongs to that second or an
 * earlier one, so it cannot be newer than an item of a later second. One extra item
 * (limit + 2) makes that true in the common case, keeping it to 1 Query; keys bunched in
 * one second cost one more Query per further limit + 2 of them.
 *
 * The position after a page is the exact key of its oldest item; the next page reads the
 * keys below the end of that key's second (`sk < <second>~`) and keeps those older than it
 * in the same total order, so no key is skipped or repeated across pages.
 *
 * Keys that are not timestamps in an accepted form (e.g. a naive `datetime.now()` stamp)
 * have no place in time: they are not returned.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './dynamodb';
import { compareTimestamps, isTimestamp, timestampSecond } from './time';

type Item = Record<string, unknown> & { sk: string };

export interface NewestFirst {
  /** At most `limit` items, newest first by instant. */
  items: Item[];
  /** True when older items exist: resume with the last item's `sk`. */
  hasOlder: boolean;
}

// Above every character that can follow the second in an accepted stamp ('.', '+', 'Z').
const END_OF_SECOND = '~';

export async function queryNewestFirst(pk: string, limit: number, afterSk?: string): Promise<NewestFirst> {
  const candidates: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (;;) {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: afterSk === undefined ? 'pk = :pk' : 'pk = :pk AND sk < :below',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(afterSk === undefined ? {} : { ':below': `${timestampSecond(afterSk)}${END_OF_SECOND}` }),
        },
        ScanIndexForward: false,
        Limit: limit + 2,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (!isTimestamp(item.sk)) continue;
      if (afterSk !== undefined && compareTimestamps(item.sk, afterSk) >= 0) continue;
      candidates.push(item as Item);
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) break;
    // Everything not read yet sorts below the last key read, so its second is at most that one.
    const lastSecond = timestampSecond(String(startKey.sk));
    const settled = candidates.filter((item) => timestampSecond(item.sk) > lastSecond).length;
    if (settled > limit) break;
  }
  candidates.sort((a, b) => compareTimestamps(b.sk, a.sk));
  return { items: candidates.slice(0, limit), hasOlder: candidates.length > limit };
}
