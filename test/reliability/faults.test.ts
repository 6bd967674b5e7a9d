/**
 * Faults on the offline stack.
 *
 * Engine outage: the local DynamoDB engine (a separate process, persistent folder) is killed
 * in the middle of a send load and started again on the same port and folder, while the API
 * keeps running. While it is down every send is a quick 503 with the JSON error; no request
 * hangs; after the restart sends succeed again without touching the API; no acknowledged
 * message is lost and the stream consumer catches up.
 *
 * Poison record: a message carrying the offline-only fault marker (STREAM_FAULT_MARKER, set
 * by setup.ts) fails on every attempt: the local plugin's event-source-mapping stand-in
 * (local/event-source-mapping.js) reports it failed, retries it, then writes it to the local
 * DLQ stand-in (pattern E's file in LOCAL_DLQ_DIR) in Lambda's failure-record shape; the other conversations,
 * receiving messages meanwhile, end exact, and a later message in the poisoned
 * conversation moves its rows.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { keys } from '../../domain/keys';
import { engineState, restartEngineProcess, stopEngineProcess } from './engine';
import { recordFigure } from './figures';
import {
  acknowledgedUuid,
  call,
  checkDelivery,
  conversation,
  inParallel,
  newClient,
  newestMessage,
  rowProblems,
  rowsCatchUp,
  scanTable,
  sleep,
  waitFor,
  type Client,
} from './support';

/** A send may take at most this long, engine down or not; longer counts as hung. */
const SEND_TIMEOUT_MS = 8_000;
const OUTAGE_MS = 3_000;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through jest.reliability.config.js (test/reliability/setup.ts)`);
  return value;
}

function dlqLines(): any[] {
  const file = path.join(required('LOCAL_DLQ_DIR'), 'update-conversation-rows.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function pairs(prefix: string, count: number): Promise<Array<{ group: string; members: [Client, Client] }>> {
  const clients = await inParallel(
    Array.from({ length: count * 2 }, (_, i) => i),
    4,
    (i) => newClient(`${prefix}${i}`),
  );
  const result = [];
  for (let i = 0; i < clients.length; i += 2) {
    const members: [Client, Client] = [clients[i]!, clients[i + 1]!];
    result.push({ group: await conversation(members[0], members[1], `${prefix} start ${i / 2}`), members });
  }
  return result;
}

const uuids = (conversations: Array<{ group: string; members: [Client, Client] }>) =>
  conversations.map(({ group, members }) => ({ group, members: members.map((m) => m.uuid) }));

interface Sent {
  text: string;
  startedAt: number;
  endedAt: number;
  status: number | 'hung';
  ms: number;
  uuid: string | undefined;
  envelope: boolean;
  retryAfter: boolean;
}

describe('local DynamoDB engine killed mid-load and restarted', () => {
  test('while it is down sends answer 503 JSON quickly and none hangs; after the restart the same API recovers, no acknowledged message is lost and the rows catch up', async () => {
    const conversations = await pairs('out', 4);
    const run = randomUUID().slice(0, 8);
    const dlqBefore = dlqLines().length;
    const sent: Sent[] = [];
    let stop = false;

    const worker = async (client: Client, group: string, w: number) => {
      for (let m = 0; !stop; m++) {
        const text = `outage ${run} w${w} m${m}`;
        const startedAt = Date.now();
        try {
          const reply = await call('POST', '/api/messages', {
            token: client.accessToken,
            json: { message_group_uuid: group, message: text },
            timeoutMs: SEND_TIMEOUT_MS,
          });
          const error = reply.body?.error;
          sent.push({
            text,
            startedAt,
            endedAt: Date.now(),
            status: reply.status,
            ms: reply.ms,
            uuid: acknowledgedUuid(reply, text),
            envelope: typeof error?.code === 'string' && typeof error?.message === 'string',
            retryAfter: reply.headers.get('retry-after') !== null,
          });
          if (reply.status !== 200) await sleep(100);
        } catch {
          sent.push({
            text,
            startedAt,
            endedAt: Date.now(),
            status: 'hung',
            ms: Date.now() - startedAt,
            uuid: undefined,
            envelope: false,
            retryAfter: false,
          });
        }
      }
    };
    const workers = conversations.flatMap(({ group, members }, c) =>
      members.map((client, i) => worker(client, group, c * 2 + i)),
    );

    const stateFile = required('RELIABILITY_ENGINE_STATE');
    await sleep(1_500);
    await stopEngineProcess(stateFile, 'SIGKILL');
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    const restartAt = Date.now();
    await restartEngineProcess(stateFile);
    const upAt = Date.now();
    const recovered = await waitFor(
      'a send acknowledged after the restart',
      30_000,
      async () => sent.find((s) => s.uuid && s.endedAt >= upAt),
      50,
    ).catch(() => undefined);
    await sleep(1_500);
    stop = true;
    await Promise.all(workers);

    // Sent and answered entirely while the engine was dead.
    const duringOutage = sent.filter((s) => s.startedAt >= downAt && s.endedAt <= restartAt);
    const notQuick503 = duringOutage.filter((s) => s.status !== 503 || !s.envelope || !s.retryAfter);
    const hung = sent.filter((s) => s.status === 'hung');
    const otherFailures = sent.filter((s) => s.status !== 200 && s.status !== 503 && s.status !== 'hung');
    const unacknowledged200 = sent.filter((s) => s.status === 200 && !s.uuid);
    const after = sent.filter((s) => s.startedAt >= upAt + 1_000);
    const acknowledged = new Map(sent.filter((s) => s.uuid).map((s) => [s.text, s.uuid as string]));
    const delivery = await checkDelivery(
      conversations.map((c) => c.group),
      acknowledged,
      (text) => text.startsWith(`outage ${run} `),
    );
    const rows = await rowsCatchUp(uuids(conversations), 60_000);
    const deadLettered = dlqLines().length - dlqBefore;

    const max503 = Math.max(0, ...duringOutage.filter((s) => s.status === 503).map((s) => s.ms));
    recordFigure({ area: 'outage', name: 'sends during the run (8 clients, continuous)', value: sent.length });
    recordFigure({ area: 'outage', name: 'engine down (SIGKILL → restart)', value: restartAt - downAt, unit: 'ms' });
    recordFigure({ area: 'outage', name: 'sends answered while down', value: duringOutage.length, min: 1 });
    recordFigure({ area: 'outage', name: 'of those: not 503 + JSON error + retry-after', value: notQuick503.length, max: 0 });
    recordFigure({ area: 'outage', name: 'max latency of a 503 while down', value: max503, unit: 'ms', max: 2_000 });
    recordFigure({ area: 'outage', name: 'hung sends (no answer within 8 s)', value: hung.length, max: 0 });
    recordFigure({
      area: 'outage',
      name: 'answers other than 200/503 (or 200 w/o message)',
      value: otherFailures.length + unacknowledged200.length,
      max: 0,
    });
    recordFigure({
      area: 'outage',
      name: 'max recovery time (engine restarted → first 200)',
      value: recovered ? recovered.endedAt - restartAt : -1,
      unit: 'ms',
      min: 0,
      max: 10_000,
    });
    recordFigure({
      area: 'outage',
      name: 'of which: engine listening → first 200',
      value: recovered ? recovered.endedAt - upAt : -1,
      unit: 'ms',
    });
    recordFigure({ area: 'outage', name: 'messages acknowledged', value: delivery.acknowledged });
    recordFigure({ area: 'outage', name: 'acknowledged messages stored', value: delivery.stored });
    recordFigure({ area: 'outage', name: 'messages lost', value: delivery.lost.length, max: 0 });
    recordFigure({ area: 'outage', name: 'messages duplicated', value: delivery.duplicated.length, max: 0 });
    recordFigure({ area: 'outage', name: 'stream catch-up after the last send', value: rows.ms, unit: 'ms' });
    recordFigure({ area: 'outage', name: 'conversation row problems after drain', value: rows.problems.length, max: 0 });
    recordFigure({ area: 'outage', name: 'stream batches dead-lettered by the outage', value: deadLettered, max: 0 });

    expect(duringOutage.length).toBeGreaterThan(0);
    expect(notQuick503.map((s) => `${s.text} → ${s.status}`)).toEqual([]);
    expect(max503).toBeLessThanOrEqual(2_000);
    expect(hung.map((s) => s.text)).toEqual([]);
    expect(otherFailures.map((s) => `${s.text} → ${s.status}`)).toEqual([]);
    expect(unacknowledged200.map((s) => s.text)).toEqual([]);
    expect(recovered).toBeDefined();
    // Recovered for good: every send started a second after the restart is acknowledged.
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((s) => !s.uuid).map((s) => `${s.text} → ${s.status}`)).toEqual([]);
    expect(delivery.lost).toEqual([]);
    expect(delivery.duplicated).toEqual([]);
    expect(rows.problems).toEqual([]);
    expect(deadLettered).toBe(0);
  });
});

/** The HTTP functions' timeout in serverless.yml: an answer after it would be the platform's, not ours. */
const HTTP_FUNCTION_TIMEOUT_MS = 10_000;

describe('local DynamoDB engine paused (accepts connections, never answers)', () => {
  test('sends answer 503 JSON before the function timeout while it hangs, and succeed again once it resumes', async () => {
    const [{ group, members }] = (await pairs('hang', 1)) as [{ group: string; members: [Client, Client] }];
    const [client] = members;
    const { pid } = engineState(required('RELIABILITY_ENGINE_STATE'));
    const send = (text: string) =>
      call('POST', '/api/messages', {
        token: client.accessToken,
        json: { message_group_uuid: group, message: text },
        timeoutMs: HTTP_FUNCTION_TIMEOUT_MS + 5_000,
      });

    process.kill(pid, 'SIGSTOP');
    let paused: Awaited<ReturnType<typeof send>>[] | undefined;
    try {
      paused = await Promise.all([send('while paused 1'), send('while paused 2'), send('while paused 3')]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const resumed = await waitFor('a send acknowledged after the engine resumed', 20_000, async () => {
      const reply = await send('after resume');
      return acknowledgedUuid(reply, 'after resume') ? reply : undefined;
    });

    const slowest = Math.max(...paused.map((r) => r.ms));
    recordFigure({
      area: 'hang',
      name: 'sends while paused answered 503 + JSON error',
      value: paused.filter((r) => r.status === 503 && typeof r.body?.error?.code === 'string').length,
      min: 3,
    });
    recordFigure({
      area: 'hang',
      name: 'slowest answer while paused (function timeout 10 s)',
      value: slowest,
      unit: 'ms',
      max: HTTP_FUNCTION_TIMEOUT_MS,
    });
    expect(paused.map((r) => [r.status, r.body?.error?.code])).toEqual(paused.map(() => [503, 'service_unavailable']));
    expect(slowest).toBeLessThan(HTTP_FUNCTION_TIMEOUT_MS);
    expect(resumed.status).toBe(200);
  }, 60_000);
});

describe('stream handler failing on purpose for one batch', () => {
  test("the poison record is retried, then lands in the local DLQ stand-in in Lambda's shape; other conversations keep flowing and end exact; a later message moves the poisoned conversation's rows", async () => {
    const marker = required('STREAM_FAULT_MARKER');
    const [poisoned, ...others] = (await pairs('psn', 3)) as [
      { group: string; members: [Client, Client] },
      ...Array<{ group: string; members: [Client, Client] }>,
    ];
    expect((await rowsCatchUp(uuids([poisoned, ...others]), 30_000)).problems).toEqual([]);
    const beforePoison = await newestMessage(poisoned.group);

    const poisonText = `poison ${marker} ${randomUUID()}`;
    const poisonSent = Date.now();
    const poison = await call('POST', '/api/messages', {
      token: poisoned.members[0].accessToken,
      json: { message_group_uuid: poisoned.group, message: poisonText },
    });
    expect(acknowledgedUuid(poison, poisonText)).toBeDefined();

    // The other conversations keep receiving messages while the poison batch is retried.
    let stop = false;
    let otherSends = 0;
    const senders = others.flatMap(({ group, members }) =>
      members.map(async (client, i) => {
        for (let m = 0; !stop; m++) {
          const text = `bystander ${group.slice(0, 8)} ${i} ${m}`;
          const reply = await call('POST', '/api/messages', {
            token: client.accessToken,
            json: { message_group_uuid: group, message: text },
          });
          if (!acknowledgedUuid(reply, text)) throw new Error(`bystander send failed: ${reply.status} ${reply.text}`);
          otherSends++;
          await sleep(100);
        }
      }),
    );
    const letter = await waitFor('the poison record in the local DLQ stand-in', 40_000, async () =>
      dlqLines().find((line) => JSON.stringify(line.records ?? []).includes(marker) && JSON.stringify(line).includes(poisonText)),
    ).finally(() => (stop = true));
    const deadLetteredAfterMs = Date.now() - poisonSent;
    await Promise.all(senders);

    const othersRows = await rowsCatchUp(uuids(others), 30_000);
    const items = await scanTable();
    const poisonedStuck = rowProblems(
      items,
      poisoned.group,
      poisoned.members.map((m) => m.uuid),
      beforePoison,
    );
    const poisonStored = (await newestMessage(poisoned.group)).message === poisonText;

    const later = await call('POST', '/api/messages', {
      token: poisoned.members[1].accessToken,
      json: { message_group_uuid: poisoned.group, message: 'after the poison' },
    });
    expect(acknowledgedUuid(later, 'after the poison')).toBeDefined();
    const poisonedRows = await rowsCatchUp(uuids([poisoned]), 30_000);

    const poisonRecords = (letter.records as any[]).filter(
      (r) => r.dynamodb?.Keys?.pk?.S === keys.messagePartition(poisoned.group),
    );
    recordFigure({
      area: 'poison',
      name: 'delivery attempts before the DLQ (1 + retries)',
      value: letter.requestContext?.approximateInvokeCount ?? -1,
      min: 6,
      max: 6,
    });
    recordFigure({ area: 'poison', name: 'poison send → DLQ line', value: deadLetteredAfterMs, unit: 'ms' });
    recordFigure({
      area: 'poison',
      name: 'DLQ lines holding the poison record',
      value: dlqLines().filter((l) => JSON.stringify(l).includes(poisonText)).length,
      min: 1,
      max: 1,
    });
    recordFigure({ area: 'poison', name: "other conversations' sends meanwhile", value: otherSends, min: 1 });
    recordFigure({
      area: 'poison',
      name: "other conversations' row problems after drain",
      value: othersRows.problems.length,
      max: 0,
    });
    recordFigure({
      area: 'poison',
      name: 'poisoned conversation row problems after a later send',
      value: poisonedRows.problems.length,
      max: 0,
    });

    // Lambda's on-failure record for a stream source, plus the failed records (local extra).
    expect(letter).toEqual(
      expect.objectContaining({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6 },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        DDBStreamBatchInfo: {
          streamArn: expect.stringMatching(/^arn:aws:dynamodb:[^:]+:\d+:table\/cruddur-messaging-dev\/stream\//),
          startSequenceNumber: expect.any(String),
          endSequenceNumber: expect.any(String),
          batchSize: expect.any(Number),
        },
      }),
    );
    expect(poisonRecords).toHaveLength(1);
    expect(poisonRecords[0].dynamodb.NewImage.message.S).toBe(poisonText);
    expect(letter.failedSequenceNumbers).toEqual([poisonRecords[0].dynamodb.SequenceNumber]);
    expect(letter.DDBStreamBatchInfo.startSequenceNumber).toBe(poisonRecords[0].dynamodb.SequenceNumber);
    // Stored, but its row update was dead-lettered: the rows stayed at the message before it.
    expect(poisonStored).toBe(true);
    expect(poisonedStuck).toEqual([]);
    expect(otherSends).toBeGreaterThan(0);
    expect(othersRows.problems).toEqual([]);
    expect(poisonedRows.problems).toEqual([]);
  });
});
