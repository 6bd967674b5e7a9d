/**
 * (10) Edit and delete (#17): the write cost of an edit and a delete, for a 1:1 conversation
 * and a 10-member group, when the message is the conversation's last one (every member's row
 * is at it, so pattern E updates every row: the most it costs).
 *
 * Per size: the edit's own requests and WCU (without and with an Idempotency-Key), pattern E on
 * the edit's MODIFY record, the delete's (by the sender, and by the group's owner), and pattern E
 * on the delete's MODIFY. Counted with the middleware of sections 1, 4b and 8 (capacity as the
 * engine reports it; the rows' in-place updates change no index key, so no GSI WCU is added);
 * the records are the engine's own stream records, as Lambda would get them.
 */
import { randomUUID } from 'node:crypto';
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { deleteMessage } from '../../domain/delete-message';
import { db } from '../../domain/dynamodb';
import { editMessage } from '../../domain/edit-message';
import { groupUuidOfMessagePartition } from '../../domain/keys';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { pkOf, streamEvent, tapStream, type StreamTap } from '../../test/support/stream-events';
import { countRequests, totalRequests, totalWcu, type Tally } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { newProfile, profileItems, writeItems } from '../lib/seed-data';

const SIZES = [2, 10];

export async function editAndDelete(figures: Figures): Promise<void> {
  const engine = await startEngine();
  const stream = await tapStream();
  try {
    const gen = generator(10);
    for (const size of SIZES) {
      const people = Array.from({ length: size }, (_, i) => newProfile(gen, `e${size}m${i}`));
      await writeItems(people.flatMap(profileItems));
      const [owner, sender, ...rest] = people as [UserProfile, UserProfile, ...UserProfile[]];
      const prefix = size === 2 ? '10.direct_1to1' : `10.group_${size}_members`;
      const group =
        size === 2
          ? (await createMessageGroup(owner, sender.handle, 'hello')).message_group_uuid
          : (
              await createGroup(owner, {
                title: 'Bench edits',
                handles: [sender, ...rest].map((p) => p.handle),
                message: 'hello',
              })
            ).conversation.message_group_uuid;
      await applyPatternE(stream, group, ['INSERT']);

      // An edit of the last message (the sender's), then pattern E on its MODIFY.
      const last = await createMessage(group, sender, gen.text(3, 20));
      await applyPatternE(stream, group, ['INSERT']);
      await counted(figures, `${prefix}.edit`, () => editMessage(group, last.message_uuid, sender, 'an edited text'));
      figures.add(
        `${prefix}.edit.E.rows_updated_count`,
        await counted(figures, `${prefix}.edit.E`, () => applyPatternE(stream, group, ['MODIFY'])),
      );
      await counted(figures, `${prefix}.edit_with_idempotency_key`, () =>
        editMessage(group, last.message_uuid, sender, 'edited again', { idempotencyKey: randomUUID() }),
      );
      await applyPatternE(stream, group, ['MODIFY']);

      // The delete by the sender, then pattern E on its MODIFY (every row becomes a tombstone).
      await counted(figures, `${prefix}.delete_by_sender`, () => deleteMessage(group, last.message_uuid, sender.uuid));
      figures.add(
        `${prefix}.delete.E.rows_updated_count`,
        await counted(figures, `${prefix}.delete.E`, () => applyPatternE(stream, group, ['MODIFY'])),
      );
      await counted(figures, `${prefix}.delete_again`, () => deleteMessage(group, last.message_uuid, sender.uuid));
      if (size > 2) {
        const another = await createMessage(group, sender, gen.text(3, 20));
        await applyPatternE(stream, group, ['INSERT']);
        await counted(figures, `${prefix}.delete_by_owner`, () => deleteMessage(group, another.message_uuid, owner.uuid));
        await applyPatternE(stream, group, ['MODIFY']);
      }
    }
  } finally {
    stream.close();
    await engine.stop();
  }
}

/** Runs `fn` with the client's requests counted, and adds requests, transactions, RCU and WCU under `name`. */
async function counted<T>(figures: Figures, name: string, fn: () => Promise<T>): Promise<T> {
  const counter = countRequests(db());
  let result: T;
  try {
    result = await fn();
  } finally {
    counter.stop();
  }
  addCounts(figures, name, counter.tally);
  return result;
}

function addCounts(figures: Figures, name: string, tally: Tally): void {
  figures.add(`${name}.requests_count`, totalRequests(tally), undefined, Object.keys(tally.requests).join('+'));
  figures.add(`${name}.transact_writes_count`, tally.requests.TransactWriteItems ?? 0);
  figures.add(`${name}.rcu`, tally.rcu);
  figures.add(`${name}.wcu`, totalWcu(tally));
}

/** Pattern E (the real stream handler) on the group's new message records of these kinds; the rows it updated in place. */
async function applyPatternE(stream: StreamTap, group: string, kinds: string[]): Promise<number> {
  const records = (await stream.read()).filter(
    (r) => kinds.includes(String(r.eventName)) && groupUuidOfMessagePartition(pkOf(r)) === group,
  );
  if (records.length === 0) throw new Error(`no ${kinds.join('/')} record of the group`);
  const response = await handler(streamEvent(records));
  if (response.batchItemFailures.length > 0) throw new Error('pattern E reported failures');
  const rowWrites = (await stream.read()).filter((r) => r.eventName === 'MODIFY' && !groupUuidOfMessagePartition(pkOf(r)));
  return rowWrites.length;
}
