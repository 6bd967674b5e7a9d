import '../../domain/dax';
import * as z from 'zod/mini';
import { scanPages } from '../../domain/table';
import { parseInput } from './report';

const Input = z.object({ pageSize: z.optional(z.int().check(z.positive())) });

/**
 * `sls invoke [local] -f scan`: prints every item of the table, one JSON line each,
 * following LastEvaluatedKey through every 1 MB page. Returns the counts only: a whole
 * table does not fit a Lambda response. Input `{"pageSize": N}` caps each page.
 */
export async function handler(event?: unknown) {
  const { pageSize } = parseInput(Input, event, 'pass {} or {"pageSize": <positive integer>}');
  let items = 0;
  let pages = 0;
  for await (const page of scanPages({ pageSize, cacheable: true })) {
    for (const item of page) console.log(JSON.stringify(item));
    items += page.length;
    pages++;
  }
  console.log(`${items} items in ${pages} page(s)`);
  return { items, pages };
}
