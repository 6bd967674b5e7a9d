/**
 * Pattern E at the handler level, on the real local engine. Every event is built from
 * records read back from the engine's stream after real writes (patterns C/D, profile
 * updates, the handler's own row replacements), converted to Lambda's JSON shape.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import type { Message, UserProfile } from '../../domain/types';
import { ConversationRowsBusyError, updateConversationRows } from '../../domain/update-conversation-rows';
import { linkCognitoSub } from '../../domain/users';
import { logger } from '../../handlers/logger';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { newUser, partition } from '../support/fixtures';
import { pkOf, sequenceNumberOf, streamEvent, tapStream, type StreamTap } from '../support/stream-events';
import { readAttributesOf } from '../support/unread';

let tap: StreamTap;
beforeEach(async () => {
  tap = await tapStream();
});
afterEach(() => tap.close());

interface Conversation {
  a: UserProfile;
  b: UserProfile;
  group: string;
  first: Message;
}

async function conversation(): Promise<Conversation> {
  const [a, b] = await Promise.all([newUser('Ada'), newUser('Ben')]);
  const first = await createMessageGroup(a, b.handle, 'first');
  return { a, b, group: first.message_group_uuid, first };
}

/** `count` messages into the conversation, alternating senders, in order. */
async function send(c: Conversation, count: number, label = 'm'): Promise<Message[]> {
  const sent: Message[] = [];
  for (let i = 0; i < count; i++) sent.push(await createMessage(c.group, i % 2 ? c.b : c.a, `${label} ${i + 1}`));
  return sent;
}

function messageInserts(records: DynamoDBRecord[], c: Conversation): DynamoDBRecord[] {
  return records.filter((r) => r.eventName === 'INSERT' && pkOf(r) === keys.messagePartition(c.group));
}

/** Records about this test's own items (other test files write to the same table). */
function ownRecords(records: DynamoDBRecord[], ...ids: string[]): DynamoDBRecord[] {
  return records.filter((r) => ids.some((id) => pkOf(r).includes(id)));
}

async function rows(user: UserProfile, group: string): Promise<Record<string, unknown>[]> {
  return (await partition(keys.conversationPartition(user.uuid))).filter((row) => row.message_group_uuid === group);
}

/**
 * Both members have exactly one row for the conversation, at `message`, with the unread count
 * the messages and the member's marker imply (#17: counted from the items, test/support/unread.ts).
 */
async function expectRowsAt(c: Conversation, message: Message, reads?: Map<string, Record<string, unknown>>): Promise<void> {
  for (const [owner, other] of [
    [c.a, c.b],
    [c.b, c.a],
  ] as const) {
    expect(await rows(owner, c.group)).toEqual([
      {
        ...keys.conversation(owner.uuid, message.created_at),
        message_group_uuid: c.group,
        message: message.message,
        user_uuid: other.uuid,
        user_handle: other.handle,
        user_display_name: other.display_name,
        ...(reads?.get(owner.uuid) ?? (await readAttributesOf(c.group, owner.uuid, message.created_at))),
      },
    ]);
  }
}

/** Row replacements seen on the stream (each is one REMOVE + one INSERT of a GRP# item). */
function rowWrites(records: DynamoDBRecord[], users: UserProfile[]) {
  const mine = records.filter((r) => users.some((u) => pkOf(r) === keys.conversationPartition(u.uuid)));
  return {
    removes: mine.filter((r) => r.eventName === 'REMOVE').length,
    inserts: mine.filter((r) => r.eventName === 'INSERT').length,
  };
}

/** Deterministic shuffle (fixed seed), so a failure reproduces. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('pattern E: stream handler keeps conversation rows current', () => {
  it('applies every message record of a batch, not only the first: each conversation moves to its newest message', async () => {
    const convs = await Promise.all([conversation(), conversation(), conversation()]);
    const sent = await Promise.all(convs.map((c, i) => send(c, 2 + i)));
    const records = await tap.read();
    const batch = convs.flatMap((c) => messageInserts(records, c));
    expect(batch).toHaveLength(3 + 4 + 5); // first messages + sent ones

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    for (const [i, c] of convs.entries()) await expectRowsAt(c, sent[i]!.at(-1)!);
  });

  it('coalesces a batch of 100 messages over 10 conversations into one replacement per member (20 transactions)', async () => {
    const convs = await Promise.all(Array.from({ length: 10 }, conversation));
    await tap.read(); // skip the setup writes
    const sent = await Promise.all(convs.map((c) => send(c, 10)));
    const records = await tap.read();
    const batch = convs.flatMap((c) => messageInserts(records, c));
    expect(batch).toHaveLength(100);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });

    const writes = rowWrites(
      await tap.read(),
      convs.flatMap((c) => [c.a, c.b]),
    );
    expect(writes).toEqual({ removes: 20, inserts: 20 });
    for (const [i, c] of convs.entries()) await expectRowsAt(c, sent[i]!.at(-1)!);
  });

  it('never moves a row back: an older message delivered after a newer one, or first in its batch, changes nothing', async () => {
    const c = await conversation();
    const [older, newer] = await send(c, 2);
    const [olderRecord, newerRecord] = messageInserts(await tap.read(), c).slice(1);

    expect(await handler(streamEvent([newerRecord!]))).toEqual({ batchItemFailures: [] });
    await tap.read();
    expect(await handler(streamEvent([olderRecord!]))).toEqual({ batchItemFailures: [] });
    expect(rowWrites(await tap.read(), [c.a, c.b])).toEqual({ removes: 0, inserts: 0 });
    await expectRowsAt(c, newer!);

    // Newest-first within one batch: the newest wins by time, not by position.
    const c2 = await conversation();
    const sent = await send(c2, 3);
    const reversed = messageInserts(await tap.read(), c2).reverse();
    expect(await handler(streamEvent(reversed))).toEqual({ batchItemFailures: [] });
    await expectRowsAt(c2, sent[2]!);
    expect(older!.created_at < newer!.created_at).toBe(true);
  });

  it('is idempotent: replaying the same batch writes nothing and leaves the rows as they were', async () => {
    const c = await conversation();
    const sent = await send(c, 4);
    const batch = messageInserts(await tap.read(), c);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    const before = [await rows(c.a, c.group), await rows(c.b, c.group)];
    await tap.read();

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    expect(await handler(streamEvent(batch.slice(1, 3)))).toEqual({ batchItemFailures: [] });
    expect(rowWrites(await tap.read(), [c.a, c.b])).toEqual({ removes: 0, inserts: 0 });
    expect([await rows(c.a, c.group), await rows(c.b, c.group)]).toEqual(before);
    await expectRowsAt(c, sent[3]!);
  });

  it('handles a batch mixing conversations with profile, pair, membership, row, MODIFY and REMOVE records', async () => {
    const [c1, c2] = await Promise.all([conversation(), conversation()]);
    const [m1] = await send(c1, 1);
    const seen = await tap.read();
    // The handler's own row replacements land on the stream too.
    expect(await handler(streamEvent(messageInserts(seen, c1)))).toEqual({ batchItemFailures: [] });
    seen.push(...(await tap.read()));

    const sent2 = await send(c2, 2);
    await linkCognitoSub(c1.a.handle, `sub-${c1.a.uuid}`); // MODIFY of profile items
    // A MODIFY and a REMOVE of message items: neither is a new message.
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.message(c2.group, sent2[1]!.created_at),
        UpdateExpression: 'SET message = :m',
        ExpressionAttributeValues: { ':m': 'edited' },
      }),
    );
    // The rows counted c1's first message while it existed; a raw delete does not uncount it.
    const c1Reads = new Map<string, Record<string, unknown>>();
    for (const member of [c1.a, c1.b]) c1Reads.set(member.uuid, await readAttributesOf(c1.group, member.uuid, m1!.created_at));
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.message(c1.group, c1.first.created_at) }));
    seen.push(...(await tap.read()));

    // Everything this test wrote, in stream order, as one batch.
    const ids = [c1, c2].flatMap((c) => [c.group, c.a.uuid, c.b.uuid, c.a.handle.toLowerCase(), c.b.handle.toLowerCase()]);
    const all = ownRecords(seen, ...ids, `sub-${c1.a.uuid}`);
    const kinds = new Set(all.map((r) => `${r.eventName} ${pkOf(r).split('#')[0]}`));
    expect([...kinds].sort()).toEqual(
      [
        'INSERT GROUP',
        'INSERT GRP',
        'INSERT MSG',
        'INSERT PAIR',
        // The senders' rate-limit counters (domain/rate-limit.ts), written with each message.
        'INSERT RATE',
        'INSERT USER',
        // The conversations' heads (#17, domain/unread.ts), moved by each later message.
        'MODIFY GROUP',
        'MODIFY MSG',
        'MODIFY RATE',
        'MODIFY USER',
        'REMOVE GRP',
        'REMOVE MSG',
      ].sort(),
    );

    expect(await handler(streamEvent(all))).toEqual({ batchItemFailures: [] });
    await expectRowsAt(c1, m1!, c1Reads);
    await expectRowsAt(c2, sent2[1]!); // text as sent: the MODIFY is not a new message
  });

  it('drops a record pattern E can never apply (logged and counted, not reported as failed, so never retried into the DLQ) and applies the rest', async () => {
    const [good, other] = await Promise.all([conversation(), conversation()]);
    const sent = await send(good, 2);
    await send(other, 5);
    const records = await tap.read();
    const [o1, o2, o3, o4, o5] = messageInserts(records, other).slice(1);
    const withImage = (r: DynamoDBRecord, change: Record<string, AttributeValue>): DynamoDBRecord => ({
      ...r,
      dynamodb: { ...r.dynamodb, NewImage: { ...r.dynamodb!.NewImage, ...change } },
    });
    const poisons: DynamoDBRecord[] = [
      withImage(o1!, { sk: { S: 'yesterday' } }),
      withImage(o2!, { message: { N: '42' } }),
      { ...o3!, dynamodb: { ...o3!.dynamodb, Keys: { pk: { S: 'MSG#not-a-uuid' }, sk: o3!.dynamodb!.Keys!.sk! } } },
      // The original's older seed wrote naive datetime.now().isoformat() stamps; other offsets are refused too.
      withImage(o4!, { sk: { S: '2026-12-01T18:19:28.753263' } }),
      withImage(o5!, { sk: { S: '2026-12-01T20:19:28.753263+02:00' } }),
    ];
    const batch = [...poisons, ...messageInserts(records, good)];
    const errors = jest.spyOn(logger, 'error');
    const infos = jest.spyOn(logger, 'info');
    try {
      const response = await handler(streamEvent(batch));

      expect(response.batchItemFailures).toEqual([]);
      const dropped = errors.mock.calls.filter(([message]) => String(message).startsWith('record dropped'));
      expect(dropped.map(([, extra]) => (extra as { sequenceNumber: string }).sequenceNumber)).toEqual(
        poisons.map(sequenceNumberOf),
      );
      expect(JSON.stringify(dropped)).not.toContain('m 1'); // keys and reason, never the text
      expect(infos.mock.calls.find(([message]) => message === 'batch done')?.[1]).toMatchObject({ dropped: 5, failures: 0 });
    } finally {
      errors.mockRestore();
      infos.mockRestore();
    }
    await expectRowsAt(good, sent[1]!);
    await expectRowsAt(other, other.first); // nothing applied from the dropped records
  });

  it('applies a message record without a sequence number; only if its conversation then fails is the whole batch failed', async () => {
    const [good, other, broken] = await Promise.all([conversation(), conversation(), conversation()]);
    const sent = await send(good, 1);
    const sentOther = await send(other, 1);
    await send(broken, 1);
    await db().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.conversation(broken.b.uuid, broken.first.created_at) }),
    );
    const records = await tap.read();
    const unnamed = (r: DynamoDBRecord): DynamoDBRecord => {
      const { SequenceNumber: _dropped, ...change } = r.dynamodb!;
      return { ...r, dynamodb: change };
    };

    const applied = await handler(streamEvent([unnamed(messageInserts(records, other)[1]!), ...messageInserts(records, good)]));
    expect(applied).toEqual({ batchItemFailures: [] });
    await expectRowsAt(other, sentOther[0]!);

    await expect(handler(streamEvent([unnamed(messageInserts(records, broken)[1]!)]))).rejects.toThrow(
      'without a sequence number',
    );
    await expectRowsAt(good, sent[0]!);
  });

  it('reports a conversation whose rows cannot be made current as failed (its sequence numbers), not as done', async () => {
    const [broken, fine] = await Promise.all([conversation(), conversation()]);
    await send(broken, 1);
    const sentFine = await send(fine, 1);
    // Ben's row is gone but Ada's row still names him: the index looks stale for good.
    await db().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.conversation(broken.b.uuid, broken.first.created_at) }),
    );
    const records = await tap.read();
    const brokenBatch = messageInserts(records, broken);
    const batch = [...brokenBatch, ...messageInserts(records, fine)];

    const response = await handler(streamEvent(batch));

    expect(response.batchItemFailures).toEqual(brokenBatch.map((r) => ({ itemIdentifier: sequenceNumberOf(r) })));
    await expectRowsAt(fine, sentFine[0]!);
  });

  it('concurrent invocations with shuffled, duplicated batches never leave a member with zero or two rows', async () => {
    const c = await conversation();
    const sent = await send(c, 20);
    const records = messageInserts(await tap.read(), c);
    const deliveries = shuffled([...records, ...records.slice(5, 15)], 7);
    const batches = Array.from({ length: 8 }, (_, i) => deliveries.filter((_, j) => j % 8 === i));

    let running = true;
    const counts: number[] = [];
    const watcher = (async () => {
      while (running) counts.push((await rows(c.a, c.group)).length, (await rows(c.b, c.group)).length);
    })();
    const responses = await Promise.all(batches.map((batch) => handler(streamEvent(batch))));
    running = false;
    await watcher;

    expect(responses).toEqual(batches.map(() => ({ batchItemFailures: [] })));
    expect(counts.length).toBeGreaterThan(0);
    expect(new Set(counts)).toEqual(new Set([1]));
    await expectRowsAt(c, sent[19]!);
  });
});

describe('pattern E: conflicts between concurrent replacements', () => {
  it('cancelled transactions are retried until every member holds the newest message', async () => {
    const c = await conversation();
    const sent = await send(c, 6);
    await tap.read();

    const results = await Promise.all(shuffled(sent, 3).map((m) => updateConversationRows(m)));

    expect(results.reduce((sum, r) => sum + r.cancelled, 0)).toBeGreaterThan(0);
    // Each member was moved forward at most once per message and ends at the newest.
    const writes = rowWrites(await tap.read(), [c.a, c.b]);
    expect(writes.removes).toBe(writes.inserts);
    expect(writes.inserts).toBeLessThanOrEqual(12);
    await expectRowsAt(c, sent[5]!);
  });

  it('a conflict that outlasts the retry budget is an error, never reported as done', async () => {
    const c = await conversation();
    const sent = await send(c, 6);

    const settled = await Promise.allSettled(sent.map((m) => updateConversationRows(m, { maxAttempts: 1 })));

    const rejected = settled.filter((s) => s.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConversationRowsBusyError);
    expect(await rows(c.a, c.group)).toHaveLength(1);
    expect(await rows(c.b, c.group)).toHaveLength(1);
  });
});
