/**
 * (1) Domain overhead per pattern A–D: our domain function against its floor, the same
 * DynamoDB requests issued with the bare SDK client (hand-built AttributeValues, no
 * lib-dynamodb marshalling, no validation), on the same client configuration
 * (domain/dynamodb.ts createDynamoClient). Pairs run interleaved; then a counting pass
 * records requests and consumed capacity per call on both sides.
 */
import { randomUUID } from 'node:crypto';
import {
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { createDynamoClient, db, tableName } from '../../domain/dynamodb';
import { keys, type Key } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { listMessages } from '../../domain/list-messages';
import { formatMicros, nextTimestamp } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { countRequests, totalRequests, totalWcu, type Tally } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { conversationItems, messageItems, newProfile, pastMicros, profileItems, writeItems } from '../lib/seed-data';
import { measurePair, summarize, timeOnce } from '../lib/stats';

export interface Settings {
  iterations: number;
  warmup: number;
}

const RATIO_TARGET = { max: 1.1 };
/** Requests per call, as each domain module's header documents them. */
const DOCUMENTED_REQUESTS = { A: 2, B: 1, C: 2, D: 2 } as const;
const PAGE = 50;
const COUNTING_CALLS = 5;

type Pattern = keyof typeof DOCUMENTED_REQUESTS;
type Av = Record<string, AttributeValue>;
const s = (value: string): AttributeValue => ({ S: value });
const key = (k: Key): Av => ({ pk: s(k.pk), sk: s(k.sk) });

export async function domainOverhead(figures: Figures, settings: Settings): Promise<void> {
  const engine = await startEngine();
  const bare = createDynamoClient();
  try {
    const gen = generator(1);
    const sender = newProfile(gen, 'sender');
    const partner = newProfile(gen, 'partner');
    const group = gen.uuid();
    const calls = settings.warmup + settings.iterations + COUNTING_CALLS;
    // Pattern D needs a fresh counterpart per call on each side: a pair may start only once.
    const strangers = Array.from({ length: 2 * calls }, (_, i) => newProfile(gen, `d${i}`));
    const others = Array.from({ length: 60 }, (_, i) => newProfile(gen, `o${i}`));
    const texts = Array.from({ length: 2 * calls }, () => gen.text(3, 20));
    const base = pastMicros(30);
    await writeItems([
      ...[sender, partner, ...strangers, ...others].flatMap(profileItems),
      ...conversationItems(sender, partner, group, 'hello', formatMicros(base)),
      ...messageItems(gen, group, [sender, partner], 200, base),
      ...others.flatMap((other, i) =>
        conversationItems(sender, other, gen.uuid(), gen.text(2, 8), formatMicros(base - (i + 1) * 60_000_000)),
      ),
    ]);

    const ours: Record<Pattern, (i: number) => Promise<unknown>> = {
      A: () => listMessages(group, sender.uuid, { limit: PAGE }),
      B: () => listMessageGroups(sender.uuid, { limit: PAGE }),
      C: (i) => createMessage(group, sender, texts[i] as string),
      D: (i) => createMessageGroup(sender, (strangers[2 * i] as UserProfile).handle, texts[i] as string),
    };
    const floor: Record<Pattern, (i: number) => Promise<unknown>> = {
      A: () => floorListMessages(bare, group, sender.uuid),
      B: () => floorListMessageGroups(bare, sender.uuid),
      C: (i) => floorCreateMessage(bare, group, sender, texts[calls + i] as string),
      D: (i) => floorCreateMessageGroup(bare, sender, (strangers[2 * i + 1] as UserProfile).handle, texts[calls + i] as string),
    };

    for (const pattern of Object.keys(DOCUMENTED_REQUESTS) as Pattern[]) {
      const result = await measurePair(settings.iterations, settings.warmup, ours[pattern], floor[pattern]);
      figures.addSummary(`1.${pattern}.domain`, result.ours);
      figures.addSummary(`1.${pattern}.floor`, result.floor);
      figures.add(`1.${pattern}.domain_vs_floor.p50_ratio`, result.ratioP50, RATIO_TARGET);
      figures.add(`1.${pattern}.domain_vs_floor.paired_median_ratio`, result.pairedRatioP50);

      const start = settings.warmup + settings.iterations;
      const oursTally = await countCalls(db(), (n) => ours[pattern](start + n));
      const floorTally = await countCalls(bare, (n) => floor[pattern](start + n));
      for (const [side, tally] of [
        ['domain', oursTally],
        ['floor', floorTally],
      ] as const) {
        figures.add(
          `1.${pattern}.${side}.requests_per_call_count`,
          totalRequests(tally) / COUNTING_CALLS,
          side === 'domain' ? { equals: DOCUMENTED_REQUESTS[pattern] } : undefined,
          side === 'domain' ? Object.keys(tally.requests).join('+') : undefined,
        );
        figures.add(`1.${pattern}.${side}.per_call_rcu`, tally.rcu / COUNTING_CALLS);
        figures.add(`1.${pattern}.${side}.per_call_wcu`, totalWcu(tally) / COUNTING_CALLS);
      }
    }

    await nonMemberTiming(figures, settings, group, gen.uuid());
  } finally {
    bare.destroy();
    await engine.stop();
  }
}

/**
 * #21 item 6, the side channel: a non-member's pattern A answer for an existing conversation
 * (200 messages) against one for a random uuid, interleaved (order flipping each pair). Both
 * are "not found"; if the answer waited for the message query, the existing one would be
 * slower (it was: 7.9 vs 6.6 ms median, slower in 87 % of pairs). Indistinguishable: the paired
 * median ratio near 1 and the existing one slower in about half of the pairs.
 */
async function nonMemberTiming(figures: Figures, settings: Settings, group: string, outsider: string): Promise<void> {
  const notFound = async (groupUuid: string) => {
    try {
      await listMessages(groupUuid, outsider, { limit: PAGE });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      throw error;
    }
    throw new Error('a non-member was answered');
  };
  const existing: number[] = [];
  const random: number[] = [];
  for (let i = 0; i < settings.warmup + settings.iterations; i++) {
    const randomGroup = randomUUID();
    let tExisting: number;
    let tRandom: number;
    if (i % 2 === 0) {
      tExisting = await timeOnce(() => notFound(group));
      tRandom = await timeOnce(() => notFound(randomGroup));
    } else {
      tRandom = await timeOnce(() => notFound(randomGroup));
      tExisting = await timeOnce(() => notFound(group));
    }
    if (i >= settings.warmup) {
      existing.push(tExisting);
      random.push(tRandom);
    }
  }
  const ratios = existing.map((t, i) => t / (random[i] as number)).sort((a, b) => a - b);
  const slower = existing.filter((t, i) => t > (random[i] as number)).length / existing.length;
  figures.addSummary('1.A.non_member.existing_group', summarize(existing));
  figures.addSummary('1.A.non_member.random_uuid', summarize(random));
  figures.add('1.A.non_member.existing_vs_random.paired_median_ratio', ratios[Math.floor(ratios.length / 2)] as number, {
    max: 1.1,
  });
  figures.add('1.A.non_member.existing_slower.share', slower, { max: 0.65 }, 'of the pairs; 0.5 is a coin toss');
}

async function countCalls(client: DynamoDBClient | ReturnType<typeof db>, call: (n: number) => Promise<unknown>): Promise<Tally> {
  const counter = countRequests(client);
  try {
    for (let n = 0; n < COUNTING_CALLS; n++) await call(n);
  } finally {
    counter.stop();
  }
  return counter.tally;
}

// ---- Floors: the requests each pattern makes, with the bare client. ----

/** Membership, then (a member) the page: the order domain/list-messages.ts keeps (#21 item 6). */
async function floorListMessages(client: DynamoDBClient, group: string, viewer: string) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName(),
      Key: key(keys.membership(group, viewer)),
      ConsistentRead: true,
      ProjectionExpression: 'pk',
    }),
  );
  if (!Item) throw new Error('not a member');
  return client.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s(keys.messagePartition(group)) },
      ScanIndexForward: false,
      Limit: PAGE + 1,
    }),
  );
}

function floorListMessageGroups(client: DynamoDBClient, user: string) {
  return client.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s(keys.conversationPartition(user)) },
      ScanIndexForward: false,
      Limit: PAGE + 1,
    }),
  );
}

function messageAv(group: string, sender: UserProfile, text: string, createdAt: string): Av {
  return {
    ...key(keys.message(group, createdAt)),
    message_uuid: s(randomUUID()),
    message: s(text),
    user_uuid: s(sender.uuid),
    user_display_name: s(sender.display_name),
    user_handle: s(sender.handle),
  };
}

async function floorCreateMessage(client: DynamoDBClient, group: string, sender: UserProfile, text: string) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName(),
      Key: key(keys.membership(group, sender.uuid)),
      ConsistentRead: true,
      ProjectionExpression: 'pk, blocked_by',
    }),
  );
  if (!Item) throw new Error('not a member');
  if (Item.blocked_by) throw new Error('blocked');
  // The same transaction pattern C writes: the message and the sender's rate-limit counter.
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(),
            Item: messageAv(group, sender, text, nextTimestamp()),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        sendCounterAv(sender.uuid),
      ],
    }),
  );
}

/** The rate-limit counter action patterns C and D add to their transaction (domain/rate-limit.ts). */
function sendCounterAv(userUuid: string) {
  const windowStart = Math.floor(Date.now() / 60_000) * 60;
  return {
    Update: {
      TableName: tableName(),
      Key: key(keys.sendWindow(userUuid, windowStart)),
      UpdateExpression: 'ADD sends :one SET expires_at = :expires',
      ConditionExpression: 'attribute_not_exists(pk) OR sends < :limit',
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':limit': { N: '1000000' },
        ':expires': { N: String(windowStart + 120) },
      },
    },
  };
}

async function floorCreateMessageGroup(client: DynamoDBClient, sender: UserProfile, otherHandle: string, text: string) {
  const { Item: other } = await client.send(
    new GetItemCommand({ TableName: tableName(), Key: key(keys.userHandle(otherHandle)) }),
  );
  if (!other) throw new Error('no such user');
  const otherUuid = other.uuid?.S as string;
  const group = randomUUID();
  const at = nextTimestamp();
  const condition = 'attribute_not_exists(pk)';
  const put = (Item: Av) => ({ Put: { TableName: tableName(), Item, ConditionExpression: condition } });
  const row = (owner: string, peer: Av, peerUuid: string): Av => ({
    ...key(keys.conversation(owner, at)),
    message_group_uuid: s(group),
    message: s(text),
    user_uuid: s(peerUuid),
    user_display_name: peer.display_name as AttributeValue,
    user_handle: peer.handle as AttributeValue,
  });
  const senderAv: Av = { display_name: s(sender.display_name), handle: s(sender.handle) };
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(),
            Item: { ...key(keys.pair(sender.uuid, otherUuid)), group_uuid: s(group), created_at: s(at) },
            ConditionExpression: condition,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        put({ ...key(keys.membership(group, sender.uuid)), user_uuid: s(sender.uuid) }),
        put({ ...key(keys.membership(group, otherUuid)), user_uuid: s(otherUuid) }),
        put(row(sender.uuid, other, otherUuid)),
        put(row(otherUuid, senderAv, sender.uuid)),
        put(messageAv(group, sender, text, at)),
        // Pattern D's no-block checks, both directions, and the sender's rate-limit counter.
        {
          ConditionCheck: {
            TableName: tableName(),
            Key: key(keys.block(sender.uuid, otherUuid)),
            ConditionExpression: condition,
          },
        },
        {
          ConditionCheck: {
            TableName: tableName(),
            Key: key(keys.block(otherUuid, sender.uuid)),
            ConditionExpression: condition,
          },
        },
        sendCounterAv(sender.uuid),
      ],
    }),
  );
}
