/**
 * #17 unread counts, end to end on the real local engine and its stream: messages commit in
 * created_at order, pattern E (the deployed handler, fed with the engine's own stream records)
 * counts every message exactly once, the read marker recounts the reader's row, and the result
 * equals the truth counted from the items (test/support/unread.ts) under concurrent sends and
 * reads, redelivered and duplicated records included.
 */
import { randomUUID } from 'node:crypto';
import { createGroup } from '../../domain/create-group';
import { createMessage, putMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { db } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { addMember } from '../../domain/manage-group';
import { markRead } from '../../domain/mark-read';
import { compareTimestamps } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { newUser, partition } from '../support/fixtures';
import { pkOf, streamEvent, tapStream, type StreamTap } from '../support/stream-events';
import { readTruth } from '../support/unread';

let tap: StreamTap;
beforeEach(async () => {
  tap = await tapStream();
});
afterEach(() => tap.close());

async function rowOf(user: UserProfile, group: string): Promise<Record<string, unknown>> {
  const rows = (await partition(keys.conversationPartition(user.uuid))).filter((row) => row.message_group_uuid === group);
  expect(rows).toHaveLength(1);
  return rows[0] as Record<string, unknown>;
}

/** Feeds pattern E every message record written so far (as the event source mapping would), until none is left. */
async function settle(groups: string[]): Promise<void> {
  for (;;) {
    const records = (await tap.read()).filter(
      (r) => r.eventName === 'INSERT' && groups.some((g) => pkOf(r) === keys.messagePartition(g)),
    );
    if (records.length === 0) return;
    expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
  }
}

/** Every member's row shows the newest message and the unread count counted from the items. */
async function expectExact(group: string, members: UserProfile[]): Promise<void> {
  const messages = await partition(keys.messagePartition(group));
  const newest = messages
    .map((m) => String(m.sk))
    .sort(compareTimestamps)
    .at(-1) as string;
  for (const member of members) {
    const row = await rowOf(member, group);
    const truth = await readTruth(group, member.uuid);
    expect({ member: member.handle, sk: row.sk, unread: row.unread_count, marker: row.last_read_at }).toEqual({
      member: member.handle,
      sk: newest,
      unread: truth.unread_count,
      marker: truth.last_read_at,
    });
  }
}

describe('#17 unread counts', () => {
  it('a direct conversation starts with the sender read and the other member one unread; a read clears it, the next message counts', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'one');
    const group = first.message_group_uuid;
    expect(await rowOf(ada, group)).toMatchObject({ unread_count: 0, last_read_at: first.created_at });
    expect(await rowOf(ben, group)).not.toHaveProperty('last_read_at');
    expect(await rowOf(ben, group)).toMatchObject({ unread_count: 1 });

    const two = await createMessage(group, ada, 'two');
    const three = await createMessage(group, ada, 'three');
    await settle([group]);
    expect(await rowOf(ben, group)).toMatchObject({ unread_count: 3 });
    // A marker before the row recounts what is after it: 'three' only.
    expect(await markRead(group, ben.uuid, two.created_at)).toEqual({
      message_group_uuid: group,
      last_read_at: two.created_at,
      unread_count: 1,
    });
    expect(await rowOf(ben, group)).toMatchObject({ unread_count: 1, last_read_at: two.created_at });
    expect((await markRead(group, ben.uuid)).unread_count).toBe(0);
    // Ben's own message never counts for him; it does for Ada.
    await createMessage(group, ben, 'four');
    await settle([group]);
    expect(await rowOf(ben, group)).toMatchObject({ unread_count: 0, last_read_at: three.created_at });
    expect(await rowOf(ada, group)).toMatchObject({ unread_count: 1 });
    const [adaItem] = (await listMessageGroups(ada.uuid)).items;
    expect(adaItem).toMatchObject({ message_group_uuid: group, unread_count: 1, last_read_at: first.created_at });
    await expectExact(group, [ada, ben]);
  });

  it('a send with a time before the newest message commits after it (the head), never behind it', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'one');
    const late = await putMessage({
      message_group_uuid: first.message_group_uuid,
      message_uuid: randomUUID(),
      message: 'stamped in the past',
      created_at: '2020-01-01T00:00:00.000000Z',
      user_uuid: ben.uuid,
      user_handle: ben.handle,
      user_display_name: ben.display_name,
    });
    expect(compareTimestamps(late.created_at, first.created_at)).toBeGreaterThan(0);
    const head = await partition(keys.membershipPartition(first.message_group_uuid));
    expect(head.find((item) => item.sk === 'HEAD')).toMatchObject({ last_created_at: late.created_at });
  });

  it('race: concurrent sends by several members commit in created_at order (the stream never shows t2 before t1 < t2)', async () => {
    const people = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai'), newUser('Dee')]);
    const [ada, ...others] = people as [UserProfile, ...UserProfile[]];
    const { conversation } = await createGroup(ada, { title: 'Order', handles: others.map((o) => o.handle) });
    const group = conversation.message_group_uuid;
    await tap.read();
    await Promise.all(
      people.flatMap((person) => Array.from({ length: 8 }, (_, i) => createMessage(group, person, `${person.handle} ${i}`))),
    );
    const order = (await tap.read())
      .filter((r) => r.eventName === 'INSERT' && pkOf(r) === keys.messagePartition(group))
      .map((r) => String(r.dynamodb?.Keys?.sk?.S));
    expect(order).toHaveLength(32);
    expect(order).toEqual([...order].sort(compareTimestamps));
  });

  it('race: concurrent sends and reads with random markers, pattern E running alongside, settle on the exact counts', async () => {
    const people = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai')]);
    const [ada, ben, cai] = people as [UserProfile, UserProfile, UserProfile];
    const { conversation } = await createGroup(ada, { title: 'Race', handles: [ben.handle, cai.handle], message: 'start' });
    const group = conversation.message_group_uuid;
    const direct = (await createMessageGroup(ben, cai.handle, 'direct start')).message_group_uuid;
    const sent: string[] = [];
    let pumping = true;
    // Pattern E as the stream delivers it: batches while the writers run.
    const pump = (async () => {
      while (pumping) {
        const records = (await tap.read()).filter(
          (r) => r.eventName === 'INSERT' && [group, direct].some((g) => pkOf(r) === keys.messagePartition(g)),
        );
        if (records.length > 0) expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
        if (i % 3 === 2) {
          const who = pick(people);
          const where = who === ada ? group : pick([group, direct]);
          // A random marker: the newest message, or a message time seen so far.
          await markRead(where, who.uuid, sent.length > 0 && Math.random() < 0.6 ? pick(sent) : undefined);
        } else {
          const who = pick(people);
          const where = who === ada ? group : pick([group, direct]);
          sent.push((await createMessage(where, who, `m${i}`)).created_at);
        }
      }),
    );
    pumping = false;
    await pump;
    await settle([group, direct]);
    await expectExact(group, people);
    await expectExact(direct, [ben, cai]);
  }, 30000);

  it('a read that commits between pattern E reading a row and moving it cancels the move, which re-reads: neither is lost', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const group = (await createMessageGroup(ada, ben.handle, 'one')).message_group_uuid;
    await createMessage(group, ada, 'two');
    const records = (await tap.read()).filter((r) => r.eventName === 'INSERT' && pkOf(r) === keys.messagePartition(group));
    // Hold pattern E's first move of Ben's row until Ben's read has committed.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    const name = 'hold-first-row-move';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        const input = JSON.stringify((args as { input?: unknown }).input ?? {});
        const isMove = String(context.commandName).startsWith('TransactWrite') && input.includes('"Delete"');
        if (isMove && input.includes(`GRP#${ben.uuid}`) && held++ === 0) await released;
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      const moving = handler(streamEvent(records));
      for (let wait = 0; held === 0; wait++) {
        if (wait > 2000) throw new Error('pattern E never moved the row');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(await markRead(group, ben.uuid)).toMatchObject({ unread_count: 0 });
      release();
      expect(await moving).toEqual({ batchItemFailures: [] });
    } finally {
      db().middlewareStack.remove(name);
    }
    await expectExact(group, [ada, ben]);
    expect(held).toBeGreaterThan(1); // the held move was cancelled and tried again
  });

  it('redelivered and duplicated message records never count twice', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const group = (await createMessageGroup(ada, ben.handle, 'one')).message_group_uuid;
    for (let i = 0; i < 4; i++) await createMessage(group, i % 2 ? ben : ada, `m${i}`);
    const records = (await tap.read()).filter((r) => r.eventName === 'INSERT' && pkOf(r) === keys.messagePartition(group));
    expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
    const once = [await rowOf(ada, group), await rowOf(ben, group)];
    // The same batch again, each record one by one, and doubled and reversed, concurrently.
    await Promise.all([
      handler(streamEvent(records)),
      ...records.map((r) => handler(streamEvent([r]))),
      handler(streamEvent([...records, ...records].reverse())),
    ]);
    expect([await rowOf(ada, group), await rowOf(ben, group)]).toEqual(once);
    await expectExact(group, [ada, ben]);
  });

  it('group creation: the creator has read the first message, the others have it unread; a member who joins later starts at the newest message', async () => {
    const [ada, ben, cai, dee] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai'), newUser('Dee')]);
    const { conversation, message } = await createGroup(ada, { title: 'Club', handles: [ben.handle, cai.handle], message: 'hi' });
    const group = conversation.message_group_uuid;
    expect(await rowOf(ada, group)).toMatchObject({ unread_count: 0, last_read_at: message?.created_at });
    expect(await rowOf(ben, group)).toMatchObject({ unread_count: 1 });
    const before = await createMessage(group, ben, 'before dee');
    await settle([group]);
    await addMember(group, ada, dee.handle);
    expect(await rowOf(dee, group)).toMatchObject({ unread_count: 0, last_read_at: before.created_at });
    await createMessage(group, cai, 'after dee');
    await settle([group]);
    expect(await rowOf(dee, group)).toMatchObject({ unread_count: 1 });
    await expectExact(group, [ada, ben, cai, dee]);
  });
});
