/**
 * Property-based fuzzing (fast-check) of every route's body, path and query over HTTP.
 * Properties: no response is a 5xx; every rejection is a 4xx JSON error envelope; and a
 * before/after scan of the whole table finds no item that a rejected request wrote — every
 * new or changed item is explained by a request that was accepted (200).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { recordFigure } from './figures';
import { call, conversation, expiredByTtl, newClient, settledScan, type Client, type Item, type Reply } from './support';
import { groupUuidOfMessagePartition, keys, userUuidOfConversationPartition } from '../../domain/keys';

const RUNS_PER_PROPERTY = 420; // × 5 properties ≥ 2,000 inputs
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);

let me: Client, friend: Client, stranger: Client, outsider: Client;
let mine: string, theirs: string;
let myCursor: string, theirCursor: string, myListCursor: string;

const stats = { inputs: 0, gatewayRejections: 0, serverErrors: [] as string[], badEnvelopes: [] as string[] };

/** A 4xx from the HTTP server in front of the Lambdas (serverless-offline's hapi; API Gateway on AWS). */
function isGatewayRejection(reply: Reply): boolean {
  const unmatchedRoute =
    reply.status === 404 && (/route not found/i.test(String(reply.body?.error)) || reply.body?.message === 'Not Found');
  const unparsablePath =
    reply.status === 400 && (reply.text === '' || (reply.body?.statusCode === 400 && reply.body?.error === 'Bad Request'));
  return unmatchedRoute || unparsablePath || ((reply.status === 414 || reply.status === 431) && reply.text === '');
}
const accepted = { messageUuids: new Set<string>(), groups: new Set<string>() };

beforeAll(async () => {
  [me, friend, stranger, outsider] = [
    await newClient('fz_me'),
    await newClient('fz_fr'),
    await newClient('fz_st'),
    await newClient('fz_out'),
  ];
  mine = await conversation(me, friend, 'one');
  await conversation(me, stranger, 'other conversation');
  theirs = await conversation(stranger, outsider, 'not yours');
  for (const [token, group] of [
    [me.accessToken, mine],
    [stranger.accessToken, theirs],
  ] as const) {
    await call('POST', '/api/messages', { token, json: { message_group_uuid: group, message: 'two' } });
  }
  myCursor = (await call('GET', `/api/messages/${mine}?limit=1`, { token: me.accessToken })).headers.get('x-next-cursor')!;
  theirCursor = (await call('GET', `/api/messages/${theirs}?limit=1`, { token: stranger.accessToken })).headers.get(
    'x-next-cursor',
  )!;
  myListCursor = (await call('GET', '/api/message_groups?limit=1', { token: me.accessToken })).headers.get('x-next-cursor')!;
  if (!myCursor || !theirCursor || !myListCursor) throw new Error('fixtures: expected next cursors on one-item pages');
}, 120_000);

function observe(what: string, reply: Reply): void {
  stats.inputs++;
  if (reply.status >= 500) stats.serverErrors.push(`${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
  else if (
    reply.status >= 400 &&
    (typeof reply.body?.error?.code !== 'string' || typeof reply.body?.error?.message !== 'string')
  ) {
    // The gateway answers some requests before any Lambda runs: the authorizer's 401
    // {"message":"Unauthorized"}, a 404 for a path no route matches (an empty
    // `/api/messages/` segment), a 400 for a path that is not valid UTF-8 or too long to
    // parse. All are 4xx and write nothing; counted apart from our handlers' answers.
    if (reply.status === 401) return;
    if (isGatewayRejection(reply)) stats.gatewayRejections++;
    else stats.badEnvelopes.push(`${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
  }
  if (reply.status === 200 && what.startsWith('POST')) {
    accepted.messageUuids.add(reply.body.uuid);
    if (reply.body.message_group_uuid) accepted.groups.add(reply.body.message_group_uuid);
  }
}

// --- generators -------------------------------------------------------------------------

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes out as its
 * WTF-8 bytes: a path segment that is not valid UTF-8, which the API must also survive.
 */
function encodeSegment(text: string): string {
  let out = '';
  for (const ch of text) {
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\t\n ',
    '\u0000',
    '\u001b[31m',
    '\u202e',
    '\ud800',
    '\udfff',
    '#',
    '/',
    '..',
    '../..',
    'MSG#',
    'GRP#',
    '%00',
    '💩',
  ),
  fc.constantFrom('x'.repeat(1025), 'é'.repeat(1025), ' '.repeat(2000), 'y'.repeat(20_000)),
);
const groupValue = () =>
  fc.oneof(
    fc.constantFrom(mine, theirs, mine.toUpperCase(), randomUUID(), `${theirs}#`, `MSG#${theirs}`),
    fc.uuid().map(String),
    nasty,
    fc.anything(),
  );
const messageValue = fc.oneof(
  nasty,
  fc.anything(),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => `ok ${s}`),
);
const handleValue = () =>
  fc.oneof(fc.constantFrom(friend.handle, stranger.handle, me.handle, 'nobody_here'), nasty, fc.anything());

const body = () =>
  fc.oneof(
    fc.record({ message: messageValue, message_group_uuid: groupValue() }, { requiredKeys: [] }),
    fc.record({ message: messageValue, handle: handleValue() }, { requiredKeys: [] }),
    fc.record({ message: messageValue, handle: handleValue(), message_group_uuid: groupValue() }),
    fc.record({ message: messageValue, message_group_uuid: fc.constant(mine), extra: fc.anything() }),
    fc.jsonValue(),
    fc.anything(),
  );

type Raw = { raw: string | Buffer; contentType?: string };
const rawBody: fc.Arbitrary<Raw> = fc.oneof(
  fc.string().map((raw) => ({ raw })),
  fc.constantFrom<Raw>(
    { raw: '{"message": "x", "message_group_uuid": ' },
    { raw: '{"message": "x"}}' },
    { raw: 'null' },
    { raw: '[]' },
    { raw: '"string"' },
    { raw: '{"message": "ok", "message_group_uuid": "00000000-0000-0000-0000-000000000000"}', contentType: 'text/plain' },
    { raw: Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) },
    { raw: `{"message": "${'z'.repeat(17 * 1024)}", "message_group_uuid": "x"}` },
  ),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ raw: Buffer.from(bytes) })),
);

const pathSegment = () =>
  fc
    .oneof(fc.constantFrom(mine, theirs, randomUUID(), mine.toUpperCase()), fc.string(), nasty, fc.uuid().map(String))
    .map(encodeSegment);
const cursorValue = () =>
  fc.oneof(
    fc.constantFrom(myCursor, theirCursor, myListCursor, `${myCursor}x`, myCursor.slice(0, -2), myCursor.toUpperCase()),
    // Tampered: a valid-looking cursor re-pointed at a conversation or user that is not the caller's.
    fc.constantFrom(
      Buffer.from(JSON.stringify({ v: 1, k: 'messages', o: theirs, sk: '2026-01-01T00:00:00.000000Z' })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, k: 'groups', o: stranger.uuid, sk: '2099-01-01T00:00:00.000000Z' })).toString(
        'base64url',
      ),
      Buffer.from(JSON.stringify({ v: 1, k: 'messages', o: mine, sk: { $gt: '' } })).toString('base64url'),
    ),
    fc.string(),
    fc.base64String(),
  );
const limitValue = fc.oneof(
  fc.integer({ min: -5, max: 1000 }).map(String),
  fc.string(),
  fc.constantFrom('1e3', '0x10', '50.5', '', ' 5'),
);
const query = () =>
  fc.record({ limit: limitValue, cursor: cursorValue() }, { requiredKeys: [] }).map((q) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) params.set(k, v);
    const text = params.toString();
    return text ? `?${text}` : '';
  });

// --- properties -------------------------------------------------------------------------

describe('fuzzing every route', () => {
  let before: Item[];
  beforeAll(async () => {
    before = await settledScan();
  }, 60_000);

  test('POST /api/messages with generated JSON bodies never answers 5xx and rejects with a JSON 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        body(),
        fc.option(fc.oneof(fc.constantFrom('k1', 'x#y'), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)), { nil: undefined }),
        async (json, key) => {
          const reply = await call('POST', '/api/messages', {
            token: me.accessToken,
            json,
            ...(key ? { headers: { 'idempotency-key': key } } : {}),
          });
          observe(`POST ${JSON.stringify(json)?.slice(0, 150)}`, reply);
          return reply.status < 500;
        },
      ),
      { numRuns: RUNS_PER_PROPERTY, seed: SEED },
    );
  }, 240_000);

  test('POST /api/messages with raw bodies (broken JSON, invalid UTF-8, huge, wrong content type) never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, async ({ raw, contentType }) => {
        const reply = await call('POST', '/api/messages', {
          token: me.accessToken,
          raw,
          headers: { 'content-type': contentType ?? 'application/json' },
        });
        observe(`POST raw ${String(raw).slice(0, 80)}`, reply);
        return reply.status < 500;
      }),
      { numRuns: RUNS_PER_PROPERTY, seed: SEED },
    );
  }, 240_000);

  test('GET /api/messages/{id} with generated paths and queries never answers 5xx and never shows another conversation', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment(), query(), async (segment, q) => {
        const reply = await call('GET', `/api/messages/${segment}${q}`, { token: me.accessToken });
        observe(`GET /api/messages/${segment.slice(0, 60)}${q.slice(0, 80)}`, reply);
        if (reply.status === 200 && reply.text.includes('not yours')) stats.serverErrors.push(`LEAK ${segment}${q}`);
        return reply.status < 500;
      }),
      { numRuns: RUNS_PER_PROPERTY, seed: SEED },
    );
  }, 240_000);

  test("GET /api/message_groups with generated queries never answers 5xx and lists only the caller's conversations", async () => {
    await fc.assert(
      fc.asyncProperty(query(), async (q) => {
        const reply = await call('GET', `/api/message_groups${q}`, { token: me.accessToken });
        observe(`GET /api/message_groups${q.slice(0, 100)}`, reply);
        if (reply.status === 200 && (reply.body as Array<{ uuid: string }>).some((g) => g.uuid === theirs))
          stats.serverErrors.push(`LEAK groups ${q}`);
        return reply.status < 500;
      }),
      { numRuns: RUNS_PER_PROPERTY, seed: SEED },
    );
  }, 240_000);

  test('GET /api/users/{handle}/short with generated handles never answers 5xx and exposes public fields only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(handleValue().map(String), fc.string()), async (h) => {
        const reply = await call('GET', `/api/users/${encodeSegment(`@${h}`)}/short`);
        observe(`GET short ${h.slice(0, 60)}`, reply);
        if (reply.status === 200 && Object.keys(reply.body).sort().join() !== 'display_name,handle,uuid')
          stats.serverErrors.push(`LEAK short ${h}`);
        return reply.status < 500;
      }),
      { numRuns: RUNS_PER_PROPERTY, seed: SEED },
    );
  }, 240_000);

  test('no item was written by a rejected request (scan before/after, every change explained by an accepted one)', async () => {
    const after = await settledScan();
    const unexplained = unexplainedChanges(before, after);
    recordFigure({ area: 'fuzzing', name: 'inputs tried', value: stats.inputs, min: 2000 });
    recordFigure({ area: 'fuzzing', name: 'responses ≥ 500 (and leaks)', value: stats.serverErrors.length, max: 0 });
    recordFigure({ area: 'fuzzing', name: 'rejections without a JSON error envelope', value: stats.badEnvelopes.length, max: 0 });
    recordFigure({ area: 'fuzzing', name: 'accepted (valid by chance) sends', value: accepted.messageUuids.size });
    recordFigure({
      area: 'fuzzing',
      name: 'rejected by the gateway before any Lambda ran (4xx)',
      value: stats.gatewayRejections,
    });
    recordFigure({ area: 'fuzzing', name: 'items written by rejected requests', value: unexplained.length, max: 0 });
    expect({ serverErrors: stats.serverErrors, badEnvelopes: stats.badEnvelopes.slice(0, 10) }).toEqual({
      serverErrors: [],
      badEnvelopes: [],
    });
    expect(unexplained).toEqual([]);
    expect(stats.inputs).toBeGreaterThanOrEqual(2000);
  }, 60_000);
});

/** New, changed or removed items that no accepted request accounts for. */
function unexplainedChanges(before: Item[], after: Item[]): string[] {
  const key = (item: Item) => `${item.pk}\u0000${item.sk}`;
  const was = new Map(before.map((item) => [key(item), JSON.stringify(item)]));
  const now = new Map(after.map((item) => [key(item), item]));
  const messages = new Set(
    after.flatMap((i) => (groupUuidOfMessagePartition(i.pk) ? [`${groupUuidOfMessagePartition(i.pk)}|${i.sk}`] : [])),
  );
  const explained = (item: Item): boolean => {
    if (groupUuidOfMessagePartition(item.pk)) return accepted.messageUuids.has(item.message_uuid as string);
    // A conversation row (pattern E) is fine when it points at a stored message.
    if (userUuidOfConversationPartition(item.pk)) return messages.has(`${item.message_group_uuid}|${item.sk}`);
    if (item.sk === keys.idempotency('', '').sk)
      return accepted.messageUuids.has((item.result as { message_uuid?: string })?.message_uuid ?? '');
    if ([...accepted.groups].some((group) => item.pk === keys.membershipPartition(group))) return true;
    if (item.sk === keys.pair('', '').sk) return accepted.groups.has(item.group_uuid as string);
    // The send rate limit's counter (domain/rate-limit.ts): written by the fuzzing sender's accepted sends.
    if (item.sk === keys.sendWindow('', 0).sk) return item.pk.startsWith(keys.sendWindow(me.uuid, 0).pk.replace(/0$/, ''));
    return false;
  };
  const problems: string[] = [];
  for (const [k, item] of now)
    if (was.get(k) !== JSON.stringify(item) && !explained(item)) problems.push(`written: ${item.pk} ${item.sk}`);
  for (const [k, json] of was) {
    if (now.has(k)) continue;
    const item = JSON.parse(json) as Item;
    if (expiredByTtl(item)) continue;
    // Pattern E replaces a member's row when a newer message arrives: the same member and
    // conversation must still have a row.
    const replaced =
      !!userUuidOfConversationPartition(item.pk) &&
      after.some((i) => i.pk === item.pk && i.message_group_uuid === item.message_group_uuid);
    if (!replaced) problems.push(`removed: ${item.pk} ${item.sk}`);
  }
  return problems;
}
