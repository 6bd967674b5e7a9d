/**
 * Timing primitives for the bench: warm-up, many iterations, percentiles, and pairs of
 * (ours, floor) measured interleaved in the same run so drift (GC, JIT, the engine's growing
 * data) lands on both sides alike.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export interface PairResult {
  ours: Summary;
  floor: Summary;
  /** p50(ours) / p50(floor). */
  ratioP50: number;
  /** Median of the per-iteration ratios ours_i / floor_i (each pair ran back to back). */
  pairedRatioP50: number;
}

/**
 * Runs `ours` and `floor` alternately (the order flips every iteration), `warmup` discarded
 * pairs first. `i` is the iteration index, distinct across warm-up and measured runs.
 */
export async function measurePair(
  iterations: number,
  warmup: number,
  ours: (i: number) => Promise<unknown>,
  floor: (i: number) => Promise<unknown>,
): Promise<PairResult> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    let tOurs: number;
    let tFloor: number;
    if (i % 2 === 0) {
      tOurs = await timeOnce(() => ours(i));
      tFloor = await timeOnce(() => floor(i));
    } else {
      tFloor = await timeOnce(() => floor(i));
      tOurs = await timeOnce(() => ours(i));
    }
    if (i >= warmup) {
      a.push(tOurs);
      b.push(tFloor);
    }
  }
  const ratios = a.map((value, i) => value / (b[i] as number));
  const oursSummary = summarize(a);
  const floorSummary = summarize(b);
  return {
    ours: oursSummary,
    floor: floorSummary,
    ratioP50: oursSummary.p50 / floorSummary.p50,
    pairedRatioP50: summarize(ratios).p50,
  };
}

/** `run` `iterations` times after `warmup` discarded runs, one at a time. */
export async function measure(iterations: number, warmup: number, run: (i: number) => Promise<unknown>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const t = await timeOnce(() => run(i));
    if (i >= warmup) samples.push(t);
  }
  return summarize(samples);
}
