/**
 * (7) Realtime push through the offline stack (test/support/stack.ts, started fresh):
 *   7a  latency from a send's HTTP 200 to the other member's socket receiving its
 *       `message.created` (serverless-offline's WebSocket server, the stream emulation and
 *       handlers/stream/push-events.ts), sequential sends, goal p50 ≤ 300 ms;
 *   7b  the fan-out's cost per 1:1 message (one connection per member): DynamoDB requests,
 *       RCU, WCU and PostToConnection calls, counted by running the same handler in this
 *       process on the stream records one message produces (the message and both rows),
 *       once as one batch and once one record per batch.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { resetConfigForTests } from '../../domain/config';
import { db, resetDynamoClientForTests } from '../../domain/dynamodb';
import { handler as pushEvents } from '../../handlers/stream/push-events';
import { login, signUpUsers } from '../../local/cognito';
import { startStack, type RunningStack } from '../../test/support/stack';
import { streamEvent, tapStream } from '../../test/support/stream-events';
import { addTallies, countRequests, emptyTally, totalRequests, totalWcu } from '../lib/capacity';
import type { Figures } from '../lib/figures';
import { summarize } from '../lib/stats';
import { watchRss } from './http';

export interface Settings {
  samples: number;
  warmup: number;
  /** Idle connections held at once (7c). */
  idle: number;
}

type Frame = { type: string; message?: { uuid: string } };

export async function push(figures: Figures, settings: Settings): Promise<void> {
  const stack = await startStack();
  let socket: WebSocket | undefined;
  let adaSocket: WebSocket | undefined;
  const idle: WebSocket[] = [];
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  try {
    pointDomainAt(stack);
    const users = ['ada', 'ben'].map((name) => ({
      email: `${name}.push@example.com`,
      password: 'Bench-Passw0rd!',
      handle: `${name}_push`,
      display_name: name,
    }));
    await signUpUsers({ endpoint: stack.cognitoEndpoint, userPoolId: stack.userPoolId, clientId: stack.clientId, users });
    const [ada, ben] = await Promise.all(
      users.map((u) =>
        login({ endpoint: stack.cognitoEndpoint, clientId: stack.clientId, email: u.email, password: u.password }),
      ),
    );
    if (!ada || !ben) throw new Error('no tokens');

    // Ben listens; each message.created resolves the wait registered for its uuid.
    const arrivals = new Map<string, (at: number) => void>();
    const early = new Map<string, number>();
    socket = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(stack.websocketUrl, ['cruddur.v1', ben.accessToken]);
      s.onopen = () => resolve(s);
      s.onerror = () => reject(new Error('WebSocket connect refused'));
      s.onmessage = (event) => {
        const at = performance.now();
        const frame = JSON.parse(String(event.data)) as Frame;
        if (frame.type !== 'message.created' || !frame.message) return;
        const wake = arrivals.get(frame.message.uuid);
        if (wake) wake(at);
        else early.set(frame.message.uuid, at);
      };
    });
    const received = (uuid: string) =>
      new Promise<number>((resolve, reject) => {
        const seen = early.get(uuid);
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`message ${uuid} not pushed within 20 s`)), 20_000);
        arrivals.set(uuid, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    const post = async (json: object) => {
      const response = await fetch(`${stack.apiUrl}/api/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ada.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      const body = (await response.json()) as { uuid: string; message_group_uuid?: string };
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return { body, at: performance.now() };
    };

    const first = await post({ handle: users[1]?.handle, message: 'push bench' });
    const group = first.body.message_group_uuid as string;
    await received(first.body.uuid);

    const samples: number[] = [];
    for (let i = 0; i < settings.warmup + settings.samples; i++) {
      const sent = await post({ message_group_uuid: group, message: `push ${i}` });
      const latency = (await received(sent.body.uuid)) - sent.at;
      if (i >= settings.warmup) samples.push(latency);
      // Let pattern E's row changes and their pushes drain, so each sample starts idle.
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    figures.addSummary('7a.push_latency_post_200_to_socket', summarize(samples), { max: 300 });

    // 7b: the records one message produces, pushed again in-process, with Ada connected too
    // (one connection per member), through a proxy that counts the management API calls.
    adaSocket = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(stack.websocketUrl, ['cruddur.v1', ada.accessToken]);
      s.onopen = () => resolve(s);
      s.onerror = () => reject(new Error('WebSocket connect refused'));
    });
    proxy = await countingProxy(stack.websocketUrl.replace(/^ws:/, 'http:'));
    process.env.WEBSOCKET_MANAGEMENT_ENDPOINT = proxy.url;
    resetConfigForTests();
    const tap = await tapStream();
    const sent = await post({ message_group_uuid: group, message: 'counted' });
    await received(sent.body.uuid);
    let records = await tap.read();
    for (
      let tries = 0;
      records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.pk?.S?.startsWith('GRP#')).length < 2 && tries < 100;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      records = [...records, ...(await tap.read())];
    }
    tap.close();
    const counting = async (batches: (typeof records)[]) => {
      let tally = emptyTally();
      const postsBefore = proxy?.posts ?? 0;
      for (const batch of batches) {
        const counter = countRequests(db());
        const { batchItemFailures } = await pushEvents(streamEvent(batch));
        counter.stop();
        if (batchItemFailures.length > 0) throw new Error('the counted fan-out failed records');
        tally = addTallies(tally, counter.tally);
      }
      return { tally, posts: (proxy?.posts ?? 0) - postsBefore };
    };
    const pushed = records.filter((r) => r.eventName === 'INSERT' && /^(MSG|GRP)#/.test(r.dynamodb?.Keys?.pk?.S ?? ''));
    const modes: Array<[string, (typeof records)[]]> = [
      ['one_batch', [pushed]],
      ['one_record_per_batch', pushed.map((r) => [r])],
    ];
    for (const [mode, batches] of modes) {
      const { tally, posts } = await counting(batches);
      figures.add(`7b.per_message_1to1.${mode}.dynamodb_requests_count`, totalRequests(tally));
      figures.add(`7b.per_message_1to1.${mode}.rcu`, tally.rcu);
      figures.add(`7b.per_message_1to1.${mode}.wcu`, totalWcu(tally));
      figures.add(`7b.per_message_1to1.${mode}.post_to_connection_count`, posts);
    }

    // 7c: `idle` connections of one user held open, the stack's memory with them, and one
    // message fanned out to all of them (POST 200 → the last socket's receipt).
    process.env.WEBSOCKET_MANAGEMENT_ENDPOINT = stack.websocketUrl.replace(/^ws:/, 'http:');
    resetConfigForTests();
    const baseline = watchRss(stack);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rssBefore = baseline.stop();
    const connecting = Array.from(
      { length: settings.idle },
      () => () =>
        new Promise<WebSocket>((resolve, reject) => {
          const s = new WebSocket(stack.websocketUrl, ['cruddur.v1', ben.accessToken]);
          s.onopen = () => resolve(s);
          s.onerror = () => reject(new Error('WebSocket connect refused'));
        }),
    );
    for (let i = 0; i < connecting.length; i += 20)
      idle.push(...(await Promise.all(connecting.slice(i, i + 20).map((open) => open()))));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const held = watchRss(stack);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rssHeld = held.stop();
    figures.add('7c.idle_connections.count', idle.length);
    figures.add('7c.idle_connections.stack_rss_mb', rssHeld);
    figures.add('7c.idle_connections.stack_rss_per_connection_kb', ((rssHeld - rssBefore) * 1024) / idle.length);
    const arrivedAll = Promise.all(
      idle.map(
        (s) =>
          new Promise<number>((resolve) =>
            s.addEventListener('message', (event) => {
              if ((JSON.parse(String(event.data)) as Frame).type === 'message.created') resolve(performance.now());
            }),
          ),
      ),
    );
    const wide = await post({ message_group_uuid: group, message: 'to every idle socket' });
    const last = Math.max(...(await arrivedAll));
    figures.add('7c.fan_out_to_idle_connections.post_200_to_last_socket_ms', last - wide.at);
  } finally {
    for (const s of idle) s.close();
    socket?.close();
    adaSocket?.close();
    proxy?.close();
    await stack.stop();
  }
}

/** An HTTP proxy in front of the management API that counts the requests it forwards. */
async function countingProxy(target: string): Promise<{ url: string; posts: number; close(): void }> {
  const state = { posts: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      if (request.method === 'POST') state.posts++;
      const forwarded = await fetch(`${target}${request.url}`, {
        method: request.method,
        body: request.method === 'POST' ? Buffer.concat(chunks) : undefined,
      });
      response.writeHead(forwarded.status).end(Buffer.from(await forwarded.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get posts() {
      return state.posts;
    },
    close: () => server.close(),
  };
}

function pointDomainAt(stack: RunningStack): void {
  Object.assign(process.env, { TABLE_NAME: stack.tableName, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, AWS_REGION: 'us-east-1' });
  resetConfigForTests();
  resetDynamoClientForTests();
}
