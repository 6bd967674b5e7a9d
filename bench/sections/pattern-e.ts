/**
 * (4b) Pattern E handler efficiency and (5) cost per message.
 *
 * Each round sends 100 messages with pattern C (createMessage) into 10 conversations,
 * reads their records from the engine's stream (as Lambda would get them) and hands them
 * to the real stream handler as one batch. The same round also sends 100 messages into 10
 * other conversations and applies them the naive way — per message, per member, an
 * unconditional delete + put of the row, no coalescing — so both cost figures come from
 * the same engine and the same counting.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createMessage } from '../../domain/create-message';
import { db, tableName } from '../../domain/dynamodb';
import { conversationItem, type ConversationItem } from '../../domain/items';
import { groupUuidOfMessagePartition, keys, MESSAGE_GROUP_INDEX, userUuidOfConversationPartition } from '../../domain/keys';
import { formatMicros } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { pkOf, streamEvent, tapStream } from '../../test/support/stream-events';
import { addTallies, countRequests, emptyTally, totalRequests, totalWcu, type Tally } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator, type Generator } from '../lib/random';
import { conversationItems, newProfile, pastMicros, profileItems, writeItems } from '../lib/seed-data';
import { summarize, timeOnce } from '../lib/stats';

export interface Settings {
  /** Timed rounds (no counting middleware). */
  rounds: number;
  warmup: number;
  /** Counted rounds (requests and capacity), not timed. */
  countedRounds: number;
}

const CONVERSATIONS = 10;
const MESSAGES = 100;
const SINGLE_MESSAGE_SAMPLES = 5;

interface Conversation {
  group: string;
  members: [UserProfile, UserProfile];
}

export async function patternE(figures: Figures, settings: Settings): Promise<void> {
  const engine = await startEngine();
  const tap = await (async () => {
    const gen = generator(4);
    const ours = conversations(gen);
    const naive = conversations(gen);
    await writeItems(
      [...ours, ...naive].flatMap(({ group, members: [a, b] }) => [
        ...profileItems(a),
        ...profileItems(b),
        ...conversationItems(a, b, group, 'hello', formatMicros(pastMicros(2))),
      ]),
    );
    const stream = await tapStream();
    return { stream, gen, ours, naive };
  })();
  const { stream, gen, ours, naive } = tap;
  try {
    const oursGroups = new Set(ours.map((c) => c.group));
    const timesOurs: number[] = [];
    const timesNaive: number[] = [];
    let sendTally = emptyTally();
    let oursTally = emptyTally();
    let naiveTally = emptyTally();
    let failures = 0;

    const totalRounds = settings.warmup + settings.rounds + settings.countedRounds;
    for (let round = 0; round < totalRounds; round++) {
      const counted = round >= settings.warmup + settings.rounds;
      const timed = round >= settings.warmup && !counted;

      const sending = counted ? countRequests(db()) : undefined;
      await sendRound(gen, ours);
      sending?.stop();
      if (sending) sendTally = addTallies(sendTally, sending.tally);
      await sendRound(gen, naive);

      const records = (await stream.read()).filter((r) => r.eventName === 'INSERT' && groupUuidOfMessagePartition(pkOf(r)));
      const mine = records.filter((r) => oursGroups.has(groupUuidOfMessagePartition(pkOf(r)) as string));
      const theirs = records.filter((r) => !oursGroups.has(groupUuidOfMessagePartition(pkOf(r)) as string));
      if (mine.length !== MESSAGES || theirs.length !== MESSAGES) {
        throw new Error(`expected ${MESSAGES} message records per side, read ${mine.length} and ${theirs.length}`);
      }

      const counter = counted ? countRequests(db()) : undefined;
      let failed = 0;
      const tOurs = await timeOnce(async () => {
        failed = (await handler(streamEvent(mine))).batchItemFailures.length;
      });
      counter?.stop();
      failures += failed;
      if (counter) oursTally = addTallies(oursTally, counter.tally);

      const naiveCounter = counted ? countRequests(db()) : undefined;
      const tNaive = await timeOnce(() => applyNaively(theirs));
      naiveCounter?.stop();
      if (naiveCounter) naiveTally = addTallies(naiveTally, naiveCounter.tally);

      if (timed) {
        timesOurs.push(tOurs);
        timesNaive.push(tNaive);
      }
    }

    const perBatch = (tally: Tally, n: number) => ({
      requests: totalRequests(tally) / n,
      transactions: (tally.requests.TransactWriteItems ?? 0) / n,
      itemWrites: tally.itemWrites / n,
      rcu: tally.rcu / n,
      wcu: totalWcu(tally) / n,
    });
    const e = perBatch(oursTally, settings.countedRounds);
    const n = perBatch(naiveTally, settings.countedRounds);
    const prefix = `4b.batch_${MESSAGES}_records_${CONVERSATIONS}_conversations`;
    figures.addSummary(`${prefix}.handler`, summarize(timesOurs));
    figures.add(
      `${prefix}.handler.transact_writes_count`,
      e.transactions,
      { equals: 2 * CONVERSATIONS },
      'one per member per conversation: coalesced',
    );
    figures.add(`${prefix}.handler.item_writes_count`, e.itemWrites);
    figures.add(`${prefix}.handler.requests_count`, e.requests, undefined, Object.keys(oursTally.requests).join('+'));
    figures.add(`${prefix}.handler.failed_records_count`, failures, { equals: 0 });
    figures.addSummary(`${prefix}.naive`, summarize(timesNaive));
    figures.add(`${prefix}.naive.item_writes_count`, n.itemWrites);
    figures.add(`${prefix}.naive.requests_count`, n.requests);

    // (5) Cost per message: C (the send) plus E, per message.
    const send = perBatch(sendTally, settings.countedRounds * MESSAGES);
    const single = await singleMessageCost(gen, ours[0] as Conversation, stream);
    figures.add('5.per_message.send_C.rcu', send.rcu);
    figures.add('5.per_message.send_C.wcu', send.wcu);
    figures.add('5.per_message.ours_C_plus_E.batched_100_over_10.rcu', send.rcu + e.rcu / MESSAGES);
    figures.add('5.per_message.ours_C_plus_E.batched_100_over_10.wcu', send.wcu + e.wcu / MESSAGES);
    figures.add('5.per_message.ours_C_plus_E.one_message_per_batch.rcu', send.rcu + single.rcu);
    figures.add('5.per_message.ours_C_plus_E.one_message_per_batch.wcu', send.wcu + single.wcu);
    figures.add('5.per_message.naive_C_plus_E.rcu', send.rcu + n.rcu / MESSAGES);
    figures.add('5.per_message.naive_C_plus_E.wcu', send.wcu + n.wcu / MESSAGES);
    figures.add('5.per_message.ours_vs_naive.batched.wcu_ratio', (send.wcu + e.wcu / MESSAGES) / (send.wcu + n.wcu / MESSAGES));
    figures.add(
      '5.per_message.ours_vs_naive.one_message_per_batch.wcu_ratio',
      (send.wcu + single.wcu) / (send.wcu + n.wcu / MESSAGES),
    );
  } finally {
    stream.close();
    await engine.stop();
  }
}

function conversations(gen: Generator): Conversation[] {
  return Array.from({ length: CONVERSATIONS }, (_, i) => ({
    group: gen.uuid(),
    members: [newProfile(gen, `e${i}a`), newProfile(gen, `e${i}b`)],
  }));
}

/** 100 messages, round-robin over the conversations, senders alternating: a busy minute. */
async function sendRound(gen: Generator, list: Conversation[]): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    const conversation = list[i % list.length] as Conversation;
    const sender = conversation.members[Math.floor(i / list.length) % 2] as UserProfile;
    await createMessage(conversation.group, sender, gen.text(3, 20));
  }
}

/** Pattern E's cost when every batch holds one message (a quiet conversation). */
async function singleMessageCost(
  gen: Generator,
  conversation: Conversation,
  stream: Awaited<ReturnType<typeof tapStream>>,
): Promise<{ rcu: number; wcu: number }> {
  let tally = emptyTally();
  for (let i = 0; i < SINGLE_MESSAGE_SAMPLES; i++) {
    await stream.read();
    await createMessage(conversation.group, conversation.members[i % 2] as UserProfile, gen.text(3, 20));
    const records = (await stream.read()).filter((r) => r.eventName === 'INSERT' && groupUuidOfMessagePartition(pkOf(r)));
    const counter = countRequests(db());
    await handler(streamEvent(records));
    counter.stop();
    tally = addTallies(tally, counter.tally);
  }
  return { rcu: tally.rcu / SINGLE_MESSAGE_SAMPLES, wcu: totalWcu(tally) / SINGLE_MESSAGE_SAMPLES };
}

/**
 * The naive consumer the issue compares against: every message record on its own, in
 * order; for each member, find the row (index query) and delete + put it. No coalescing,
 * no conditions, no transaction.
 */
async function applyNaively(records: DynamoDBRecord[]): Promise<void> {
  for (const record of records) {
    const group = groupUuidOfMessagePartition(pkOf(record)) as string;
    const createdAt = record.dynamodb?.NewImage?.sk?.S as string;
    const text = record.dynamodb?.NewImage?.message?.S as string;
    const { Items = [] } = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: MESSAGE_GROUP_INDEX,
        KeyConditionExpression: 'message_group_uuid = :g',
        ExpressionAttributeValues: { ':g': group },
      }),
    );
    for (const row of Items as ConversationItem[]) {
      const member = userUuidOfConversationPartition(row.pk) as string;
      await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.conversation(member, row.sk) }));
      await db().send(
        new PutCommand({
          TableName: tableName(),
          Item: conversationItem(
            member,
            { uuid: row.user_uuid, handle: row.user_handle, display_name: row.user_display_name },
            group,
            text,
            createdAt,
          ),
        }),
      );
    }
  }
}
