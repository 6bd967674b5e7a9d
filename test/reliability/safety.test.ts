/**
 * Safety under attack and load (issue #20), against the running offline stack: a blocked
 * user's every path (D, C, both directions, with and without idempotency keys, concurrently,
 * and the WebSocket events), the send rate limit under a one-user burst while other users
 * send, and fuzzed input on the new routes. Figures: 0 leaks, 0 5xx, 0 writes by rejected requests.
 */
import fc from 'fast-check';
import { SEND_NOT_ALLOWED } from '../../domain/blocks';
import { keys } from '../../domain/keys';
import { recordFigure } from './figures';
import { stack } from '../support/stack';
import {
  call,
  conversation,
  inParallel,
  newClient,
  type Client,
  type Reply,
  scanChanges,
  settledScan,
  sleep,
  storedMessages,
} from './support';

const LIMIT = Number(process.env.SEND_RATE_LIMIT);
const WINDOW_S = Number(process.env.SEND_RATE_WINDOW_SECONDS);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

interface Socket {
  events: Array<{ type: string; message_group_uuid?: string; message?: { uuid: string; message: string } }>;
  close(): void;
}

function connect(client: Client): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(stack().websocketUrl, ['cruddur.v1', client.accessToken]);
    const events: Socket['events'] = [];
    socket.onmessage = (m) => events.push(JSON.parse(String(m.data)));
    socket.onopen = () => resolve({ events, close: () => socket.close(1000) });
    socket.onerror = () => reject(new Error(`socket of ${client.handle} refused`));
  });
}

describe('blocks', () => {
  test('a blocked user’s every send path, both directions: all refused with the same 403, none stored, no event pushed; unblock restores', async () => {
    const [blocker, blocked] = [await newClient('blk_a'), await newClient('blk_b')];
    const group = await conversation(blocker, blocked, 'before the block');
    const sockets = [await connect(blocker), await connect(blocked)];
    try {
      const blocking = await call('POST', `/api/users/@${blocked.handle}/block`, { token: blocker.accessToken });
      expect(blocking.status).toBe(200);
      const before = await settledScan();

      const attempts: Array<{ what: string; token: string; json: unknown; headers?: Record<string, string> }> = [];
      for (const [from, to] of [
        [blocked, blocker],
        [blocker, blocked],
      ] as const) {
        for (let i = 0; i < 10; i++) {
          const text = `refused ${from.handle} ${i}`;
          attempts.push({ what: 'C', token: from.accessToken, json: { message_group_uuid: group, message: text } });
          attempts.push({ what: 'D', token: from.accessToken, json: { handle: to.handle, message: text } });
          attempts.push({
            what: 'D upper-case handle',
            token: from.accessToken,
            json: { handle: to.handle.toUpperCase(), message: text },
          });
          attempts.push({
            what: 'C with Idempotency-Key',
            token: from.accessToken,
            json: { message_group_uuid: group, message: text },
            headers: { 'idempotency-key': `k-${from.handle}-${i}` },
          });
        }
      }
      const replies = await inParallel(attempts, 20, (a) =>
        call('POST', '/api/messages', { token: a.token, json: a.json, ...(a.headers ? { headers: a.headers } : {}) }),
      );
      const accepted = replies.filter((r) => r.status < 300).length;
      const serverErrors = replies.filter((r) => r.status >= 500).length;
      const notTheNeutralAnswer = replies.filter(
        (r) => r.status !== 403 || r.body?.error?.code !== 'forbidden' || r.body?.error?.message !== SEND_NOT_ALLOWED,
      ).length;
      const writes = scanChanges(before, await settledScan());

      // Events arrive in stream order: a message sent after unblocking closes the window.
      expect((await call('DELETE', `/api/users/@${blocked.handle}/block`, { token: blocker.accessToken })).status).toBe(200);
      const after = await call('POST', '/api/messages', {
        token: blocked.accessToken,
        json: { message_group_uuid: group, message: 'after unblock' },
      });
      expect(after.status).toBe(200);
      const deadline = Date.now() + 15_000;
      while (!sockets.every((s) => s.events.some((e) => e.message?.uuid === after.body.uuid))) {
        if (Date.now() > deadline) throw new Error('the message after unblocking was not pushed to both members');
        await sleep(50);
      }
      const leakedEvents = sockets
        .flatMap((s) => s.events)
        .filter((e) => e.type === 'message.created' && String(e.message?.message).startsWith('refused')).length;
      const stored = (await storedMessages(group)).map((m) => m.message);

      recordFigure({ area: 'safety', name: 'blocked send attempts (D, C, both directions)', value: attempts.length, min: 80 });
      recordFigure({ area: 'safety', name: 'blocked sends accepted (leaks)', value: accepted, max: 0 });
      recordFigure({ area: 'safety', name: 'blocked sends not the neutral 403', value: notTheNeutralAnswer, max: 0 });
      recordFigure({ area: 'safety', name: 'blocked sends answered 5xx', value: serverErrors, max: 0 });
      recordFigure({ area: 'safety', name: 'items written by refused sends', value: writes.length, max: 0 });
      recordFigure({ area: 'safety', name: 'events of refused sends pushed', value: leakedEvents, max: 0 });
      expect({ accepted, serverErrors, notTheNeutralAnswer, writes, leakedEvents }).toEqual({
        accepted: 0,
        serverErrors: 0,
        notTheNeutralAnswer: 0,
        writes: [],
        leakedEvents: 0,
      });
      expect(stored).toEqual(['before the block', 'after unblock']);
    } finally {
      for (const s of sockets) s.close();
    }
  });

  test('in a shared group the blocked member posts; the blocker is pushed none of it and reads none of its text; the others get all of it', async () => {
    const [blocker, blocked, other] = [await newClient('grp_a'), await newClient('grp_b'), await newClient('grp_c')];
    const created = await call('POST', '/api/message_groups', {
      token: blocker.accessToken,
      json: { title: 'Shared', handles: [blocked.handle, other.handle] },
    });
    expect(created.status).toBe(201);
    const group = created.body.uuid as string;
    expect((await call('POST', `/api/users/@${blocked.handle}/block`, { token: blocker.accessToken })).status).toBe(200);
    const [blockerSocket, otherSocket] = [await connect(blocker), await connect(other)];
    try {
      const POSTS = 30;
      const texts = Array.from({ length: POSTS }, (_, i) => `blocked member post ${i} ${blocked.handle}`);
      const replies = await inParallel(texts, 6, (message) =>
        call('POST', '/api/messages', { token: blocked.accessToken, json: { message_group_uuid: group, message } }),
      );
      const closing = await call('POST', '/api/messages', {
        token: other.accessToken,
        json: { message_group_uuid: group, message: 'closing' },
      });
      expect(closing.status).toBe(200);
      const deadline = Date.now() + 20_000;
      const uuids = new Set(replies.filter((r) => r.status === 200).map((r) => String(r.body.uuid)));
      while (
        !blockerSocket.events.some((e) => e.message?.uuid === closing.body.uuid) ||
        otherSocket.events.filter((e) => e.type === 'message.created' && uuids.has(String(e.message?.uuid))).length < uuids.size
      ) {
        if (Date.now() > deadline) throw new Error('the group’s messages were not pushed');
        await sleep(50);
      }
      const blockerLists = JSON.stringify([
        (await call('GET', `/api/messages/${group}?limit=100`, { token: blocker.accessToken })).body,
        (await call('GET', '/api/message_groups', { token: blocker.accessToken })).body,
      ]);
      const otherMessages = (await call('GET', `/api/messages/${group}?limit=100`, { token: other.accessToken })).body as Array<{
        message: string;
      }>;
      const accepted = uuids.size;
      const pushedToBlocker = blockerSocket.events.filter((e) => JSON.stringify(e).includes('blocked member post')).length;
      const textsInBlockerLists = texts.filter((t) => blockerLists.includes(t)).length;
      const textsMissingForOthers = texts.filter((t) => !otherMessages.some((m) => m.message === t)).length;
      const serverErrors = replies.filter((r) => r.status >= 500).length;
      recordFigure({ area: 'safety', name: 'group posts by a blocked member (accepted)', value: accepted, min: POSTS });
      recordFigure({ area: 'safety', name: 'of them pushed to the blocker (leaks)', value: pushedToBlocker, max: 0 });
      recordFigure({ area: 'safety', name: 'of their texts in the blocker’s lists (leaks)', value: textsInBlockerLists, max: 0 });
      recordFigure({ area: 'safety', name: 'of their texts missing for other members', value: textsMissingForOthers, max: 0 });
      expect({ accepted, pushedToBlocker, textsInBlockerLists, textsMissingForOthers, serverErrors }).toEqual({
        accepted: POSTS,
        pushedToBlocker: 0,
        textsInBlockerLists: 0,
        textsMissingForOthers: 0,
        serverErrors: 0,
      });
    } finally {
      blockerSocket.close();
      otherSocket.close();
    }
  });

  test('nobody blocks or reports on behalf of someone else: identity in body or query is ignored, other users’ state unchanged', async () => {
    const [me, victim, target] = [await newClient('obo_me'), await newClient('obo_v'), await newClient('obo_t')];
    const group = await conversation(target, me, 'hello');
    const message = (await storedMessages(group))[0]!;
    const before = await settledScan();
    const spoofs = [
      { user_uuid: victim.uuid },
      { blocker_uuid: victim.uuid, blocker: victim.handle },
      { reporter_uuid: victim.uuid, reporter: victim.handle, reason: 'spam' },
    ];
    let foreign = 0;
    let serverErrors = 0;
    for (const json of spoofs) {
      for (const [method, path] of [
        ['POST', `/api/users/@${target.handle}/block?blocker=${victim.uuid}&user_uuid=${victim.uuid}`],
        ['DELETE', `/api/users/@${target.handle}/block?blocker=${victim.uuid}`],
        ['POST', `/api/messages/${group}/${message.message_uuid}/report?reporter=${victim.uuid}`],
      ] as const) {
        const reply: Reply = await call(method, path, { token: me.accessToken, json });
        if (reply.status >= 500) serverErrors++;
      }
    }
    const after = await settledScan();
    for (const change of scanChanges(before, after)) {
      if (change.includes(victim.uuid)) foreign++;
    }
    const reports = after.filter((i) => i.pk === keys.reportsPartition() && i.message_uuid === message.message_uuid);
    recordFigure({ area: 'safety', name: 'items of another user written on their behalf', value: foreign, max: 0 });
    recordFigure({ area: 'safety', name: 'on-behalf requests answered 5xx', value: serverErrors, max: 0 });
    expect({ foreign, serverErrors }).toEqual({ foreign: 0, serverErrors: 0 });
    expect(reports.map((r) => r.reporter_uuid)).toEqual([me.uuid]);
  });
});

describe('send rate limit', () => {
  test(`a burst from one user stops at the limit with 429 + retry-after and writes nothing more, while other users send unhindered`, async () => {
    expect(LIMIT).toBeGreaterThan(0);
    const [burster, peer, other, otherPeer] = [
      await newClient('rl_b'),
      await newClient('rl_p'),
      await newClient('rl_o'),
      await newClient('rl_q'),
    ];
    // Start well inside a window, so the burst and its count fall in one.
    const into = (Date.now() / 1000) % WINDOW_S;
    if (into > WINDOW_S - 25) await sleep((WINDOW_S - into + 1) * 1000);
    const windowOf = (ms: number) => Math.floor(ms / 1000 / WINDOW_S);
    const started = Date.now();
    const group = await conversation(burster, peer, 'first'); // counts 1
    const otherGroup = await conversation(other, otherPeer, 'first');

    const BURST = LIMIT + 60;
    const OTHERS = 40;
    const [burst, others] = await Promise.all([
      inParallel(
        Array.from({ length: BURST }, (_, i) => i),
        20,
        (i) =>
          call('POST', '/api/messages', {
            token: burster.accessToken,
            json:
              i % 5 === 0 ? { handle: peer.handle, message: `burst ${i}` } : { message_group_uuid: group, message: `burst ${i}` },
          }),
      ),
      inParallel(
        Array.from({ length: OTHERS }, (_, i) => i),
        4,
        (i) =>
          call('POST', '/api/messages', {
            token: other.accessToken,
            json: { message_group_uuid: otherGroup, message: `calm ${i}` },
          }),
      ),
    ]);
    const ended = Date.now();
    const windows = windowOf(ended) - windowOf(started) + 1;

    const accepted = burst.filter((r) => r.status === 200).length;
    const limited = burst.filter((r) => r.status === 429);
    const badRetryAfter = limited.filter((r) => {
      const seconds = Number(r.headers.get('retry-after'));
      return !Number.isInteger(seconds) || seconds < 1 || seconds > WINDOW_S || r.body?.error?.code !== 'rate_limited';
    }).length;
    const serverErrors = [...burst, ...others].filter((r) => r.status >= 500).length;
    const othersRefused = others.filter((r) => r.status !== 200).length;
    const stored = (await storedMessages(group)).length;
    const writesByRejected = stored - 1 - accepted; // 1: the conversation's first message

    recordFigure({ area: 'rate limit', name: `one-user burst (limit ${LIMIT} per ${WINDOW_S} s)`, value: BURST });
    recordFigure({ area: 'rate limit', name: 'burst sends accepted', value: accepted, max: LIMIT * windows - 1 });
    recordFigure({
      area: 'rate limit',
      name: 'burst sends answered 429',
      value: limited.length,
      min: BURST - LIMIT * windows + 1,
    });
    recordFigure({ area: 'rate limit', name: '429 without a valid retry-after', value: badRetryAfter, max: 0 });
    recordFigure({ area: 'rate limit', name: 'messages written by rejected sends', value: writesByRejected, max: 0 });
    recordFigure({ area: 'rate limit', name: 'other users’ sends refused meanwhile', value: othersRefused, max: 0 });
    recordFigure({ area: 'rate limit', name: '5xx during the burst', value: serverErrors, max: 0 });
    if (windows === 1) expect(accepted).toBe(LIMIT - 1);
    else expect(accepted).toBeLessThanOrEqual(2 * LIMIT - 1);
    expect(accepted + limited.length).toBe(BURST);
    expect({ badRetryAfter, writesByRejected, othersRefused, serverErrors }).toEqual({
      badRetryAfter: 0,
      writesByRejected: 0,
      othersRefused: 0,
      serverErrors: 0,
    });
  });
});

describe('fuzzing the safety routes', () => {
  test('generated handles, ids, bodies and queries on block, unblock, list blocks and report: no 5xx, JSON 4xx, no write by a rejected request', async () => {
    const [me, friend] = [await newClient('fzs_me'), await newClient('fzs_fr')];
    const group = await conversation(friend, me, 'reportable');
    const before = await settledScan();
    const stats = { inputs: 0, serverErrors: [] as string[], badEnvelopes: [] as string[], accepted: 0 };
    const observe = (what: string, reply: Reply) => {
      stats.inputs++;
      if (reply.status >= 500) stats.serverErrors.push(`${what} → ${reply.status}`);
      else if (reply.status >= 400 && reply.status !== 401 && typeof reply.body?.error?.code !== 'string') {
        // serverless-offline's own 4xx for a path it cannot route or parse: no Lambda ran.
        const gateway = reply.text === '' || reply.body?.message === 'Not Found' || reply.body?.statusCode === reply.status;
        if (!gateway) stats.badEnvelopes.push(`${what} → ${reply.status} ${reply.text.slice(0, 100)}`);
      }
      if (reply.status === 200) stats.accepted++;
    };
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('@', '@@x', '%40', `@${me.handle}`, '@a b', `@${'x'.repeat(300)}`, '..', '@ADA', '@%00', '@\u202e'),
    );
    const encode = (s: string) => {
      try {
        return encodeURIComponent(s);
      } catch {
        return 'x';
      }
    };
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.constantFrom('POST', 'DELETE'),
        fc.option(fc.jsonValue(), { nil: undefined }),
        async (s, method, json) => {
          const reply = await call(method, `/api/users/${encode(s)}/block`, {
            token: me.accessToken,
            ...(json === undefined ? {} : { json }),
          });
          observe(`${method} block ${s.slice(0, 40)}`, reply);
          return reply.status < 500 && reply.status !== 200;
        },
      ),
      { numRuns: 150, seed: SEED },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), async (limit, cursor) => {
        const reply = await call('GET', `/api/blocks?limit=${encode(limit)}&cursor=${encode(cursor)}`, { token: me.accessToken });
        observe(`GET blocks ${limit.slice(0, 20)} ${cursor.slice(0, 20)}`, reply);
        return reply.status < 500;
      }),
      { numRuns: 100, seed: SEED },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(group), fc.uuid(), segment),
        fc.oneof(fc.uuid(), segment),
        fc.oneof(fc.jsonValue(), fc.record({ reason: fc.oneof(fc.string({ maxLength: 600 }), fc.jsonValue()) })),
        async (g, m, json) => {
          const reply = await call('POST', `/api/messages/${encode(g)}/${encode(m)}/report`, { token: me.accessToken, json });
          observe(`POST report ${g.slice(0, 40)} ${m.slice(0, 40)}`, reply);
          return reply.status < 500 && reply.status !== 200;
        },
      ),
      { numRuns: 150, seed: SEED },
    );
    const writes = scanChanges(before, await settledScan());
    recordFigure({ area: 'safety fuzz', name: 'inputs to block/unblock/list blocks/report', value: stats.inputs, min: 400 });
    recordFigure({ area: 'safety fuzz', name: 'responses ≥ 500', value: stats.serverErrors.length, max: 0 });
    recordFigure({ area: 'safety fuzz', name: 'items written by rejected requests', value: writes.length, max: 0 });
    expect({ serverErrors: stats.serverErrors, badEnvelopes: stats.badEnvelopes.slice(0, 10), writes }).toEqual({
      serverErrors: [],
      badEnvelopes: [],
      writes: [],
    });
  });
});
