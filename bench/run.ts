/**
 * `npm run bench` — every access pattern against its DynamoDB floor, at scale, with stream
 * lag and cold-start figures. Writes bench/results.json and prints the table.
 *
 *   npm run bench                    # full run (≤ 10 min on 2 cores)
 *   npm run bench -- --quick         # smoke run (≤ 1 min); what `npm test` runs
 *   npm run bench -- --only=1,3      # some sections
 *   npm run bench -- --markdown      # also rewrite the table in BENCHMARKS.md
 */
// First: settings that must be in place before the SDK or Powertools load.
import './lib/env';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Figures, markdownTable, met, table } from './lib/figures';
import { ROOT } from './lib/local-engine';
import { runEngineBench } from './engine';
import { cacheHitRatio } from './sections/cache-hit-ratio';
import { coldStart } from './sections/cold-start';
import { domainOverhead } from './sections/domain-overhead';
import { editAndDelete } from './sections/edit-delete';
import { groups } from './sections/groups';
import { httpAndStream } from './sections/http';
import { patternE } from './sections/pattern-e';
import { push } from './sections/push';
import { scale } from './sections/scale';
import { unread } from './sections/unread';

export interface RunOptions {
  quick: boolean;
  only?: string[];
  out?: string;
}

export const RESULTS_FILE = path.join(ROOT, 'bench', 'results.json');

export function machine() {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

interface Section {
  id: string;
  title: string;
  run(figures: Figures, quick: boolean): Promise<void>;
}

const SECTIONS: Section[] = [
  {
    id: '0',
    title: "local engine vs plain dynalite (bench/engine.ts, the engine engineer's figures)",
    run: async (figures, quick) => {
      const r = await runEngineBench({ quick, print: false });
      figures.add('0.engine.putitem.engine_vs_dynalite.p50_ratio', r.putItem.ratioP50, { max: r.target.maxRatio });
      figures.add('0.engine.query.engine_vs_dynalite.p50_ratio', r.query.ratioP50, { max: r.target.maxRatio });
      figures.add('0.engine.putitem.engine.p50_ms', r.putItem.engine.p50);
      figures.add('0.engine.query.engine.p50_ms', r.query.engine.p50);
      figures.add('0.engine.putitem_stream_enabled.p50_ms', r.putItemStreamEnabled.p50);
      figures.add('0.engine.transact_write_3_items.p50_ms', r.transact3.p50);
      figures.add('0.engine.sequential_put_3_items.p50_ms', r.sequentialPut3.p50);
      // throughput at concurrency 16 (engine table with a stream); the engine should not be slower
      const tp = r.throughput;
      figures.add('0.engine.putitem_c16.engine_vs_dynalite.throughput_ratio', tp.putItemRatio, { min: 0.8 });
      figures.add('0.engine.query_c16.engine_vs_dynalite.throughput_ratio', tp.queryRatio, { min: 0.8 });
      figures.add('0.engine.putitem_c16.engine.ops_per_s', tp.engine.putItemOpsPerSec);
      figures.add('0.engine.query_c16.engine.ops_per_s', tp.engine.queryOpsPerSec);
      figures.add('0.engine.putitem_c16.dynalite.ops_per_s', tp.dynalite.putItemOpsPerSec);
      figures.add('0.engine.query_c16.dynalite.ops_per_s', tp.dynalite.queryOpsPerSec);
      figures.add('0.engine.c16_store.engine.rss_mb', tp.engine.rssMb);
      figures.add('0.engine.c16_store.dynalite.rss_mb', tp.dynalite.rssMb);
    },
  },
  {
    id: '1',
    title: 'domain overhead A–D vs bare-SDK floor',
    run: (figures, quick) => domainOverhead(figures, quick ? { iterations: 60, warmup: 10 } : { iterations: 1500, warmup: 150 }),
  },
  {
    id: '3',
    title: 'scale: B 10 vs 10,000 conversations, A 100 vs 100,000 messages',
    run: (figures, quick) =>
      scale(
        figures,
        quick
          ? { conversations: { small: 10, large: 500 }, messages: { small: 100, large: 2_000 }, iterations: 60, warmup: 10 }
          : {
              conversations: { small: 10, large: 10_000 },
              messages: { small: 100, large: 100_000 },
              iterations: 1000,
              warmup: 100,
            },
      ),
  },
  {
    id: '4b+5',
    title: 'pattern E handler on a batch of 100 records over 10 conversations; cost per message vs naive',
    run: (figures, quick) =>
      patternE(figures, quick ? { rounds: 1, warmup: 0, countedRounds: 1 } : { rounds: 20, warmup: 2, countedRounds: 3 }),
  },
  {
    id: '6',
    title: 'cold-start proxy per function: zipped bundle, fresh node load + first call, peak RSS',
    run: (figures, quick) => coldStart(figures, { samples: quick ? 1 : 20 }),
  },
  {
    id: '2+4a',
    title: 'HTTP end to end through the offline stack (c1, c16) vs floor route; stream lag',
    run: (figures, quick) =>
      httpAndStream(
        figures,
        quick
          ? { sequential: 10, concurrent: 32, warmup: 2, lagSamples: 3 }
          : { sequential: 200, concurrent: 800, warmup: 20, lagSamples: 30 },
      ),
  },
  {
    id: '7',
    title:
      "realtime push: POST 200 → other member's socket latency; fan-out requests, RCU/WCU and posts per 1:1 message; idle connections held",
    run: (figures, quick) => push(figures, quick ? { samples: 3, warmup: 1, idle: 20 } : { samples: 50, warmup: 5, idle: 500 }),
  },
  {
    id: '8',
    title:
      'groups (#16): 10 and 100 members — create, one message, a batch of 10 messages through pattern E (requests, WCU, batch time)',
    run: (figures, quick) => groups(figures, { batches: quick ? 1 : 10 }),
  },
  {
    id: '9',
    title: 'caller-profile cache hit ratio under a modelled request mix (simulated clock, real cache class)',
    run: (figures, quick) => cacheHitRatio(figures, quick ? [200] : [200, 2_000, 20_000]),
  },
  {
    id: '10',
    title:
      'edit and delete (#17): requests and WCU of an edit and a delete, and of pattern E on their MODIFY, 1:1 and 10 members',
    run: (figures) => editAndDelete(figures),
  },
  {
    id: '11',
    title:
      '#17 read markers and unread counts: B with the fields vs legacy rows (same page, same run); the cost of a read, of a send with the head, of E',
    run: (figures, quick) => unread(figures, quick ? { iterations: 30, warmup: 5 } : { iterations: 1000, warmup: 100 }),
  },
];

/** The HTTP routes of section 2 and the pattern whose bare DynamoDB requests section 1 times. */
const ROUTE_PATTERNS = { GET_api_messages_group: 'A', GET_api_message_groups: 'B', POST_api_messages: 'C' } as const;

/**
 * Issue #14's HTTP goals, from figures of this one run (sections 1 and 2 both ran):
 * warm route p50 ≤ floor route p50 + 1.2 × the route's bare DynamoDB requests (section 1's
 * floor: the same requests with the bare SDK client), and at concurrency 16 at least half the
 * floor route's requests/s.
 */
function deriveHttpGoals(figures: Figures): void {
  for (const [route, pattern] of Object.entries(ROUTE_PATTERNS)) {
    const p50 = figures.value(`2.${route}.c1.p50_ms`);
    const floorRoute = figures.value(`2.${route}.c1.floor.p50_ms`);
    const bare = figures.value(`1.${pattern}.floor.p50_ms`);
    if (p50 !== undefined && floorRoute !== undefined && bare !== undefined) {
      const goal = floorRoute + 1.2 * bare;
      figures.add(
        `2.${route}.c1.goal_ms`,
        goal,
        undefined,
        `floor route ${floorRoute.toFixed(2)} + 1.2 × bare ${pattern} ${bare.toFixed(2)}`,
      );
      figures.add(`2.${route}.c1.p50_vs_goal_ratio`, p50 / goal, { max: 1 });
    }
    const rps = figures.value(`2.${route}.c16.requests_per_s`);
    const floorRps = figures.value('2.floor.c16.requests_per_s');
    if (rps !== undefined && floorRps !== undefined) {
      figures.add(`2.${route}.c16.vs_floor.requests_per_s_ratio`, rps / floorRps, { min: 0.5 });
    }
  }
}

export async function runBench(options: RunOptions) {
  const figures = new Figures();
  const started = performance.now();
  const sectionSeconds: Record<string, number> = {};
  for (const section of SECTIONS) {
    if (options.only && !options.only.includes(section.id)) continue;
    const t0 = performance.now();
    console.error(`[bench] ${section.id}: ${section.title}…`);
    try {
      await section.run(figures, options.quick);
    } catch (error) {
      // One broken section must not lose the others' figures: it is reported as not done.
      figures.notDone[section.id] = (error as Error).message.split('\n')[0] as string;
      console.error(error);
    }
    sectionSeconds[section.id] = Math.round((performance.now() - t0) / 100) / 10;
    console.error(`[bench] ${section.id}: done in ${sectionSeconds[section.id]} s`);
  }
  deriveHttpGoals(figures);
  const results = {
    mode: options.quick ? 'quick' : 'full',
    finished_at: new Date().toISOString(),
    machine: machine(),
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    section_duration_s: sectionSeconds,
    figures: Object.fromEntries(
      figures.list.map((f) => [
        f.name,
        { value: f.value, ...(f.target ? { target: f.target, met: met(f) } : {}), ...(f.note ? { note: f.note } : {}) },
      ]),
    ),
    not_done: figures.notDone,
  };
  writeFileSync(options.out ?? RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  return { figures, results };
}

async function main() {
  const args = process.argv.slice(2);
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const { figures, results } = await runBench({ quick: args.includes('--quick'), ...(only ? { only } : {}) });
  const m = results.machine;
  console.log(
    `\n${results.mode} run, ${results.duration_s} s — ${m.cpus} cores (${m.cpu_model}), ${m.memory_gb} GB, node ${m.node}\n`,
  );
  console.log(table(figures));
  const misses = figures.list.filter((f) => met(f) === false).length;
  if (Object.keys(figures.notDone).length > 0) process.exitCode = 1;
  console.log(`\n${misses} target(s) missed. Results: ${path.relative(process.cwd(), RESULTS_FILE)}`);
  if (args.includes('--markdown')) {
    const { updateBenchmarksMd } = await import('./lib/markdown');
    updateBenchmarksMd(markdownTable(figures), results);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
