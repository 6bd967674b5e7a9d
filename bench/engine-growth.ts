/**
 * Engine growth figures: PutItem and Query throughput at concurrency 16, our engine (its table
 * with a NEW_AND_OLD_IMAGES stream and Time to Live on `expires_at`, as this project's table has;
 * every item carries an `expires_at` a day ahead) vs plain dynalite 4.0.0, as the
 * store grows (10 k then 1 M items by default), with the server's memory (RSS, heap after a full
 * GC) at each size. Each server runs in its own process (bench/engine-child.js); they take turns
 * (never two measured at once), in rounds, so load from other processes lands on all of them.
 *
 *   npm run bench:engine-growth                              # 10 k and 1 M items (~20 min on 2 cores)
 *   npm run bench:engine-growth -- --sizes=10000,100000 --ops=2000
 *   npm run bench:engine-growth -- --targets=engine --prof   # CPU profile of the engine (.cpuprofile in bench/)
 *   npm run bench:engine-growth -- --no-ttl                  # the engine's table without Time to Live
 *   npm run bench:engine-growth -- --targets=dynalite,engine,engine-before --before-dir=/tmp/old/local/dynamodb
 *                                                            # before / after: another checkout's engine too
 *                                                            # (--before-no-ttl: that one without Time to Live)
 *
 * `npm run bench` section 0 runs the same measurement at 10 k items (`runThroughput`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

export type Target = 'engine' | 'dynalite';
export interface SizeFigures {
  items: number;
  putItemOpsPerSec: number;
  queryOpsPerSec: number;
  rssMb: number;
  heapUsedMb: number;
  loadItemsPerSec: number;
  /** the server's CPU time (all its threads) per request, µs: less moved by other load than a rate */
  putItemCpuUs: number;
  queryCpuUs: number;
  /** the server's main thread paused by the garbage collector, µs per request */
  putItemGcUs: number;
  queryGcUs: number;
  /** full (mark-compact) collections during the measured PutItem and Query requests */
  majorGcs: number;
}

export const CONCURRENCY = 16;
const TABLE = 'growth';
/** Items spread over this many partitions (Query reads one partition, 20 items). */
const PARTITIONS = 200;

const pk = (i: number) => ({ S: `conv#${i % PARTITIONS}` });
const EXPIRES_AT = { N: String(Math.floor(Date.now() / 1000) + 24 * 3600) };
const item = (i: number) => ({
  pk: pk(i),
  sk: { S: `msg#${String(i).padStart(8, '0')}` },
  body: { S: 'hello '.repeat(20) },
  n: { N: String(i) },
  expires_at: EXPIRES_AT,
});

/** Requests of each operation sent before measuring, at each size. */
const WARMUP = 1000;

/** One partition (20 items of it). */
const queryOf = (i: number) =>
  new QueryCommand({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': pk(i * 7) },
    Limit: 20,
  });

interface Child {
  proc: ChildProcess;
  endpoint: string;
}

function startChild(kind: Target, execArgv: string[], engineDir?: string): Promise<Child> {
  const env = { ...process.env };
  if (engineDir) env.ENGINE_DIR = engineDir;
  else delete env.ENGINE_DIR;
  const proc = fork(path.join(__dirname, 'engine-child.js'), [kind], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before listening`)));
    proc.once('message', (m: any) => resolve({ proc, endpoint: m.endpoint }));
  });
}

function ask(child: Child, msg: object): Promise<any> {
  return new Promise((resolve) => {
    child.proc.once('message', resolve);
    child.proc.send(msg);
  });
}

async function stopChild(child: Child) {
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.send({ stop: true });
  await exited;
}

/** Runs `total` calls of fn with `concurrency` in flight; returns calls per second. */
export async function throughput(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await fn(i);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

function client(endpoint: string) {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function createTable(c: DynamoDBClient, stream: boolean, ttl: boolean) {
  await c.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } } : {}),
    }),
  );
  if (ttl) {
    await c.send(
      new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true } }),
    );
  }
}

/** Writes items [from, to) with BatchWriteItem (25 a request, 16 requests in flight). */
async function load(c: DynamoDBClient, from: number, to: number): Promise<number> {
  const batches = Math.ceil((to - from) / 25);
  const perSec = await throughput(batches, CONCURRENCY, async (b) => {
    const start = from + b * 25;
    const end = Math.min(to, start + 25);
    let requests: any = {
      [TABLE]: Array.from({ length: end - start }, (_, k) => ({ PutRequest: { Item: item(start + k) } })),
    };
    while (requests && Object.keys(requests).length) {
      const out = await c.send(new BatchWriteItemCommand({ RequestItems: requests }));
      requests = out.UnprocessedItems;
    }
  });
  return perSec * 25;
}

/** A server to measure: `engine-before` is the engine of another checkout (`--before-dir`). */
export interface TargetSpec {
  name: string;
  kind: Target;
  /** the engine's table gets Time to Live on expires_at */
  ttl?: boolean;
  engineDir?: string;
}

/** Measuring rounds per size; the targets take turns in each, so load from elsewhere hits all alike. */
const ROUNDS = 3;

/**
 * All targets at once, each a fresh server in its own process with the table: for each size,
 * load every target up to it (one after the other), warm each up, then ROUNDS rounds in which the
 * targets take turns at PutItem (new items) then at Query (one partition, 20 items), at
 * concurrency 16; then each server's memory (after a full GC).
 */
export async function runInterleaved(
  targets: TargetSpec[],
  opts: { sizes: number[]; ops: number; execArgv?: string[]; log?: (s: string) => void },
): Promise<Record<string, SizeFigures[]>> {
  const running: { spec: TargetSpec; child: Child; c: DynamoDBClient; putBase: number; have: number }[] = [];
  const out: Record<string, SizeFigures[]> = {};
  try {
    for (const spec of targets) {
      const child = await startChild(spec.kind, opts.execArgv ?? [], spec.engineDir);
      const c = client(child.endpoint);
      running.push({ spec, child, c, putBase: 100_000_000, have: 0 }); // PutItem writes above every loaded item
      await createTable(c, spec.kind === 'engine', spec.kind === 'engine' && !!spec.ttl);
      out[spec.name] = [];
    }
    for (const size of opts.sizes) {
      const loadRate = new Map<string, number>();
      for (const r of running) {
        const t0 = performance.now();
        loadRate.set(r.spec.name, size > r.have ? await load(r.c, r.have, size) : 0);
        opts.log?.(`${r.spec.name}: loaded ${size} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        r.have = size;
      }
      for (const r of running) {
        // warm-up (sockets, JIT) of both operations, so the first size is not measured cold
        const warm = r.putBase;
        await throughput(WARMUP, CONCURRENCY, (i) => r.c.send(new PutItemCommand({ TableName: TABLE, Item: item(warm + i) })));
        r.putBase += WARMUP;
        await throughput(WARMUP, CONCURRENCY, (i) => r.c.send(queryOf(i)));
      }
      const per = Math.ceil(opts.ops / ROUNDS);
      const zero = () => ({ s: 0, cpuMs: 0, gcMs: 0, majorGcs: 0 });
      const time = new Map(running.map((r) => [r.spec.name, { put: zero(), query: zero() }]));
      /** Runs one measured phase, adding its seconds and the server's CPU and GC time to `into`. */
      const measure = async (
        r: (typeof running)[number],
        into: { s: number; cpuMs: number; gcMs: number; majorGcs: number },
        fn: (i: number) => Promise<unknown>,
      ) => {
        const before = (await ask(r.child, { usage: true })).usage;
        const rate = await throughput(per, CONCURRENCY, fn);
        const after = (await ask(r.child, { usage: true })).usage;
        into.s += per / rate;
        into.cpuMs += after.cpuMs - before.cpuMs;
        into.gcMs += after.gcMs - before.gcMs;
        into.majorGcs += after.majorGcs - before.majorGcs;
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const r of running) {
          const base = r.putBase;
          const t = time.get(r.spec.name) as { put: ReturnType<typeof zero> };
          await measure(r, t.put, (i) => r.c.send(new PutItemCommand({ TableName: TABLE, Item: item(base + i) })));
          r.putBase += per;
        }
        for (const r of running) {
          const t = time.get(r.spec.name) as { query: ReturnType<typeof zero> };
          await measure(r, t.query, (i) => r.c.send(queryOf(i + round * per)));
        }
      }
      for (const r of running) {
        const { mem } = await ask(r.child, { mem: true });
        const t = time.get(r.spec.name) as { put: ReturnType<typeof zero>; query: ReturnType<typeof zero> };
        const n = per * ROUNDS;
        const f: SizeFigures = {
          items: size,
          putItemOpsPerSec: n / t.put.s,
          queryOpsPerSec: n / t.query.s,
          rssMb: mem.rss / 2 ** 20,
          heapUsedMb: mem.heapUsed / 2 ** 20,
          loadItemsPerSec: loadRate.get(r.spec.name) ?? 0,
          putItemCpuUs: (t.put.cpuMs * 1000) / n,
          queryCpuUs: (t.query.cpuMs * 1000) / n,
          putItemGcUs: (t.put.gcMs * 1000) / n,
          queryGcUs: (t.query.gcMs * 1000) / n,
          majorGcs: t.put.majorGcs + t.query.majorGcs,
        };
        opts.log?.(
          `${r.spec.name} @ ${size} items: PutItem ${f.putItemOpsPerSec.toFixed(0)}/s ` +
            `(${f.putItemCpuUs.toFixed(0)} µs CPU, ${f.putItemGcUs.toFixed(0)} µs GC), Query ${f.queryOpsPerSec.toFixed(0)}/s ` +
            `(${f.queryCpuUs.toFixed(0)} µs CPU, ${f.queryGcUs.toFixed(0)} µs GC), ` +
            `${f.majorGcs} full GCs, RSS ${f.rssMb.toFixed(0)} MB, heap ${f.heapUsedMb.toFixed(0)} MB (load ${f.loadItemsPerSec.toFixed(0)} items/s)`,
        );
        (out[r.spec.name] as SizeFigures[]).push(f);
      }
    }
  } finally {
    for (const r of running) {
      r.c.destroy();
      await stopChild(r.child);
    }
  }
  return out;
}

/** The default pair: plain dynalite and the engine (stream + TTL, as this project's table). */
export const DEFAULT_TARGETS: TargetSpec[] = [
  { name: 'dynalite', kind: 'dynalite' },
  { name: 'engine', kind: 'engine', ttl: true },
];

if (require.main === module) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const sizes = (arg('sizes') ?? '10000,1000000').split(',').map(Number);
  // 30,000 requests of each operation per size (10,000 a round): at 1 M items a full collection of
  // the ~600 MB heap comes every few thousand requests, and windows of 1,000 caught one or none
  const ops = Number(arg('ops') ?? 30000);
  const ttl = !process.argv.includes('--no-ttl');
  const names = arg('targets')?.split(',') ?? ['dynalite', 'engine'];
  const before = arg('before-dir');
  const targets: TargetSpec[] = names.map((name) => {
    if (name === 'dynalite') return { name, kind: 'dynalite' };
    if (name === 'engine') return { name, kind: 'engine', ttl };
    if (name === 'engine-no-ttl') return { name, kind: 'engine', ttl: false };
    if (name === 'engine-before' && before)
      return { name, kind: 'engine', ttl: ttl && !process.argv.includes('--before-no-ttl'), engineDir: path.resolve(before) };
    throw new Error(`unknown target ${name} (engine-before needs --before-dir=<checkout>/local/dynamodb)`);
  });
  const execArgv = process.argv.includes('--prof') ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname)}`] : [];
  runInterleaved(targets, { sizes, ops, execArgv, log: (s) => console.log(s) })
    .then((r) => console.log(JSON.stringify({ concurrency: CONCURRENCY, ops, targets: r }, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
