/**
 * Keeps `npm run bench` from rotting: the quick mode runs once, end to end, and must report
 * every figure. Speed is never asserted here — BENCHMARKS.md holds the targets.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

const ROOT = path.join(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results.json');

interface Results {
  mode: string;
  machine: { cpus: number; memory_gb: number; node: string };
  figures: Record<string, { value: number }>;
  not_done: Record<string, string>;
}

/** Deployed functions, from serverless.yml (the dev-only bench floor is a param reference there). */
function deployedFunctions(): string[] {
  const anyTag = ['scalar', 'sequence', 'mapping'].map(
    (kind) => new yaml.Type('!', { kind: kind as 'scalar', multi: true, construct: (d: unknown) => d }),
  );
  const doc = yaml.load(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), {
    schema: yaml.DEFAULT_SCHEMA.extend(anyTag),
  }) as {
    functions: Record<string, unknown>;
  };
  return Object.entries(doc.functions)
    .filter(([, fn]) => typeof fn === 'object' && fn !== null)
    .map(([name]) => name);
}

const summary = (prefix: string) => ['p50', 'p95', 'p99', 'min', 'max'].map((p) => `${prefix}.${p}_ms`);
const patterns = ['A', 'B', 'C', 'D'];
const routes = ['GET_api_message_groups', 'GET_api_messages_group', 'POST_api_messages', 'GET_api_users_handle_short'];
const batch = '4b.batch_100_records_10_conversations';

function expectedFigures(): Array<string | RegExp> {
  return [
    '0.engine.putitem.engine_vs_dynalite.p50_ratio',
    '0.engine.query.engine_vs_dynalite.p50_ratio',
    '0.engine.putitem_c16.engine_vs_dynalite.throughput_ratio',
    '0.engine.query_c16.engine_vs_dynalite.throughput_ratio',
    ...patterns.flatMap((p) => [
      ...summary(`1.${p}.domain`),
      ...summary(`1.${p}.floor`),
      `1.${p}.domain_vs_floor.p50_ratio`,
      ...['domain', 'floor'].flatMap((side) => [
        `1.${p}.${side}.requests_per_call_count`,
        `1.${p}.${side}.per_call_rcu`,
        `1.${p}.${side}.per_call_wcu`,
      ]),
    ]),
    // #21 item 6: a non-member's 404, existing conversation vs random uuid, indistinguishable.
    '1.A.non_member.existing_vs_random.paired_median_ratio',
    '1.A.non_member.existing_slower.share',
    /^3\.B\.conversations_\d+_vs_\d+\.page_\d+\.p50_ratio$/,
    /^3\.A\.messages_\d+_vs_\d+\.page_\d+\.p50_ratio$/,
    ...summary(`${batch}.handler`),
    `${batch}.handler.transact_writes_count`,
    `${batch}.handler.item_writes_count`,
    `${batch}.handler.requests_count`,
    ...summary(`${batch}.naive`),
    `${batch}.naive.item_writes_count`,
    '5.per_message.ours_C_plus_E.batched_100_over_10.wcu',
    '5.per_message.ours_C_plus_E.batched_100_over_10.rcu',
    '5.per_message.ours_C_plus_E.one_message_per_batch.wcu',
    '5.per_message.naive_C_plus_E.wcu',
    '5.per_message.naive_C_plus_E.rcu',
    ...deployedFunctions().flatMap((fn) => [
      `6.${fn}.bundle_zipped_with_map_kb`,
      `6.${fn}.load_plus_first_call.p50_ms`,
      `6.${fn}.process_start_to_first_response.p50_ms`,
      `6.${fn}.peak_rss_mb`,
    ]),
    ...routes.flatMap((r) => [
      `2.${r}.c1.p50_ms`,
      `2.${r}.c1.p95_ms`,
      `2.${r}.c1.vs_floor.p50_ratio`,
      `2.${r}.c16.p50_ms`,
      `2.${r}.c16.p95_ms`,
      `2.${r}.c16.requests_per_s`,
    ]),
    ...patterns.flatMap((p) => [
      `6.${p}.sequential_round_trips_count`,
      `6.${p}.requests_per_warm_call_count`,
      `6.${p}.warm_call.p50_ms`,
      `6.${p}.no_profile_cache.sequential_round_trips_count`,
      `6.${p}.no_profile_cache.warm_call.p50_ms`,
    ]),
    ...['GET_api_message_groups', 'GET_api_messages_group', 'POST_api_messages'].flatMap((r) => [
      `2.${r}.c1.p50_vs_goal_ratio`,
      `2.${r}.c16.vs_floor.requests_per_s_ratio`,
    ]),
    /^9\.profile_cache\.users_\d+\.hit_ratio$/,
    '2.floor.c16.requests_per_s',
    '2.offline_stack.c16.peak_rss_mb',
    '4a.stream_lag_put_to_both_rows.p50_ms',
    '4a.stream_lag_put_to_both_rows.p95_ms',
    ...summary('7a.push_latency_post_200_to_socket'),
    ...['one_batch', 'one_record_per_batch'].flatMap((mode) =>
      ['dynamodb_requests_count', 'rcu', 'wcu', 'post_to_connection_count'].map(
        (figure) => `7b.per_message_1to1.${mode}.${figure}`,
      ),
    ),
    '7c.idle_connections.count',
    '7c.idle_connections.stack_rss_mb',
    '7c.idle_connections.stack_rss_per_connection_kb',
    '7c.fan_out_to_idle_connections.post_200_to_last_socket_ms',
    ...[10, 100].flatMap((size) =>
      ['create', 'per_message.send_C', 'per_message.E_one_message_per_batch', 'per_batch_of_10_messages.E']
        .flatMap((what) => ['requests_count', 'transact_writes_count', 'wcu'].map((f) => `8.group_${size}_members.${what}.${f}`))
        .concat([
          `8.group_${size}_members.per_batch_of_10_messages.E.per_message_wcu`,
          `8.group_${size}_members.per_batch_of_10_messages.E.handler.p50_ms`,
        ]),
    ),
    // #17: B with unread counts against legacy rows in the same run; the cost of a read, a send, E.
    ...summary('11.B.with_unread'),
    ...summary('11.B.legacy_rows'),
    '11.B.with_unread_vs_legacy.p50_ratio',
    ...[
      'B.with_unread.per_call',
      'B.legacy_rows.per_call',
      'send_C_with_head',
      'E_one_message_per_batch',
      'read.partial',
      'read.to_newest',
      'read.unchanged',
    ].flatMap((what) => ['requests_count', 'rcu', 'wcu'].map((f) => `11.${what}.${f}`)),
  ];
}

describe('npm run bench -- --quick', () => {
  let results: Results;

  beforeAll(() => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/run.ts', '--quick'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: process.env,
    });
    if (run.status !== 0)
      throw new Error(`bench --quick failed (${run.status}):\n${run.stderr?.slice(-4000)}\n${run.stdout?.slice(-2000)}`);
    results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
  }, 300_000);

  test('completes in quick mode and records the machine it ran on', () => {
    expect(results.mode).toBe('quick');
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
  });

  test('reports every figure of every section as a finite number, none skipped', () => {
    const names = Object.keys(results.figures);
    const missing = expectedFigures().filter((expected) =>
      typeof expected === 'string' ? !(expected in results.figures) : !names.some((name) => expected.test(name)),
    );
    expect(missing).toEqual([]);
    const notFinite = names.filter((name) => !Number.isFinite(results.figures[name]?.value));
    expect(notFinite).toEqual([]);
    expect(results.not_done).toEqual({});
  });
});
