/**
 * Engine figures: PutItem / Query latency through the local engine vs plain dynalite (same run,
 * same SDK client setup), TransactWriteItems of 3 items vs 3 sequential PutItems, and PutItem /
 * Query throughput at concurrency 16 on a 10 k-item store, the engine's table with a stream
 * (bench/engine-growth.ts; its own script measures 10 k vs 1 M items).
 *
 *   npx tsx bench/engine.ts           # full run
 *   npx tsx bench/engine.ts --quick   # quick run (fewer iterations)
 *
 * `runEngineBench({ quick })` is exported for `npm run bench`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { start } from '../local/dynamodb';
import { CONCURRENCY, DEFAULT_TARGETS, runInterleaved, type SizeFigures } from './engine-growth';

// dynalite ships no types.
const dynalite: (opts: Record<string, unknown>) => Server = require('dynalite');

export interface LatencyStats {
  p50: number;
  p95: number;
}
export interface EngineBenchResult {
  iterations: number;
  putItem: { dynalite: LatencyStats; engine: LatencyStats; ratioP50: number; ratioP95: number };
  query: { dynalite: LatencyStats; engine: LatencyStats; ratioP50: number; ratioP95: number };
  putItemStreamEnabled: LatencyStats;
  transact3: LatencyStats;
  sequentialPut3: LatencyStats;
  target: { maxRatio: number; met: boolean };
  /** Concurrency 16, separate server processes, engine table with a NEW_AND_OLD_IMAGES stream. */
  throughput: {
    concurrency: number;
    items: number;
    dynalite: SizeFigures;
    engine: SizeFigures;
    putItemRatio: number;
    queryRatio: number;
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
function stats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: pct(sorted, 50), p95: pct(sorted, 95) };
}
async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

function client(endpoint: string) {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

async function table(c: DynamoDBClient, name: string, stream = false) {
  await c.send(
    new CreateTableCommand({
      TableName: name,
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
  await new Promise((r) => setTimeout(r, 20));
}

const item = (i: number) => ({
  pk: { S: `conv#${i % 20}` },
  sk: { S: `msg#${String(i).padStart(6, '0')}` },
  body: { S: 'hello '.repeat(20) },
});

async function putAndQuery(c: DynamoDBClient, name: string, n: number) {
  // interleave warm-up so JIT and sockets are hot for both targets
  await time(Math.min(100, n), (i) => c.send(new PutItemCommand({ TableName: name, Item: item(1_000_000 + i) })));
  const put = await time(n, (i) => c.send(new PutItemCommand({ TableName: name, Item: item(i) })));
  const query = await time(n, (i) =>
    c.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: `conv#${i % 20}` } },
        Limit: 20,
      }),
    ),
  );
  return { put: stats(put), query: stats(query) };
}

export async function runEngineBench(opts: { quick?: boolean; print?: boolean } = {}): Promise<EngineBenchResult> {
  const n = opts.quick ? 200 : 2000;
  const print = opts.print ?? true;

  const plain = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainClient = client(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
  const engine = await start({ port: 0 });
  const engineClient = client(engine.endpoint);
  try {
    await table(plainClient, 'bench');
    await table(engineClient, 'bench');
    await table(engineClient, 'bench-stream', true);

    // alternate the two targets in two rounds to even out warm-up / GC effects
    const d1 = await putAndQuery(plainClient, 'bench', Math.ceil(n / 2));
    const e1 = await putAndQuery(engineClient, 'bench', Math.ceil(n / 2));
    const d2 = await putAndQuery(plainClient, 'bench', Math.ceil(n / 2));
    const e2 = await putAndQuery(engineClient, 'bench', Math.ceil(n / 2));
    const avg = (a: LatencyStats, b: LatencyStats): LatencyStats => ({ p50: (a.p50 + b.p50) / 2, p95: (a.p95 + b.p95) / 2 });
    const dPut = avg(d1.put, d2.put),
      ePut = avg(e1.put, e2.put),
      dQuery = avg(d1.query, d2.query),
      eQuery = avg(e1.query, e2.query);

    const streamPut = stats(
      await time(n, (i) => engineClient.send(new PutItemCommand({ TableName: 'bench-stream', Item: item(i) }))),
    );
    const tx = stats(
      await time(Math.ceil(n / 2), (i) =>
        engineClient.send(
          new TransactWriteItemsCommand({
            TransactItems: [0, 1, 2].map((k) => ({ Put: { TableName: 'bench', Item: item(2_000_000 + i * 3 + k) } })),
          }),
        ),
      ),
    );
    const seq = stats(
      await time(Math.ceil(n / 2), async (i) => {
        for (const k of [0, 1, 2])
          await engineClient.send(new PutItemCommand({ TableName: 'bench', Item: item(3_000_000 + i * 3 + k) }));
      }),
    );

    // throughput at concurrency 16, each server in its own process (after the latency part)
    const items = opts.quick ? 2000 : 10_000;
    const ops = opts.quick ? 300 : 3000;
    const tp = await runInterleaved(DEFAULT_TARGETS, { sizes: [items], ops });
    const dThroughput = tp.dynalite?.[0];
    const eThroughput = tp.engine?.[0];
    if (!dThroughput || !eThroughput) throw new Error('throughput run returned no figures');

    const result: EngineBenchResult = {
      iterations: n,
      putItem: { dynalite: dPut, engine: ePut, ratioP50: ePut.p50 / dPut.p50, ratioP95: ePut.p95 / dPut.p95 },
      query: { dynalite: dQuery, engine: eQuery, ratioP50: eQuery.p50 / dQuery.p50, ratioP95: eQuery.p95 / dQuery.p95 },
      putItemStreamEnabled: streamPut,
      transact3: tx,
      sequentialPut3: seq,
      target: { maxRatio: 1.2, met: false },
      throughput: {
        concurrency: CONCURRENCY,
        items,
        dynalite: dThroughput,
        engine: eThroughput,
        putItemRatio: eThroughput.putItemOpsPerSec / dThroughput.putItemOpsPerSec,
        queryRatio: eThroughput.queryOpsPerSec / dThroughput.queryOpsPerSec,
      },
    };
    result.target.met = result.putItem.ratioP50 <= 1.2 && result.query.ratioP50 <= 1.2;

    if (print) {
      const f = (s: LatencyStats) => `p50 ${s.p50.toFixed(3)} ms  p95 ${s.p95.toFixed(3)} ms`;
      console.log(`engine bench (${n} iterations per operation${opts.quick ? ', quick' : ''})`);
      console.log(
        `PutItem   dynalite ${f(dPut)} | engine ${f(ePut)} | ratio p50 ${result.putItem.ratioP50.toFixed(2)} p95 ${result.putItem.ratioP95.toFixed(2)}`,
      );
      console.log(
        `Query     dynalite ${f(dQuery)} | engine ${f(eQuery)} | ratio p50 ${result.query.ratioP50.toFixed(2)} p95 ${result.query.ratioP95.toFixed(2)}`,
      );
      console.log(`PutItem on a stream-enabled table (engine): ${f(streamPut)}`);
      console.log(`TransactWriteItems x3 (engine): ${f(tx)} | 3 sequential PutItems (engine): ${f(seq)}`);
      console.log(`target ratio <= 1.2 (p50): ${result.target.met ? 'met' : 'NOT met'}`);
      const tp = result.throughput;
      const g = (f: SizeFigures) =>
        `PutItem ${f.putItemOpsPerSec.toFixed(0)}/s, Query ${f.queryOpsPerSec.toFixed(0)}/s, RSS ${f.rssMb.toFixed(0)} MB`;
      console.log(
        `concurrency ${tp.concurrency}, ${tp.items} items: dynalite ${g(tp.dynalite)} | engine (stream + TTL) ${g(tp.engine)}`,
      );
    }
    return result;
  } finally {
    plainClient.destroy();
    engineClient.destroy();
    await engine.stop();
    await new Promise((resolve) => plain.close(resolve));
  }
}

if (require.main === module) {
  runEngineBench({ quick: process.argv.includes('--quick') }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
