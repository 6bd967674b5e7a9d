/**
 * Engine growth figures: PutItem and Query throughput at concurrency 16, our engine (its table
 * with a NEW_AND_OLD_IMAGES stream and Time to Live on `expires_at`, as this project's table has;
 * every item carries an `expires_at` a day ahead) vs plain dynalite 4.0.0, as the
 * store grows (10 k then 1 M items by default), with the server's memory (RSS, heap after a full
 * GC) at each size. Each server runs in its own process (bench/engine-child.js), one after the
 * other, so the two never share the CPU.
 *
 *   npm run bench:engine-growth                              # 10 k and 1 M items (~15 min on 2 cores)
 *   npm run bench:engine-growth -- --sizes=10000,100000 --ops=2000
 *   npm run bench:engine-growth -- --targets=engine --prof   # CPU profile of the engine (.cpuprofile in bench/)
 *   npm run bench:engine-growth -- --no-ttl                  # the engine's table without Time to Live
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
}
export interface GrowthResult {
  concurrency: number;
  ops: number;
  targets: Partial<Record<Target, SizeFigures[]>>;
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

function startChild(kind: Target, execArgv: string[]): Promise<Child> {
  const proc = fork(path.join(__dirname, 'engine-child.js'), [kind], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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

/**
 * One target: a fresh server, the table, then for each size: load up to it, measure PutItem
 * (new items) and Query (one partition, 20 items) throughput at concurrency 16, and memory.
 */
export async function measureTarget(
  kind: Target,
  opts: { sizes: number[]; ops: number; ttl?: boolean; execArgv?: string[]; log?: (s: string) => void },
): Promise<SizeFigures[]> {
  const child = await startChild(kind, opts.execArgv ?? []);
  const c = client(child.endpoint);
  const out: SizeFigures[] = [];
  try {
    await createTable(c, kind === 'engine', kind === 'engine' && opts.ttl !== false);
    let have = 0;
    let putBase = 100_000_000; // PutItem writes new items above every loaded one
    for (const size of opts.sizes) {
      const t0 = performance.now();
      const loadRate = size > have ? await load(c, have, size) : 0;
      opts.log?.(`${kind}: loaded ${size} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      have = size;
      // warm-up (sockets, JIT) of both operations, so the first size is not measured cold
      const warm = putBase;
      await throughput(WARMUP, CONCURRENCY, (i) => c.send(new PutItemCommand({ TableName: TABLE, Item: item(warm + i) })));
      putBase += WARMUP;
      await throughput(WARMUP, CONCURRENCY, (i) => c.send(queryOf(i)));
      const base = putBase;
      const put = await throughput(opts.ops, CONCURRENCY, (i) =>
        c.send(new PutItemCommand({ TableName: TABLE, Item: item(base + i) })),
      );
      putBase += opts.ops;
      const query = await throughput(opts.ops, CONCURRENCY, (i) => c.send(queryOf(i)));
      const { mem } = await ask(child, { mem: true });
      const f: SizeFigures = {
        items: size,
        putItemOpsPerSec: put,
        queryOpsPerSec: query,
        rssMb: mem.rss / 2 ** 20,
        heapUsedMb: mem.heapUsed / 2 ** 20,
        loadItemsPerSec: loadRate,
      };
      opts.log?.(
        `${kind} @ ${size} items: PutItem ${put.toFixed(0)}/s, Query ${query.toFixed(0)}/s, ` +
          `RSS ${f.rssMb.toFixed(0)} MB, heap ${f.heapUsedMb.toFixed(0)} MB (load ${loadRate.toFixed(0)} items/s)`,
      );
      out.push(f);
    }
  } finally {
    c.destroy();
    await stopChild(child);
  }
  return out;
}

export async function runGrowth(opts: {
  sizes: number[];
  ops: number;
  targets?: Target[];
  ttl?: boolean;
  execArgv?: string[];
  log?: (s: string) => void;
}): Promise<GrowthResult> {
  const result: GrowthResult = { concurrency: CONCURRENCY, ops: opts.ops, targets: {} };
  for (const t of opts.targets ?? (['dynalite', 'engine'] as Target[])) result.targets[t] = await measureTarget(t, opts);
  return result;
}

if (require.main === module) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const sizes = (arg('sizes') ?? '10000,1000000').split(',').map(Number);
  const ops = Number(arg('ops') ?? 3000);
  const targets = arg('targets')?.split(',') as Target[] | undefined;
  const execArgv = process.argv.includes('--prof') ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname)}`] : [];
  const ttl = !process.argv.includes('--no-ttl');
  runGrowth({ sizes, ops, targets, ttl, execArgv, log: (s) => console.log(s) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
