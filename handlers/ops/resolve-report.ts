/**
 * `sls invoke [local] -f resolveReport -d '{"report_id":"…","resolution":"warned the sender"}'`:
 * marks a report resolved with a note (domain/reports.ts); resolving it again changes nothing.
 */
import * as z from 'zod/mini';
import { resolveReport } from '../../domain/reports';
import { escapeForLog } from '../../domain/text';
import { parseInput, preview } from './report';

const Input = z.object({ report_id: z.string(), resolution: z.string() });

export async function handler(event?: unknown) {
  const { report_id, resolution } = parseInput(Input, event, 'pass {"report_id", "resolution"}');
  const report = await resolveReport(report_id, resolution);
  console.log(
    `Report ${escapeForLog(report.report_id)}: ${report.status} at ${report.resolved_at ?? '?'} — ${preview(report.resolution ?? '')}`,
  );
  return report;
}
