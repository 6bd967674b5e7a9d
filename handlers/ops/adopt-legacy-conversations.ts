import * as z from 'zod/mini';
import { adoptLegacyConversations } from '../../domain/legacy';
import { parseInput } from './report';

const Input = z.object({ apply: z.optional(z.boolean()), pageSize: z.optional(z.int().check(z.positive())) });

/**
 * `sls invoke [local] -f adoptLegacyConversations [-d '{"apply": true}']`: gives the
 * conversations the original Cruddur backend created the membership and pair items our
 * patterns A, C and D need (domain/legacy.ts). Dry run unless `apply` is true; idempotent.
 * Prints uuids only, never message text.
 */
export async function handler(event?: unknown) {
  const { apply, pageSize } = parseInput(Input, event, 'pass {"apply"?: true, "pageSize"?: a positive integer}');
  const report = await adoptLegacyConversations({ apply: apply === true, ...(pageSize ? { pageSize } : {}) });
  const verb = report.applied ? 'wrote' : 'would write';
  for (const a of report.adopted) {
    const note = a.raced
      ? ' — changed meanwhile, run again'
      : a.pairNames
        ? ` — pair already names ${a.pairNames}, left alone`
        : '';
    console.log(`  ${a.message_group_uuid} (${a.members.join(', ')}): ${verb} ${a.missing.join(', ')}${note}`);
  }
  for (const s of report.skipped) console.log(`  ${s.message_group_uuid}: skipped, ${s.reason}`);
  console.log(
    `${report.applied ? 'Applied' : 'Dry run (pass {"apply": true} to write)'}: ${report.conversations} conversations in ` +
      `${report.indexPages} index page(s) — ${report.complete} complete, ${report.adopted.length} ${report.applied ? 'adopted' : 'to adopt'}, ${report.skipped.length} skipped`,
  );
  return report;
}
