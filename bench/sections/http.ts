/**
 * (2) HTTP end to end through the offline stack, and (4a) stream lag under its stream
 * emulation. The stack is the integration suites' own (test/support/stack.ts: `sls offline
 * start` on free ports — engine, cognito-local, stream emulation, HTTP API), started fresh.
 *
 * Every route at concurrency 1 and 16 against the floor route GET /bench/floor (bench/floor.ts:
 * a trivial handler behind the same offline server and Cognito authorizer, dev stage only).
 * At concurrency 1 route and floor requests alternate; at 16 each runs its own block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { resetConfigForTests } from '../../domain/config';
import { createMessage } from '../../domain/create-message';
import { db, resetDynamoClientForTests, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { formatMicros } from '../../domain/time';
import { startStack, type RunningStack } from '../../test/support/stack';
import type { Figures } from '../lib/figures';
import { signedInStackUser } from '../lib/stack-user';
import { generator } from '../lib/random';
import { conversationItems, newProfile, pastMicros, profileItems, writeItems } from '../lib/seed-data';
import { summarize, timeOnce } from '../lib/stats';
import { LOCAL_AWS_ENV } from '../../local/aws-env';

export interface Settings {
  sequential: number;
  concurrent: number;
  warmup: number;
  lagSamples: number;
}

const CONCURRENCY = 16;

export async function httpAndStream(figures: Figures, settings: Settings): Promise<void> {
  const startedAt = performance.now();
  const stack = await startStack();
  figures.add('2.offline_stack_start.duration_ms', performance.now() - startedAt);
  try {
    pointDomainAt(stack);
    const gen = generator(2);
    const account = { email: 'bench@example.com', password: 'Bench-Passw0rd!', handle: 'bench_http', display_name: 'Bench HTTP' };
    // Through cognito-local and the offline PostConfirmation trigger, as a real sign-up.
    const { accessToken, caller } = await signedInStackUser(stack, account);
    const partner = newProfile(gen, 'partner');
    const group = gen.uuid();
    const others = Array.from({ length: 60 }, (_, i) => newProfile(gen, `o${i}`));
    await writeItems([
      ...[partner, ...others].flatMap(profileItems),
      ...conversationItems(caller, partner, group, 'hello', formatMicros(pastMicros(1))),
      ...others.flatMap((o, i) =>
        conversationItems(caller, o, gen.uuid(), gen.text(2, 6), formatMicros(pastMicros(2) - i * 1e6)),
      ),
    ]);

    const auth = { authorization: `Bearer ${accessToken}` };
    let n = 0;
    const routes: Record<string, () => Promise<Response>> = {
      GET_api_message_groups: () => fetch(`${stack.apiUrl}/api/message_groups`, { headers: auth }),
      GET_api_messages_group: () => fetch(`${stack.apiUrl}/api/messages/${group}`, { headers: auth }),
      POST_api_messages: () =>
        fetch(`${stack.apiUrl}/api/messages`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ message_group_uuid: group, message: `bench ${n++}` }),
        }),
      GET_api_users_handle_short: () => fetch(`${stack.apiUrl}/api/users/@${partner.handle}/short`),
    };
    const floor = () => fetch(`${stack.apiUrl}/bench/floor`, { headers: auth });
    const call = async (request: () => Promise<Response>) => {
      const response = await request();
      const body = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status} from the offline stack: ${body.slice(0, 300)}`);
    };

    for (let i = 0; i < settings.warmup; i++) {
      await call(floor);
      for (const request of Object.values(routes)) await call(request);
    }

    // Concurrency 1, route and floor alternating.
    for (const [route, request] of Object.entries(routes)) {
      const ours: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < settings.sequential; i++) {
        ours.push(await timeOnce(() => call(request)));
        base.push(await timeOnce(() => call(floor)));
      }
      const o = summarize(ours);
      const f = summarize(base);
      figures.add(`2.${route}.c1.p50_ms`, o.p50);
      figures.add(`2.${route}.c1.p95_ms`, o.p95);
      figures.add(`2.${route}.c1.floor.p50_ms`, f.p50);
      figures.add(`2.${route}.c1.floor.p95_ms`, f.p95);
      figures.add(`2.${route}.c1.vs_floor.p50_ratio`, o.p50 / f.p50);
    }

    // Concurrency 16, with the stack's peak RSS sampled meanwhile.
    const rss = watchRss(stack);
    try {
      const floor16 = await concurrent(() => call(floor), settings.concurrent);
      figures.add('2.floor.c16.p50_ms', floor16.latency.p50);
      figures.add('2.floor.c16.p95_ms', floor16.latency.p95);
      figures.add('2.floor.c16.requests_per_s', floor16.rps);
      for (const [route, request] of Object.entries(routes)) {
        const r = await concurrent(() => call(request), settings.concurrent);
        figures.add(`2.${route}.c16.p50_ms`, r.latency.p50);
        figures.add(`2.${route}.c16.p95_ms`, r.latency.p95);
        figures.add(`2.${route}.c16.requests_per_s`, r.rps);
        figures.add(`2.${route}.c16.vs_floor.p50_ratio`, r.latency.p50 / floor16.latency.p50);
      }
    } finally {
      figures.add(
        '2.offline_stack.c16.peak_rss_mb',
        rss.stop(),
        undefined,
        'sls offline process tree (engine, cognito-local, API, Lambda workers)',
      );
    }

    // (4a) Stream lag: a message's PutItem until both members' rows show it, on an idle
    // stream. The runs above left up to ~1,000 messages for the emulation to work through;
    // a first message, not counted, waits for that backlog to drain.
    const drainedAt = performance.now();
    const marker = await createMessage(group, caller, 'drain');
    await waitFor(
      async () => (await rowAt(partner.uuid, group)) >= marker.created_at || undefined,
      'the stream backlog to drain',
      180_000,
    );
    figures.add('4a.backlog_after_http_runs_drain.duration_ms', performance.now() - drainedAt);
    const lags: number[] = [];
    for (let i = 0; i < settings.lagSamples; i++) {
      const sender = i % 2 === 0 ? caller : partner;
      const sentAt = performance.now();
      const message = await createMessage(group, sender, `lag ${i}`);
      const putDone = performance.now();
      await waitFor(
        async () =>
          ((await rowAt(caller.uuid, group)) >= message.created_at && (await rowAt(partner.uuid, group)) >= message.created_at) ||
          undefined,
        'both rows to show the message',
        30_000,
      );
      lags.push(performance.now() - putDone + (putDone - sentAt) / 2);
    }
    const lag = summarize(lags);
    figures.add('4a.stream_lag_put_to_both_rows.p50_ms', lag.p50);
    // The product promise (issue #5): a sent message is in both lists within a second.
    figures.add('4a.stream_lag_put_to_both_rows.p95_ms', lag.p95, { max: 1000 });
    figures.add('4a.stream_lag_put_to_both_rows.max_ms', lag.max);
  } finally {
    await stack.stop();
  }
}

function pointDomainAt(stack: RunningStack): void {
  Object.assign(process.env, {
    TABLE_NAME: stack.tableName,
    DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
    ...LOCAL_AWS_ENV,
  });
  resetConfigForTests();
  resetDynamoClientForTests();
}

/** The sort key (last message time) of `member`'s row for `group`, or '' if none yet. */
async function rowAt(member: string, group: string): Promise<string> {
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversationPartition(member) },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 5,
    }),
  );
  const row = Items.find((item) => item.message_group_uuid === group);
  return typeof row?.sk === 'string' ? row.sk : '';
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function concurrent(run: () => Promise<void>, total: number) {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < total) samples.push(await timeOnce(run));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latency: summarize(samples), rps: samples.length / seconds };
}

/** Samples the resident memory of the offline stack's process tree every 100 ms; stop() gives the peak in MB. */
export function watchRss(stack: RunningStack): { stop(): number } {
  const port = new URL(stack.apiUrl).port;
  const root = readdirSync('/proc').find((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.includes('offline') && cmd.includes('--httpPort') && cmd.includes(port);
    } catch {
      return false;
    }
  });
  let peak = 0;
  const sample = () => {
    if (!root) return;
    const tree = descendants(root);
    const kb = tree.reduce((sum, pid) => {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return sum + Number(match?.[1] ?? 0);
      } catch {
        return sum;
      }
    }, 0);
    peak = Math.max(peak, kb);
  };
  const timer = setInterval(sample, 100);
  sample();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return root ? peak / 1024 : NaN;
    },
  };
}

function descendants(root: string): string[] {
  const children = new Map<string, string[]>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i] as string) ?? []));
  return out;
}
