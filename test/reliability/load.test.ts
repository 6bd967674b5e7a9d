/**
 * Load over HTTP on the offline stack: 20 clients send 50 messages each, all at once, into
 * 10 conversations (two clients per conversation, both sending). Every acknowledged send is
 * stored exactly once, and once the stream has drained every conversation's two rows sit
 * at its newest message. Then idempotent sends: the same request with the same
 * `Idempotency-Key` retried 5 times at once stores one message and answers the same body
 * each time; the key reused for a different request is a 409 that writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { keys, userUuidOfMembership } from '../../domain/keys';
import { recordFigure } from './figures';
import {
  acknowledgedUuid,
  call,
  checkDelivery,
  conversation,
  inParallel,
  newClient,
  rowsCatchUp,
  scanTable,
  settledScan,
  storedMessages,
  type Client,
  type Item,
} from './support';

const CLIENTS = 20;
const MESSAGES_PER_CLIENT = 50;
const RETRIES = 5;

/** Items added, removed or changed between two scans. */
function changedItems(before: Item[], after: Item[]): number {
  const json = (items: Item[]) => new Set(items.map((item) => JSON.stringify(item)));
  const [b, a] = [json(before), json(after)];
  return [...a].filter((item) => !b.has(item)).length + [...b].filter((item) => !a.has(item)).length;
}

describe('load', () => {
  test('20 concurrent clients × 50 messages into 10 conversations: every acknowledged message stored exactly once, every conversation row ends at its newest message', async () => {
    const clients = await inParallel(
      Array.from({ length: CLIENTS }, (_, i) => i),
      5,
      (i) => newClient(`ld${i}`),
    );
    const conversations: Array<{ group: string; members: string[] }> = [];
    const groupOf = new Map<Client, string>();
    for (let i = 0; i < CLIENTS; i += 2) {
      const [a, b] = [clients[i]!, clients[i + 1]!];
      const group = await conversation(a, b, `load start ${i / 2}`);
      conversations.push({ group, members: [a.uuid, b.uuid] });
      groupOf.set(a, group).set(b, group);
    }

    const run = randomUUID().slice(0, 8);
    const acknowledged = new Map<string, string>();
    const notAcknowledged: string[] = [];
    const started = Date.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let m = 0; m < MESSAGES_PER_CLIENT; m++) {
          const text = `load ${run} c${c} m${m}`;
          const reply = await call('POST', '/api/messages', {
            token: client.accessToken,
            json: { message_group_uuid: groupOf.get(client), message: text },
          });
          const uuid = acknowledgedUuid(reply, text);
          if (uuid) acknowledged.set(text, uuid);
          else notAcknowledged.push(`${text} → ${reply.status} ${reply.text.slice(0, 200)}`);
        }
      }),
    );
    const sendMs = Date.now() - started;

    const delivery = await checkDelivery(
      conversations.map((c) => c.group),
      acknowledged,
      (text) => text.startsWith(`load ${run} `),
    );
    const rows = await rowsCatchUp(conversations, 60_000);

    recordFigure({ area: 'load', name: 'sends (20 clients × 50, concurrent)', value: CLIENTS * MESSAGES_PER_CLIENT });
    recordFigure({ area: 'load', name: 'messages acknowledged (200 + message body)', value: delivery.acknowledged });
    recordFigure({ area: 'load', name: 'sends not acknowledged', value: notAcknowledged.length, max: 0 });
    recordFigure({ area: 'load', name: 'acknowledged messages stored', value: delivery.stored });
    recordFigure({ area: 'load', name: 'messages lost', value: delivery.lost.length, max: 0 });
    recordFigure({ area: 'load', name: 'messages duplicated', value: delivery.duplicated.length, max: 0 });
    recordFigure({
      area: 'load',
      name: 'send throughput',
      value: Math.round((CLIENTS * MESSAGES_PER_CLIENT * 1000) / sendMs),
      unit: '/s',
    });
    recordFigure({ area: 'load', name: 'stream catch-up after the last send', value: rows.ms, unit: 'ms' });
    recordFigure({ area: 'load', name: 'conversation row problems after drain', value: rows.problems.length, max: 0 });

    expect(notAcknowledged).toEqual([]);
    expect(delivery.acknowledged).toBe(CLIENTS * MESSAGES_PER_CLIENT);
    expect(delivery.lost).toEqual([]);
    expect(delivery.duplicated).toEqual([]);
    expect(delivery.stored).toBe(delivery.acknowledged);
    expect(rows.problems).toEqual([]);
  });
});

describe('idempotent send', () => {
  let alice: Client, bob: Client, carol: Client;
  let group: string;

  beforeAll(async () => {
    [alice, bob, carol] = [await newClient('idem_a'), await newClient('idem_b'), await newClient('idem_c')];
    group = await conversation(alice, bob, 'idempotency fixture');
  });

  test('the same POST with the same Idempotency-Key sent 5 times at once stores one message and answers the same body every time', async () => {
    const key = randomUUID();
    const text = `idempotent ${key}`;
    const replies = await Promise.all(
      Array.from({ length: RETRIES }, () =>
        call('POST', '/api/messages', {
          token: alice.accessToken,
          headers: { 'idempotency-key': key },
          json: { message_group_uuid: group, message: text },
        }),
      ),
    );
    const stored = (await storedMessages(group)).filter((item) => item.message === text);
    const distinctBodies = new Set(replies.map((reply) => reply.text));

    recordFigure({ area: 'idempotency', name: 'concurrent retries of one keyed send (C)', value: RETRIES });
    recordFigure({ area: 'idempotency', name: 'messages stored by them', value: stored.length, min: 1, max: 1 });
    recordFigure({ area: 'idempotency', name: 'distinct response bodies', value: distinctBodies.size, min: 1, max: 1 });

    expect(replies.map((reply) => reply.status)).toEqual(Array(RETRIES).fill(200));
    expect(acknowledgedUuid(replies[0]!, text)).toBeDefined();
    expect(distinctBodies.size).toBe(1);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.message_uuid).toBe(replies[0]!.body.uuid);
    // Remembered per caller for 24 h: expires_at is the table's TTL attribute.
    const remembered = (
      await db().send(new GetCommand({ TableName: tableName(), Key: keys.idempotency(alice.uuid, key), ConsistentRead: true }))
    ).Item;
    const dayFromNow = Math.floor(Date.now() / 1000) + 24 * 60 * 60;
    expect(remembered?.expires_at).toBeGreaterThan(dayFromNow - 120);
    expect(remembered?.expires_at).toBeLessThanOrEqual(dayFromNow);
  });

  test('starting a conversation (by handle) with the same Idempotency-Key 5 times at once creates one conversation with one message', async () => {
    const key = randomUUID();
    const text = `idempotent start ${key}`;
    const replies = await Promise.all(
      Array.from({ length: RETRIES }, () =>
        call('POST', '/api/messages', {
          token: carol.accessToken,
          headers: { 'idempotency-key': key },
          json: { handle: bob.handle, message: text },
        }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(RETRIES).fill(200));
    expect(new Set(replies.map((reply) => reply.text)).size).toBe(1);
    const started = replies[0]!.body.message_group_uuid as string;
    const stored = await storedMessages(started);
    expect(stored.map((item) => item.message)).toEqual([text]);
    const items = await scanTable();
    // The partition also holds the conversation's head (#17); memberships are its MEMBER# items.
    const memberships = items.filter(
      (item) => item.pk === keys.membershipPartition(started) && userUuidOfMembership(item.sk) !== undefined,
    );
    expect(memberships).toHaveLength(2);
  });

  test('the same Idempotency-Key with a different request answers 409 with the JSON error and writes nothing', async () => {
    const key = randomUUID();
    const first = await call('POST', '/api/messages', {
      token: alice.accessToken,
      headers: { 'idempotency-key': key },
      json: { message_group_uuid: group, message: `first ${key}` },
    });
    expect(acknowledgedUuid(first, `first ${key}`)).toBeDefined();
    // Let the stream move the rows to the first message, so only the 409s can change the table.
    expect((await rowsCatchUp([{ group, members: [alice.uuid, bob.uuid] }], 30_000)).problems).toEqual([]);
    const before = await scanTable();

    const attempts = [
      { message_group_uuid: group, message: `second ${key}` },
      { handle: carol.handle, message: `first ${key}` },
    ];
    const replies = [];
    for (const json of attempts)
      replies.push(await call('POST', '/api/messages', { token: alice.accessToken, headers: { 'idempotency-key': key }, json }));
    const after = await settledScan();

    recordFigure({
      area: 'idempotency',
      name: 'key reused for a different request: not 409',
      value: replies.filter((r) => r.status !== 409).length,
      max: 0,
    });
    recordFigure({
      area: 'idempotency',
      name: 'items written or changed by those 409s',
      value: changedItems(before, after),
      max: 0,
    });

    for (const reply of replies) {
      expect(reply.status).toBe(409);
      expect(reply.body).toEqual({ error: { code: 'conflict', message: expect.any(String) } });
    }
    expect(after).toEqual(before);
  });
});
