/**
 * Fan-out of realtime events to WebSocket connections (the `pushEvents` stream function).
 *
 * Authorisation first, like a read: the recipients of an event are computed from a strongly
 * consistent Query of the conversation's membership items (domain/membership.ts
 * `listMembers`, the items the HTTP routes check), never from the event itself. A
 * `message.created` goes to every member's connections; a `conversation.updated` to its
 * row's owner, and only while the owner is still a member.
 *
 * Blocks (domain/blocks.ts, README "Safety"): an event that carries someone's content names
 * its `sender`. A recipient who blocks the sender gets the event's `whenBlocked` form instead
 * (a conversation row with the text withheld), or nothing when it has none (a message).
 *
 * Requests per batch (coalesced): 1 membership Query per conversation, 1 consistent
 * BatchGetItem per 100 distinct (recipient, sender) pairs, 1 connection Query per distinct
 * recipient, 1 PostToConnection per event per connection, and 2 DeleteItem per connection
 * found gone (410).
 *
 * Delivery is at-least-once: an event whose post fails for any reason but `410 Gone` is
 * reported failed and the stream redelivers it, so connections that already got it get it
 * again, with the same `id`.
 */
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { webSocketConfig } from './config';
import { forgetConnection, listConnections } from './connections';
import { blockingPairs, blockPairKey, type BlockQuestion } from './blocks';
import { listMembers } from './membership';
import { BATCH_GET_MAX } from './table';

type Payload = { type: string; id: string } & Record<string, unknown>;

export interface OutboundEvent {
  /** Opaque to this module: handed back in `failed` when the event could not be delivered. */
  refs: string[];
  message_group_uuid: string;
  /** `members`: every member of the conversation; otherwise that one user, if a member. */
  audience: 'members' | { user: string };
  /** The JSON sent, `{type, id, ...}`. */
  payload: Payload;
  /** Whose content the event carries: recipients who block this user never get `payload`. */
  sender?: string;
  /** What a recipient who blocks `sender` gets instead; absent: nothing. */
  whenBlocked?: Payload;
}

export interface PushSummary {
  events: number;
  /** Successful PostToConnection calls. */
  delivered: number;
  /** Connections found gone (410) and removed. */
  gone: number;
  /** Events not delivered to every recipient (their refs are in `failed`). */
  failedEvents: number;
  membershipReads: number;
  /** BatchGetItem calls on block items. */
  blockReads: number;
  connectionReads: number;
  failed: Set<string>;
}

const POST_CONCURRENCY = 10;

let client: ApiGatewayManagementApiClient | undefined;

function managementApi(): ApiGatewayManagementApiClient {
  if (client) return client;
  const config = webSocketConfig();
  client = new ApiGatewayManagementApiClient({
    endpoint: config.managementEndpoint,
    region: config.region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: config.requestTimeoutMs, throwOnRequestTimeout: true },
    // Credentials from the SDK's default chain: the function's role on AWS, local/aws-env.js offline.
  });
  return client;
}

function isGone(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 410;
}

export async function pushEvents(events: OutboundEvent[]): Promise<PushSummary> {
  const summary: PushSummary = {
    events: events.length,
    delivered: 0,
    gone: 0,
    failedEvents: 0,
    membershipReads: 0,
    blockReads: 0,
    connectionReads: 0,
    failed: new Set(),
  };
  const fail = (event: OutboundEvent) => {
    if (event.refs.every((ref) => summary.failed.has(ref))) return;
    summary.failedEvents++;
    for (const ref of event.refs) summary.failed.add(ref);
  };

  // One consistent membership read per conversation in the batch.
  const members = new Map<string, Promise<Set<string>>>();
  const membersOf = (group: string) => {
    let read = members.get(group);
    if (!read) {
      summary.membershipReads++;
      read = listMembers(group).then((list) => new Set(list));
      members.set(group, read);
    }
    return read;
  };
  // One connection read per recipient in the batch.
  const connections = new Map<string, Promise<string[]>>();
  const connectionsOf = (user: string) => {
    let read = connections.get(user);
    if (!read) {
      summary.connectionReads++;
      read = listConnections(user);
      connections.set(user, read);
    }
    return read;
  };

  // Who gets each event, by membership; then, for events carrying someone's content, which
  // recipients block that someone (one batched read for the whole batch).
  const audiences = await Promise.all(
    events.map(async (event) => {
      try {
        const inGroup = await membersOf(event.message_group_uuid);
        return event.audience === 'members' ? [...inGroup] : inGroup.has(event.audience.user) ? [event.audience.user] : [];
      } catch {
        fail(event);
        return [];
      }
    }),
  );
  const questions: BlockQuestion[] = [];
  events.forEach((event, i) => {
    const sender = event.sender;
    if (sender !== undefined) for (const blocker of audiences[i] ?? []) questions.push({ blocker, sender });
  });
  let blocking = new Set<string>();
  if (questions.length > 0) {
    try {
      summary.blockReads += Math.ceil(new Set(questions.map(blockPairKey)).size / BATCH_GET_MAX);
      blocking = await blockingPairs(questions);
    } catch {
      // Unknown blocks: deliver nothing that carries content (the stream redelivers it).
      for (const event of events) if (event.sender !== undefined) fail(event);
    }
  }

  const posts: Array<{ event: OutboundEvent; payload: Payload; user: string; connectionId: string }> = [];
  await Promise.all(
    events.map(async (event, i) => {
      if (event.refs.every((ref) => summary.failed.has(ref))) return;
      try {
        for (const user of audiences[i] ?? []) {
          const sender = event.sender;
          const blocked = sender !== undefined && blocking.has(blockPairKey({ blocker: user, sender }));
          const payload = blocked ? event.whenBlocked : event.payload;
          if (payload === undefined) continue;
          for (const connectionId of await connectionsOf(user)) posts.push({ event, payload, user, connectionId });
        }
      } catch {
        fail(event);
      }
    }),
  );

  const gone = new Set<string>();
  await forEachLimited(posts, POST_CONCURRENCY, async ({ event, payload, user, connectionId }) => {
    if (gone.has(connectionId) || event.refs.every((ref) => summary.failed.has(ref))) return;
    try {
      await managementApi().send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      summary.delivered++;
    } catch (error) {
      if (!isGone(error)) {
        fail(event);
        return;
      }
      if (gone.has(connectionId)) return;
      gone.add(connectionId);
      summary.gone++;
      // The socket is gone: forget it. Should that fail, TTL removes it later and the next
      // post finds it gone again; the event itself is not failed for it.
      await forgetConnection({ connectionId, userUuid: user }).catch(() => undefined);
    }
  });
  return summary;
}

async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
