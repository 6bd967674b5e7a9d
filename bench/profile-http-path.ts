/**
 * `npm run bench:profile` — where an HTTP request's CPU time goes on the offline stack
 * (issue #14, "explain the HTTP path"). The stack (test/support/stack.ts) runs everything in
 * one Node process — serverless-offline's HTTP server and JWT authorizer, the handlers
 * (`useInProcess`), the local engine, the stream emulation — so its main thread is the
 * bottleneck at concurrency 16. This starts that stack with the inspector on, drives each
 * route at concurrency 16, and takes a CPU profile of the process over exactly that load
 * (Chrome DevTools Protocol over Node's own WebSocket client). Self time is attributed to
 * where the code comes from: the handler bundles are mapped back through their source maps
 * (our domain/handlers code, middy, Powertools, zod, aws-jwt-verify), everything else by
 * package. Prints CPU ms per request by part, per route, and writes bench/profile.json.
 */
import './lib/env';
import { readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { LOCAL_AWS_ENV } from '../local/aws-env';
import { resetConfigForTests } from '../domain/config';
import { resetDynamoClientForTests } from '../domain/dynamodb';
import { formatMicros } from '../domain/time';
import { startStack } from '../test/support/stack';
import { ROOT } from './lib/local-engine';
import { signedInStackUser } from './lib/stack-user';
import { generator } from './lib/random';
import { conversationItems, messageItems, newProfile, pastMicros, profileItems, writeItems } from './lib/seed-data';

const CONCURRENCY = 16;
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 800);

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A minimal Chrome DevTools Protocol session. */
async function inspector(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.onmessage = (message) => {
    const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
    if (data.id !== undefined) waiting.get(data.id)?.(data.result);
  };
  return {
    send<T>(method: string, params: object = {}): Promise<T> {
      const n = ++id;
      socket.send(JSON.stringify({ id: n, method, params }));
      return new Promise((resolve) => waiting.set(n, resolve as (r: unknown) => void));
    },
    close: () => socket.close(),
  };
}

const maps = new Map<string, SourceMap | null>();
function sourceMapOf(file: string): SourceMap | null {
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
    } catch {
      maps.set(file, null);
    }
  }
  return maps.get(file) ?? null;
}

/** Which part of the stack a frame belongs to. */
function partOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const { url, functionName, lineNumber, columnNumber } = frame;
  if (!url)
    return functionName === '(garbage collector)'
      ? 'V8: garbage collection'
      : functionName === '(idle)'
        ? 'idle'
        : 'V8/native (no JS caller)';
  if (url.startsWith('node:')) return 'Node.js core (http, streams, timers…)';
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  // serverless-esbuild's bundles (offline: in ESBUILD_WORK_FOLDER, .local/esbuild-…).
  if (/[\\/]\.(esbuild|local[\\/]esbuild-[^\\/]+)[\\/]/.test(file) && file.endsWith('.js')) {
    const entry = sourceMapOf(file)?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
    if (!entry?.originalSource) return 'handler bundle (unmapped)';
    const source = entry.originalSource;
    file = source.startsWith('file://') ? fileURLToPath(source) : path.resolve(path.dirname(file), source);
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file.split(path.sep).join('/'))?.[1];
  if (pkg) {
    if (
      ['dynalite', 'lock', 'big.js', 'async', 'buffer-crc32', 'lazy', 'functional-red-black-tree'].includes(pkg) ||
      pkg.includes('level')
    ) {
      return 'engine (dynalite + LevelDB-in-memory)';
    }
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/') || pkg === 'fast-xml-parser')
      return 'AWS SDK';
    if (pkg === 'serverless-offline' || pkg.startsWith('@hapi/') || pkg === 'jose' || pkg === 'jsonwebtoken' || pkg === 'ws')
      return 'serverless-offline (HTTP server, authorizer)';
    if (
      ['serverless', 'luxon', 'log', 'log-node', 'sprintf-kit', 'lodash', 'chalk', 'type', 'es5-ext'].includes(pkg) ||
      pkg.startsWith('@coorpacademy/') ||
      pkg.startsWith('@serverless/')
    ) {
      return 'Serverless Framework + offline plugins (request logging)';
    }
    if (pkg.startsWith('@middy/')) return 'middy';
    if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools logger';
    if (pkg === 'zod') return 'zod';
    if (pkg === 'aws-jwt-verify') return 'aws-jwt-verify (token check)';
    if (pkg.includes('dynamodb-streams') || pkg === 'dynamodb-streams-readable') return 'stream emulation';
    if (pkg === 'cognito-local') return 'cognito-local';
    return `other package: ${pkg}`;
  }
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  if (rel.startsWith('local/dynamodb/')) return 'engine (our local/dynamodb layer)';
  if (rel.startsWith('local/')) return 'local stack glue (local/)';
  if (rel.startsWith('domain/')) return 'ours: domain/';
  if (rel.startsWith('handlers/')) return 'ours: handlers/';
  return `other: ${rel.split('/')[0]}`;
}

const OWN_PARTS = new Set(['(garbage collector)', '(idle)', '(program)']);

/**
 * Self time per part. A native frame (JSON.parse, crypto, a builtin) is charged to the nearest
 * JavaScript frame above it, the code that asked for the work; GC, idle and "(program)" stay apart.
 */
function attribute(profile: CpuProfile): Map<string, number> {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of (node as { children?: number[] }).children ?? []) parent.set(child, node.id);
  const owner = (id: number) => {
    let node = byNode.get(id);
    while (node && !node.callFrame.url && !OWN_PARTS.has(node.callFrame.functionName)) {
      const up = parent.get(node.id);
      if (up === undefined) break;
      node = byNode.get(up);
    }
    return node;
  };
  const parts = new Map<string, number>();
  const detail = process.env.PROFILE_DETAIL;
  const functions = new Map<string, number>();
  profile.samples.forEach((nodeId, i) => {
    const node = owner(nodeId);
    if (!node) return;
    if (detail && partOf(node.callFrame).startsWith(detail)) {
      const f = node.callFrame;
      const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '')}:${f.lineNumber + 1}`;
      functions.set(name, (functions.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
    const part = node.callFrame.functionName === '(program)' ? 'V8: (program), not attributable' : partOf(node.callFrame);
    parts.set(part, (parts.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  if (detail) {
    console.log(`top functions in "${detail}" (ms over the whole load):`);
    for (const [name, ms] of [...functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`  ${ms.toFixed(1).padStart(8)}  ${name}`);
  }
  return parts;
}

async function main() {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
  const stack = await startStack();
  delete process.env.NODE_OPTIONS;
  try {
    const log = readFileSync(stack.logFile, 'utf8');
    const wsUrl = /Debugger listening on (ws:\/\/\S+)/.exec(log)?.[1];
    if (!wsUrl) throw new Error('the stack printed no inspector URL');
    Object.assign(process.env, { TABLE_NAME: stack.tableName, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, ...LOCAL_AWS_ENV });
    resetConfigForTests();
    resetDynamoClientForTests();

    const account = {
      email: 'profile@example.com',
      password: 'Profile-Passw0rd!',
      handle: 'profile_http',
      display_name: 'Profile HTTP',
    };
    const { accessToken, caller } = await signedInStackUser(stack, account);
    const gen = generator(9);
    const partner = newProfile(gen, 'partner');
    const group = gen.uuid();
    const others = Array.from({ length: 60 }, (_, i) => newProfile(gen, `o${i}`));
    await writeItems([
      ...[partner, ...others].flatMap(profileItems),
      ...conversationItems(caller, partner, group, 'hello', formatMicros(pastMicros(1))),
      ...messageItems(gen, group, [caller, partner], 200, pastMicros(2)),
      ...others.flatMap((o, i) =>
        conversationItems(caller, o, gen.uuid(), gen.text(2, 6), formatMicros(pastMicros(3) - i * 1e6)),
      ),
    ]);

    const auth = { authorization: `Bearer ${accessToken}` };
    let n = 0;
    const routes: Record<string, () => Promise<Response>> = {
      'GET /bench/floor': () => fetch(`${stack.apiUrl}/bench/floor`, { headers: auth }),
      'A GET /api/messages/{group}': () => fetch(`${stack.apiUrl}/api/messages/${group}`, { headers: auth }),
      'B GET /api/message_groups': () => fetch(`${stack.apiUrl}/api/message_groups`, { headers: auth }),
      'C POST /api/messages': () =>
        fetch(`${stack.apiUrl}/api/messages`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ message_group_uuid: group, message: `profile ${n++}` }),
        }),
      'GET /api/users/@{handle}/short': () => fetch(`${stack.apiUrl}/api/users/@${partner.handle}/short`),
    };
    const call = async (request: () => Promise<Response>) => {
      const response = await request();
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    };
    for (const request of Object.values(routes)) for (let i = 0; i < 20; i++) await call(request);

    const cdp = await inspector(wsUrl);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    const results: Record<string, { requests_per_s: number; cpu_ms_per_request: Record<string, number> }> = {};
    for (const [name, request] of Object.entries(routes)) {
      await cdp.send('Profiler.start');
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < REQUESTS) await call(request);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const { profile } = await cdp.send<{ profile: CpuProfile }>('Profiler.stop');
      const parts = [...attribute(profile).entries()].sort((a, b) => b[1] - a[1]);
      results[name] = {
        requests_per_s: Math.round((REQUESTS / seconds) * 10) / 10,
        cpu_ms_per_request: Object.fromEntries(parts.map(([part, ms]) => [part, Math.round((ms / REQUESTS) * 1000) / 1000])),
      };
      // Let the stream emulation catch up with the sends before the next route.
      await new Promise((r) => setTimeout(r, 1500));
    }
    cdp.close();
    writeFileSync(path.join(ROOT, 'bench', 'profile.json'), `${JSON.stringify(results, null, 2)}\n`);
    for (const [name, r] of Object.entries(results)) {
      console.log(`\n${name}: ${r.requests_per_s} requests/s at concurrency ${CONCURRENCY}; main-thread CPU ms per request:`);
      for (const [part, ms] of Object.entries(r.cpu_ms_per_request))
        if (ms >= 0.01) console.log(`  ${ms.toFixed(3).padStart(8)}  ${part}`);
    }
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
