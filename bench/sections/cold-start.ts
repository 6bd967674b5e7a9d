/**
 * (6) Cold-start proxy per function. `sls package --stage prod` (the deployed shape:
 * minified, one bundle per handler), then per function: the zipped size of its bundle and
 * source map as packaged, and the time for a fresh `node` process to load the bundle and
 * serve one real invocation against a fresh local engine and cognito-local (p50 of N), with
 * the process's peak RSS. The AWS SDK is not bundled (the Lambda runtime provides it), so the
 * child resolves it from node_modules, as Lambda resolves it from the runtime.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { reportMessage } from '../../domain/reports';
import { formatMicros } from '../../domain/time';
import { createUserProfile } from '../../domain/users';
import { ensurePoolAndClient, login, signUpUsers, start as startCognito } from '../../local/cognito';
import { streamEvent, tapStream } from '../../test/support/stream-events';
import type { Figures } from '../lib/figures';
import { ROOT, startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { conversationItems, newProfile, pastMicros, profileItems, writeItems } from '../lib/seed-data';
import { summarize } from '../lib/stats';
import { readZip } from '../lib/zip';
import { freePort } from '../../test/support/ports';
import { LOCAL_AWS_ENV } from '../../local/aws-env';

export interface Settings {
  samples: number;
}

const BUNDLE_TARGET_KB = { max: 250 };
const COLD_START_TARGET_MS = { max: 150 };
const CHILD = path.join(__dirname, '..', 'lib', 'cold-start-child.js');
const WARM_CHILD = path.join(__dirname, '..', 'lib', 'warm-calls-child.js');
/** Warm calls per pattern after the first (cold) one, counted on the wire. */
const WARM_CALLS = 10;
/**
 * Sequential DynamoDB round trips per warm call (issue #14): the caller's profile comes from the
 * warm container's cache, so what remains is the route's own requests.
 */
const ROUND_TRIP_TARGETS = { A: { max: 1 }, B: { max: 1 }, C: { max: 2 }, D: { max: 2 } } as const;
type Pattern = keyof typeof ROUND_TRIP_TARGETS;

interface PackagedFunction {
  name: string;
  handler: string;
}

export async function coldStart(figures: Figures, settings: Settings): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cruddur-bench-cold-'));
  const engine = await startEngine();
  let cognito: Awaited<ReturnType<typeof startCognito>> | undefined;
  try {
    const packageDir = path.join(scratch, 'package');
    const packagedAt = performance.now();
    await run(process.execPath, [
      path.join(ROOT, 'node_modules/serverless/bin/serverless.js'),
      'package',
      '--stage',
      'prod',
      '--package',
      packageDir,
    ]);
    figures.add('6.sls_package_prod.duration_ms', performance.now() - packagedAt);

    const state = JSON.parse(readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8')) as {
      service: { functions: Record<string, { handler: string }> };
    };
    const functions: PackagedFunction[] = Object.entries(state.service.functions).map(([name, fn]) => ({
      name,
      handler: fn.handler,
    }));
    const entries = readZip(path.join(packageDir, 'cruddur-messaging.zip'));
    const bundleDir = path.join(scratch, 'bundle');
    for (const entry of entries) {
      const target = path.join(bundleDir, entry.name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.read());
    }

    // Real dependencies for real invocations: the engine with data, Cognito with a user.
    const events = await prepareEvents(scratch, (c) => (cognito = c));

    const boots: number[] = [];
    for (const fn of functions) {
      const file = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`;
      const exportName = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
      const own = entries.filter((e) => e.name === file || e.name === `${file}.map`);
      const js = entries.find((e) => e.name === file);
      if (!js) throw new Error(`${file} (function ${fn.name}) is not in the package`);
      figures.add(
        `6.${fn.name}.bundle_zipped_with_map_kb`,
        own.reduce((sum, e) => sum + e.zippedBytes, 0) / 1024,
        BUNDLE_TARGET_KB,
      );
      figures.add(`6.${fn.name}.bundle_zipped_js_only_kb`, js.zippedBytes / 1024);
      figures.add(`6.${fn.name}.bundle_unzipped_js_kb`, js.size / 1024);

      const event = events.env && events.byFunction[fn.name];
      if (!event) {
        figures.notDone[`6.${fn.name}.cold_start`] =
          'no representative event defined for this function in bench/sections/cold-start.ts';
        continue;
      }
      const eventFile = path.join(scratch, `${fn.name}.event.json`);
      writeFileSync(eventFile, JSON.stringify(event.event));
      const samples: Array<Record<string, number>> = [];
      for (let i = 0; i < settings.samples; i++) {
        const output = await run(
          process.execPath,
          ['--enable-source-maps', CHILD, path.join(bundleDir, file), exportName, eventFile],
          {
            ...process.env,
            ...events.env,
            NODE_PATH: path.join(ROOT, 'node_modules'),
          },
        );
        const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
        if (!line) throw new Error(`${fn.name}: cold start run printed no result:\n${output.slice(-2000)}`);
        const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, number>;
        if (!event.ok(result)) throw new Error(`${fn.name}: invocation did not succeed: ${line}`);
        samples.push(result);
      }
      const p50 = (key: string) => summarize(samples.map((s) => s[key] as number)).p50;
      // Node's own start-up (≈ an empty `node -e`) is reported apart: the target is on what
      // our bundle adds, loading it and serving the first call.
      figures.add(
        `6.${fn.name}.load_plus_first_call.p50_ms`,
        summarize(samples.map((s) => (s.load_ms as number) + (s.first_call_ms as number))).p50,
        COLD_START_TARGET_MS,
      );
      figures.add(`6.${fn.name}.load.p50_ms`, p50('load_ms'));
      figures.add(`6.${fn.name}.first_call.p50_ms`, p50('first_call_ms'));
      figures.add(`6.${fn.name}.process_start_to_first_response.p50_ms`, p50('total_ms'));
      figures.add(`6.${fn.name}.peak_rss_mb`, summarize(samples.map((s) => s.peak_rss_mb as number)).max);
      boots.push(...samples.map((s) => s.boot_ms as number));
    }
    await warmRoundTrips(figures, scratch, bundleDir, functions, events);
    figures.add(
      '6.node_boot_before_bundle.p50_ms',
      summarize(boots).p50,
      undefined,
      'node start-up until the first line of the child script',
    );
  } finally {
    await cognito?.stop();
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Per pattern, in one fresh process on the packaged bundle: one cold call, then WARM_CALLS warm
 * ones, with the profile cache as deployed and with it effectively off (a 1 ms TTL), each
 * DynamoDB request counted by bench/lib/warm-calls-child.js.
 */
async function warmRoundTrips(
  figures: Figures,
  scratch: string,
  bundleDir: string,
  functions: PackagedFunction[],
  events: Awaited<ReturnType<typeof prepareEvents>>,
): Promise<void> {
  const variants = [
    { name: '', env: {} },
    { name: 'no_profile_cache.', env: { PROFILE_CACHE_TTL_MS: '1' } },
  ];
  for (const [variantIndex, variant] of variants.entries()) {
    for (const pattern of Object.keys(ROUND_TRIP_TARGETS) as Pattern[]) {
      const { functionName, events: calls } = events.warm(pattern, variantIndex);
      const fn = functions.find((f) => f.name === functionName);
      if (!fn) throw new Error(`function ${functionName} is not in the package`);
      const file = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`;
      const eventsFile = path.join(scratch, `${pattern}.${variantIndex}.warm-events.json`);
      writeFileSync(eventsFile, JSON.stringify(calls));
      const output = await run(
        process.execPath,
        [WARM_CHILD, path.join(bundleDir, file), fn.handler.slice(fn.handler.lastIndexOf('.') + 1), eventsFile],
        { ...process.env, ...events.env, ...variant.env, NODE_PATH: path.join(ROOT, 'node_modules') },
      );
      const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) throw new Error(`${pattern}: warm calls printed no result:\n${output.slice(-2000)}`);
      const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
        calls: Array<{ status: number; ms: number; requests: number; round_trips: number; ops: string }>;
      };
      const failed = result.calls.find((c) => c.status !== 200);
      if (failed) throw new Error(`${pattern}: a warm call answered ${failed.status}`);
      const [cold, ...warm] = result.calls;
      const worst = warm.reduce((a, b) => (b.round_trips > a.round_trips ? b : a));
      const prefix = `6.${pattern}.${variant.name}`;
      figures.add(
        `${prefix}sequential_round_trips_count`,
        worst.round_trips,
        variant.name === '' ? ROUND_TRIP_TARGETS[pattern] : undefined,
        worst.ops,
      );
      figures.add(`${prefix}requests_per_warm_call_count`, summarize(warm.map((c) => c.requests)).max);
      figures.add(`${prefix}cold_call.sequential_round_trips_count`, cold?.round_trips ?? 0);
      figures.add(`${prefix}warm_call.p50_ms`, summarize(warm.map((c) => c.ms)).p50);
    }
  }
}

interface Invocation {
  event: unknown;
  ok(result: Record<string, number>): boolean;
}

async function prepareEvents(scratch: string, keep: (c: Awaited<ReturnType<typeof startCognito>>) => void) {
  const gen = generator(6);
  const port = await freePort();
  const cognito = await startCognito({ port, dir: path.join(scratch, 'cognito') });
  keep(cognito);
  const { userPoolId, clientId } = await ensurePoolAndClient({
    endpoint: cognito.endpoint,
    poolName: 'bench',
    clientName: 'bench',
  });
  const account = {
    email: 'bench@example.com',
    password: 'Bench-Passw0rd!',
    handle: 'bench_caller',
    display_name: 'Bench Caller',
  };
  await signUpUsers({ endpoint: cognito.endpoint, userPoolId, clientId, users: [account] });
  const { accessToken } = await login({ endpoint: cognito.endpoint, clientId, email: account.email, password: account.password });
  const sub = JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()).sub as string;

  const caller = await createUserProfile({
    handle: account.handle,
    display_name: account.display_name,
    email: account.email,
    cognito_user_id: sub,
  });
  const partner = newProfile(gen, 'partner');
  const group = gen.uuid();
  // Pattern D starts a new conversation per call: a fresh counterpart for each, in each variant.
  const strangers = Array.from({ length: 2 * (WARM_CALLS + 1) }, (_, i) => newProfile(gen, `stranger${i}`));
  // Group routes (#16): two more people and a group the caller owns.
  const [second, third] = [newProfile(gen, 'second'), newProfile(gen, 'third')];
  await writeItems([
    ...[partner, second, third, ...strangers].flatMap(profileItems),
    ...conversationItems(caller, partner, group, 'hello', formatMicros(pastMicros(1))),
  ]);
  const owned = (await createGroup(caller, { title: 'Cold start', handles: [partner.handle, second.handle] })).conversation
    .message_group_uuid;
  // Safety: a user to block (no conversation with the caller, so the sends below stay allowed)
  // and a report of the partner's message for the report functions. Before the stream tap, so
  // the stream functions get the newest message of the conversation, as before.
  const stranger = newProfile(gen, 'stranger');
  await writeItems(profileItems(stranger));
  const reported = await createMessage(group, partner, 'a message to report');
  const report = await reportMessage(caller, group, reported.message_uuid, 'bench');
  // Edit and delete (#17): the caller's own messages (repeats answer the same: 200 each time).
  const toEdit = await createMessage(group, caller, 'a message to edit');
  const toDelete = await createMessage(group, caller, 'a message to delete');
  const tap = await tapStream();
  await createMessage(group, caller, 'a message for the stream handler');
  const records = await tap.read();
  tap.close();

  const env = {
    TABLE_NAME: process.env.TABLE_NAME as string,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT as string,
    ...LOCAL_AWS_ENV,
    COGNITO_USER_POOL_ID: userPoolId,
    COGNITO_CLIENT_ID: clientId,
    COGNITO_ISSUER: `${cognito.issuerDomain}/${userPoolId}`,
    COGNITO_ENDPOINT: cognito.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // pushEvents: the caller has no connection, so nothing is posted (the load and reads are measured).
    WEBSOCKET_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9',
  };
  const http = (method: string, rawPath: string, routeKey: string, extra: Record<string, unknown> = {}) => ({
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey,
      stage: '$default',
    },
    isBase64Encoded: false,
    ...extra,
  });
  const status200 = (r: Record<string, number>) => r.status === 200;
  const returned = () => true;
  const byFunction: Record<string, Invocation> = {
    listMessageGroups: { event: http('GET', '/api/message_groups', 'GET /api/message_groups'), ok: status200 },
    listMessages: {
      event: http('GET', `/api/messages/${group}`, 'GET /api/messages/{message_group_uuid}', {
        pathParameters: { message_group_uuid: group },
      }),
      ok: status200,
    },
    createMessage: {
      event: http('POST', '/api/messages', 'POST /api/messages', {
        body: JSON.stringify({ message: 'cold start', message_group_uuid: group }),
      }),
      ok: status200,
    },
    getUserShort: {
      event: http('GET', `/api/users/@${partner.handle}/short`, 'GET /api/users/{handle}/short', {
        pathParameters: { handle: `@${partner.handle}` },
      }),
      ok: status200,
    },
    createGroup: {
      event: http('POST', '/api/message_groups', 'POST /api/message_groups', {
        body: JSON.stringify({ title: 'cold start', handles: [partner.handle, second.handle] }),
      }),
      ok: (r) => r.status === 201,
    },
    getMessageGroup: {
      event: http('GET', `/api/message_groups/${owned}`, 'GET /api/message_groups/{message_group_uuid}', {
        pathParameters: { message_group_uuid: owned },
      }),
      ok: status200,
    },
    renameGroup: {
      event: http('PATCH', `/api/message_groups/${owned}`, 'PATCH /api/message_groups/{message_group_uuid}', {
        pathParameters: { message_group_uuid: owned },
        body: JSON.stringify({ title: 'renamed' }),
      }),
      ok: status200,
    },
    // Every sample after the first finds third a member already (409): the same reads, no write.
    addGroupMember: {
      event: http('POST', `/api/message_groups/${owned}/members`, 'POST /api/message_groups/{message_group_uuid}/members', {
        pathParameters: { message_group_uuid: owned },
        body: JSON.stringify({ handle: third.handle }),
      }),
      ok: (r) => r.status === 200 || r.status === 409,
    },
    setMemberRole: {
      event: http(
        'PUT',
        `/api/message_groups/${owned}/members/${second.handle}`,
        'PUT /api/message_groups/{message_group_uuid}/members/{handle}',
        {
          pathParameters: { message_group_uuid: owned, handle: second.handle },
          body: JSON.stringify({ role: 'admin' }),
        },
      ),
      ok: status200,
    },
    // After the first sample partner is gone (404 after the same read).
    removeGroupMember: {
      event: http(
        'DELETE',
        `/api/message_groups/${owned}/members/${partner.handle}`,
        'DELETE /api/message_groups/{message_group_uuid}/members/{handle}',
        {
          pathParameters: { message_group_uuid: owned, handle: partner.handle },
        },
      ),
      ok: (r) => r.status === 204 || r.status === 404,
    },
    markRead: {
      event: http('POST', `/api/message_groups/${group}/read`, 'POST /api/message_groups/{message_group_uuid}/read', {
        pathParameters: { message_group_uuid: group },
        body: '{}',
      }),
      ok: status200,
    },
    editMessage: {
      event: http(
        'PATCH',
        `/api/messages/${group}/${toEdit.message_uuid}`,
        'PATCH /api/messages/{message_group_uuid}/{message_uuid}',
        {
          pathParameters: { message_group_uuid: group, message_uuid: toEdit.message_uuid },
          body: '{"message":"an edited message"}',
        },
      ),
      ok: status200,
    },
    deleteMessage: {
      event: http(
        'DELETE',
        `/api/messages/${group}/${toDelete.message_uuid}`,
        'DELETE /api/messages/{message_group_uuid}/{message_uuid}',
        {
          pathParameters: { message_group_uuid: group, message_uuid: toDelete.message_uuid },
        },
      ),
      ok: status200,
    },
    preSignUp: {
      event: {
        version: '1',
        triggerSource: 'PreSignUp_SignUp',
        region: 'us-east-1',
        userPoolId,
        userName: `presignup-${sub}`,
        callerContext: { awsSdkVersion: 'bench', clientId },
        // A fresh handle: admitted, so the first call runs the whole check (one GetItem).
        request: {
          userAttributes: {
            email: `presignup-${sub}@example.com`,
            preferred_username: `bench_${sub.slice(0, 8)}`,
            name: 'Bench User',
          },
        },
        response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
      },
      ok: returned,
    },
    postConfirmation: {
      event: {
        version: '1',
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        region: 'us-east-1',
        userPoolId,
        userName: sub,
        callerContext: { awsSdkVersion: 'bench', clientId },
        request: {
          userAttributes: { sub, email: account.email, preferred_username: account.handle, name: account.display_name },
        },
        response: {},
      },
      ok: returned,
    },
    updateConversationRows: { event: streamEvent(records), ok: (r) => r.failures === 0 },
    pushEvents: { event: streamEvent(records), ok: (r) => r.failures === 0 },
    wsConnect: {
      event: {
        requestContext: { connectionId: 'bench-cold-start', routeKey: '$connect', eventType: 'CONNECT' },
        headers: { 'Sec-WebSocket-Protocol': `cruddur.v1, ${accessToken}` },
      },
      ok: status200,
    },
    wsDisconnect: {
      event: { requestContext: { connectionId: 'bench-cold-start', routeKey: '$disconnect', eventType: 'DISCONNECT' } },
      ok: status200,
    },
    wsDefault: {
      event: { requestContext: { connectionId: 'bench-cold-start', routeKey: '$default' }, body: '{"type":"ping"}' },
      ok: status200,
    },
    blockUser: {
      event: http('POST', `/api/users/@${stranger.handle}/block`, 'POST /api/users/{handle}/block', {
        pathParameters: { handle: `@${stranger.handle}` },
      }),
      ok: status200,
    },
    unblockUser: {
      event: http('DELETE', `/api/users/@${stranger.handle}/block`, 'DELETE /api/users/{handle}/block', {
        pathParameters: { handle: `@${stranger.handle}` },
      }),
      ok: status200,
    },
    listBlocks: { event: http('GET', '/api/blocks', 'GET /api/blocks'), ok: status200 },
    reportMessage: {
      event: http(
        'POST',
        `/api/messages/${group}/${reported.message_uuid}/report`,
        'POST /api/messages/{message_group_uuid}/{message_uuid}/report',
        {
          pathParameters: { message_group_uuid: group, message_uuid: reported.message_uuid },
          body: JSON.stringify({ reason: 'bench' }),
        },
      ),
      ok: status200,
    },
    listReports: { event: {}, ok: returned },
    resolveReport: { event: { report_id: report.report_id, resolution: 'bench' }, ok: returned },
    seed: { event: {}, ok: returned },
    scan: { event: {}, ok: returned },
    listConversations: { event: { handle: account.handle }, ok: returned },
    getConversation: { event: { message_group_uuid: group }, ok: returned },
    adoptLegacyConversations: { event: {}, ok: returned }, // dry run: writes nothing
    syncCognitoUsers: { event: {}, ok: returned },
    // `enable` of a user who is not disabled: the full path (lookup + transaction), no effect on tokens.
    userAccess: { event: { handle: account.handle, action: 'enable' }, ok: returned },
  };
  const send = (body: Record<string, string>) =>
    http('POST', '/api/messages', 'POST /api/messages', { body: JSON.stringify(body) });
  /** The events of one warm-calls run: the first is the cold call. */
  const warm = (pattern: Pattern, variant: number) => {
    const calls = WARM_CALLS + 1;
    switch (pattern) {
      case 'A':
        return {
          functionName: 'listMessages',
          events: Array.from({ length: calls }, () => (byFunction.listMessages as Invocation).event),
        };
      case 'B':
        return {
          functionName: 'listMessageGroups',
          events: Array.from({ length: calls }, () => (byFunction.listMessageGroups as Invocation).event),
        };
      case 'C':
        return {
          functionName: 'createMessage',
          events: Array.from({ length: calls }, (_, i) => send({ message: `warm ${variant}.${i}`, message_group_uuid: group })),
        };
      case 'D':
        return {
          functionName: 'createMessage',
          events: strangers
            .slice(variant * calls, (variant + 1) * calls)
            .map((stranger, i) => send({ message: `start ${variant}.${i}`, handle: stranger.handle })),
        };
    }
  };
  return { env, byFunction, warm };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`)),
    );
  });
}
