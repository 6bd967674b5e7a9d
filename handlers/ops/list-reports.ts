/**
 * `sls invoke [local] -f listReports [-d '{"status":"open","limit":20,"cursor":"…"}']`: the
 * reports, newest first (domain/reports.ts). Operators only: no HTTP route reads reports.
 * Prints one line per report (stored text escaped) and returns the page as JSON.
 */
import * as z from 'zod/mini';
import { listReports } from '../../domain/reports';
import { escapeForLog } from '../../domain/text';
import { pageInput, parseInput, preview } from './report';

const Input = z.object({ status: z.optional(z.enum(['open', 'resolved'])), ...pageInput });

export async function handler(event?: unknown) {
  const { status, limit, cursor } = parseInput(Input, event, 'pass {"status"?: "open"|"resolved", "limit"?, "cursor"?}');
  const page = await listReports({ status, limit, cursor });
  console.log(`Reports${status ? ` (${status})` : ''}, newest first:`);
  for (const r of page.items) {
    console.log(
      `  ${r.created_at}  ${r.status.padEnd(8)} @${escapeForLog(r.reporter.handle)} reported @${escapeForLog(r.message.sender_handle)}: ` +
        `"${preview(r.message.text)}" — ${preview(r.reason)}  [${r.report_id}]`,
    );
  }
  if (page.nextCursor) console.log(`  … older: pass "cursor": "${page.nextCursor}"`);
  return page;
}
