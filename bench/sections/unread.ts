/**
 * (10) #17 read markers and unread counts: what the feature costs, in one run.
 *
 * - B with unread counts against B today: two users with the same page of conversations (the
 *   default page, 20 rows, same texts and senders), one whose rows carry `unread_count` and
 *   `last_read_at` (written by this feature), one with rows as they were before it (legacy
 *   rows: no fields, shown as 0). listMessageGroups on each, alternating (measurePair): p50 and
 *   the ratio, plus requests and RCU of one call each.
 * - The write cost of a read (markRead with unread messages to recount) and of one that changes
 *   nothing, and of a send now (pattern C with the conversation's head item in its transaction),
 *   and of pattern E on one message (its row moves and the Query of the messages passed).
 * Counted with the same middleware as the other sections (bench/lib/capacity.ts).
 */
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { conversationItem } from '../../domain/items';
import { groupUuidOfMessagePartition, keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { markRead } from '../../domain/mark-read';
import { formatMicros } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { pkOf, streamEvent, tapStream } from '../../test/support/stream-events';
import { countRequests, totalRequests, totalWcu, type Tally } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { newProfile, profileItems, writeItems } from '../lib/seed-data';
import { measurePair } from '../lib/stats';

export interface Settings {
  iterations: number;
  warmup: number;
}

const PAGE = 20;

export async function unread(figures: Figures, settings: Settings): Promise<void> {
  const engine = await startEngine();
  const stream = await tapStream();
  try {
    const gen = generator(10);
    const withFields = newProfile(gen, 'unread');
    const legacy = newProfile(gen, 'legacy');
    const others = Array.from({ length: PAGE }, (_, i) => newProfile(gen, `peer${i}`));
    const base = Date.UTC(2025, 0, 1) * 1000;
    const rows = others.flatMap((other, i) => {
      const at = formatMicros(base + i * 1_000_000);
      const text = gen.text(3, 20);
      const marker = formatMicros(base + i * 1_000_000 - 5_000_000);
      return [
        { ...conversationItem(withFields.uuid, other, gen.uuid(), text, at, { unread_count: i % 7, last_read_at: marker }) },
        { ...conversationItem(legacy.uuid, other, gen.uuid(), text, at) },
      ];
    });
    await writeItems([...[withFields, legacy, ...others].flatMap(profileItems), ...rows]);

    // Same run, same page, alternating: the unread fields against rows without them.
    const pair = await measurePair(
      settings.iterations,
      settings.warmup,
      () => listMessageGroups(withFields.uuid),
      () => listMessageGroups(legacy.uuid),
    );
    figures.addSummary('11.B.with_unread', pair.ours);
    figures.addSummary('11.B.legacy_rows', pair.floor);
    figures.add('11.B.with_unread_vs_legacy.p50_ratio', pair.ratioP50);
    figures.add('11.B.with_unread_vs_legacy.paired_p50_ratio', pair.pairedRatioP50);
    for (const [name, user] of [
      ['with_unread', withFields],
      ['legacy_rows', legacy],
    ] as const) {
      const counter = countRequests(db());
      const page = await listMessageGroups(user.uuid);
      counter.stop();
      if (page.items.length !== PAGE) throw new Error(`expected a page of ${PAGE}, got ${page.items.length}`);
      addCounts(figures, `11.B.${name}.per_call`, counter.tally);
    }

    // A conversation with three unread messages for Ben, rows current (pattern E applied).
    const [ada, ben] = [newProfile(gen, 'ada'), newProfile(gen, 'ben')] as [UserProfile, UserProfile];
    await writeItems([ada, ben].flatMap(profileItems));
    const first = await createMessageGroup(ada, ben.handle, gen.text(3, 20));
    const group = first.message_group_uuid;
    await createMessage(group, ada, gen.text(3, 20));
    const sending = countRequests(db());
    await createMessage(group, ada, gen.text(3, 20));
    sending.stop();
    addCounts(figures, '11.send_C_with_head', sending.tally);
    const records = (await stream.read()).filter(
      (r) => r.eventName === 'INSERT' && groupUuidOfMessagePartition(pkOf(r)) === group,
    );
    const last = records.at(-1);
    if (!last) throw new Error('no message records read');
    const moving = countRequests(db());
    const failed = (await handler(streamEvent([last]))).batchItemFailures.length;
    moving.stop();
    addCounts(figures, '11.E_one_message_per_batch', moving.tally);
    figures.add('11.E.failed_records_count', failed, { equals: 0 });

    // Read the first message only: two unread to recount (the Query), then everything.
    const partial = countRequests(db());
    const marked = await markRead(group, ben.uuid, first.created_at);
    partial.stop();
    figures.add('11.read.partial.unread_count', marked.unread_count, { equals: 2 });
    addCounts(figures, '11.read.partial', partial.tally);
    const full = countRequests(db());
    const all = await markRead(group, ben.uuid);
    full.stop();
    figures.add('11.read.to_newest.unread_count', all.unread_count, { equals: 0 });
    addCounts(figures, '11.read.to_newest', full.tally);
    const again = countRequests(db());
    await markRead(group, ben.uuid);
    again.stop();
    addCounts(figures, '11.read.unchanged', again.tally);
    figures.add('11.read.unchanged.wcu_equals_0', totalWcu(again.tally), { equals: 0 });
    const { Items } = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.conversationPartition(ben.uuid) },
        ConsistentRead: true,
      }),
    );
    const row = Items?.[0];
    figures.add('11.read.row_unread_after_count', Number(row?.unread_count), { equals: 0 });
  } finally {
    stream.close();
    await engine.stop();
  }
}

function addCounts(figures: Figures, name: string, tally: Tally): void {
  figures.add(`${name}.requests_count`, totalRequests(tally), undefined, Object.keys(tally.requests).join('+'));
  figures.add(`${name}.rcu`, tally.rcu);
  figures.add(`${name}.wcu`, totalWcu(tally));
}
