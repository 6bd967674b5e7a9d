/**
 * (8) Group conversations (#16): what a group costs, for 10 and 100 members.
 *
 * Per group size: creating it (pattern F: requests, transactions, WCU), one message into it
 * (pattern C, then pattern E on a batch holding only that message), and a batch of 10 messages
 * into it handled by the real stream handler in one invocation (coalesced: each member's row
 * moves once), with that batch's time. Counted with the same middleware as sections 1 and 4b;
 * the records are the engine's own stream records, as Lambda would get them.
 */
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { db } from '../../domain/dynamodb';
import { groupUuidOfMessagePartition } from '../../domain/keys';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { pkOf, streamEvent, tapStream, type StreamTap } from '../../test/support/stream-events';
import { countRequests, totalRequests, totalWcu, type Tally } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { newProfile, profileItems, writeItems } from '../lib/seed-data';
import { summarize, timeOnce } from '../lib/stats';

export interface Settings {
  /** Timed batches per group size (each: 10 messages, then the handler on their records). */
  batches: number;
}

const SIZES = [10, 100];
const BATCH_MESSAGES = 10;

export async function groups(figures: Figures, settings: Settings): Promise<void> {
  const engine = await startEngine();
  const stream = await tapStream();
  try {
    const gen = generator(8);
    for (const size of SIZES) {
      const people = Array.from({ length: size }, (_, i) => newProfile(gen, `g${size}m${i}`));
      await writeItems(people.flatMap(profileItems));
      const [owner, ...others] = people as [UserProfile, ...UserProfile[]];
      const prefix = `8.group_${size}_members`;

      const creating = countRequests(db());
      const { conversation } = await createGroup(owner, { title: `Bench ${size}`, handles: others.map((o) => o.handle) });
      creating.stop();
      addCounts(figures, `${prefix}.create`, creating.tally);
      const group = conversation.message_group_uuid;
      await stream.read();

      // One message, one batch.
      const sending = countRequests(db());
      await createMessage(group, others[0] as UserProfile, gen.text(3, 20));
      sending.stop();
      addCounts(figures, `${prefix}.per_message.send_C`, sending.tally);
      const one = countRequests(db());
      const failedOne = (await handler(streamEvent(await messageRecords(stream, group, 1)))).batchItemFailures.length;
      one.stop();
      addCounts(figures, `${prefix}.per_message.E_one_message_per_batch`, one.tally);

      // Batches of 10 messages from different senders: pattern E moves each row once per batch.
      const times: number[] = [];
      let failed = failedOne;
      let counted: Tally | undefined;
      for (let b = 0; b < settings.batches + 1; b++) {
        for (let m = 0; m < BATCH_MESSAGES; m++) await createMessage(group, people[m % size] as UserProfile, gen.text(3, 20));
        const records = await messageRecords(stream, group, BATCH_MESSAGES);
        if (b === 0) {
          const counter = countRequests(db());
          failed += (await handler(streamEvent(records))).batchItemFailures.length;
          counter.stop();
          counted = counter.tally;
        } else {
          times.push(await timeOnce(async () => (failed += (await handler(streamEvent(records))).batchItemFailures.length)));
        }
      }
      const batch = `${prefix}.per_batch_of_${BATCH_MESSAGES}_messages.E`;
      addCounts(figures, batch, counted as Tally);
      figures.add(`${batch}.per_message_wcu`, totalWcu(counted as Tally) / BATCH_MESSAGES);
      figures.addSummary(`${batch}.handler`, summarize(times));
      figures.add(`${prefix}.failed_records_count`, failed, { equals: 0 });
    }
  } finally {
    stream.close();
    await engine.stop();
  }
}

function addCounts(figures: Figures, name: string, tally: Tally): void {
  figures.add(`${name}.requests_count`, totalRequests(tally), undefined, Object.keys(tally.requests).join('+'));
  figures.add(`${name}.transact_writes_count`, tally.requests.TransactWriteItems ?? 0);
  figures.add(`${name}.rcu`, tally.rcu);
  figures.add(`${name}.wcu`, totalWcu(tally));
}

async function messageRecords(stream: StreamTap, group: string, expected: number) {
  const records = (await stream.read()).filter((r) => r.eventName === 'INSERT' && groupUuidOfMessagePartition(pkOf(r)) === group);
  if (records.length !== expected) throw new Error(`expected ${expected} message records of the group, read ${records.length}`);
  return records;
}
