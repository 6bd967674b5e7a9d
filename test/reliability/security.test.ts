/**
 * Attacks (OWASP API Top 10 style) against the running offline stack: broken object-level
 * authorisation, forged and misused tokens, and injection into key material. Every case is
 * counted; a leak or an accepted forged token is a violation.
 */
import { createHmac, createPublicKey, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { recordFigure } from './figures';
import { call, conversation, newClient, scanTable, settledScan, type Client, type Reply } from './support';

const COGNITO_LOCAL_KEY = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  'cognito-local',
  'lib',
  'keys',
  'cognitoLocal.private.json',
);

let a: Client, b: Client, c: Client, d: Client;
let ab: string, cd: string, ac: string;
const members = new Map<string, string[]>();

beforeAll(async () => {
  [a, b, c, d] = [await newClient('bola_a'), await newClient('bola_b'), await newClient('bola_c'), await newClient('bola_d')];
  ab = await conversation(a, b, 'secret of a and b');
  cd = await conversation(c, d, 'secret of c and d');
  ac = await conversation(a, c, 'secret of a and c');
  members.set(ab, [a.uuid, b.uuid]).set(cd, [c.uuid, d.uuid]).set(ac, [a.uuid, c.uuid]);
}, 120_000);

async function messageCount(group: string): Promise<number> {
  return (await scanTable()).filter((item) => item.pk === keys.messagePartition(group)).length;
}

function isErrorEnvelope(reply: Reply): boolean {
  return typeof reply.body?.error?.code === 'string' && typeof reply.body?.error?.message === 'string';
}

describe('broken object-level authorisation', () => {
  test('every user × every route × every conversation: outsiders get 404 and write nothing, members get exactly their own data', async () => {
    let cases = 0;
    const leaks: string[] = [];
    const leak = (what: string) => leaks.push(what);
    const users = [a, b, c, d];
    const groups = [ab, cd, ac];

    for (const group of groups) {
      // A member's cursor for this conversation, to be replayed by outsiders.
      const owner = users.find((u) => members.get(group)!.includes(u.uuid))!;
      await call('POST', '/api/messages', { token: owner.accessToken, json: { message_group_uuid: group, message: 'second' } });
      const firstPage = await call('GET', `/api/messages/${group}?limit=1`, { token: owner.accessToken });
      const cursor = firstPage.headers.get('x-next-cursor');
      if (!cursor) throw new Error('expected a next cursor on a one-item page of a two-message conversation');
      const texts = new Set<string>(
        (await call('GET', `/api/messages/${group}`, { token: owner.accessToken })).body.map(
          (m: { message: string }) => m.message,
        ),
      );

      for (const user of users) {
        const isMember = members.get(group)!.includes(user.uuid);
        const reads = [
          `/api/messages/${group}`,
          `/api/messages/${group.toUpperCase()}`,
          `/api/messages/${group}?cursor=${cursor}`,
          `/api/messages/${group}?limit=100`,
        ];
        for (const url of reads) {
          const reply = await call('GET', url, { token: user.accessToken });
          cases++;
          if (isMember) {
            if (reply.status !== 200 || !Array.isArray(reply.body)) leak(`member ${user.handle} GET ${url} → ${reply.status}`);
          } else if (reply.status !== 404 || !isErrorEnvelope(reply) || [...texts].some((t) => reply.text.includes(t))) {
            leak(`outsider ${user.handle} GET ${url} → ${reply.status} ${reply.text.slice(0, 120)}`);
          }
        }

        const before = await messageCount(group);
        const write = await call('POST', '/api/messages', {
          token: user.accessToken,
          json: { message_group_uuid: group, message: `from ${user.handle}` },
        });
        cases++;
        const after = await messageCount(group);
        if (isMember) {
          if (write.status !== 200 || after !== before + 1)
            leak(`member ${user.handle} POST into own conversation → ${write.status}, ${after - before} stored`);
        } else if (write.status !== 404 || !isErrorEnvelope(write) || after !== before) {
          leak(`outsider ${user.handle} POST into ${group} → ${write.status}, ${after - before} stored`);
        }

        // The read marker (#17): a member's own marker and count; an outsider 404, nothing written.
        const read = await call('POST', `/api/message_groups/${group}/read`, { token: user.accessToken, json: {} });
        cases++;
        const outsiderItems = (await scanTable()).filter(
          (item) => item.pk === keys.membershipPartition(group) && item.sk === keys.membership(group, user.uuid).sk,
        );
        if (isMember) {
          if (read.status !== 200 || read.body?.uuid !== group || typeof read.body?.unread_count !== 'number')
            leak(`member ${user.handle} POST read → ${read.status} ${read.text.slice(0, 120)}`);
        } else if (read.status !== 404 || !isErrorEnvelope(read) || outsiderItems.length !== 0) {
          leak(`outsider ${user.handle} POST read of ${group} → ${read.status}, ${outsiderItems.length} membership written`);
        }
      }
    }

    for (const user of users) {
      const mine = [...members]
        .filter(([, m]) => m.includes(user.uuid))
        .map(([g]) => g)
        .sort();
      const list = await call('GET', '/api/message_groups', { token: user.accessToken });
      cases++;
      const listed = (list.body as Array<{ uuid: string }>).map((g) => g.uuid).sort();
      if (list.status !== 200 || JSON.stringify(listed) !== JSON.stringify(mine))
        leak(`${user.handle} lists ${listed} instead of ${mine}`);
      // #17: every item carries the caller's own unread count and marker, nothing else new.
      for (const item of list.body as Array<Record<string, unknown>>) {
        const shape = Object.keys(item).sort().join();
        if (
          shape !== 'created_at,display_name,handle,last_read_at,message,unread_count,uuid' ||
          typeof item.unread_count !== 'number'
        )
          leak(`${user.handle} lists an item shaped ${shape}`);
      }

      // Another user's conversation-list cursor must not page through their list.
      for (const other of users.filter((u) => u !== user)) {
        const page = await call('GET', '/api/message_groups?limit=1', { token: other.accessToken });
        const foreignCursor = page.headers.get('x-next-cursor');
        if (!foreignCursor) continue;
        const replay = await call('GET', `/api/message_groups?cursor=${foreignCursor}`, { token: user.accessToken });
        cases++;
        if (replay.status !== 400) leak(`${user.handle} replays ${other.handle}'s list cursor → ${replay.status}`);
      }

      // Starting a conversation by handle never lands in someone else's conversation.
      for (const other of users.filter((u) => u !== user)) {
        const sent = await call('POST', '/api/messages', {
          token: user.accessToken,
          json: { handle: other.handle, message: 'hi by handle' },
        });
        cases++;
        const group = sent.body?.message_group_uuid as string;
        const allowed = members.get(group);
        if (sent.status !== 200 || (allowed && !allowed.includes(user.uuid)))
          leak(`${user.handle} → @${other.handle} landed in ${group}`);
        if (!allowed) members.set(group, [user.uuid, other.uuid]);
      }

      // The public profile route exposes the three public fields only.
      const short = await call('GET', `/api/users/@${user.handle}/short`);
      cases++;
      if (short.status !== 200 || JSON.stringify(Object.keys(short.body).sort()) !== '["display_name","handle","uuid"]')
        leak(`short profile of ${user.handle}: ${short.text}`);
    }

    // Idempotency keys are per user: B reusing A's key gets B's own new message, not A's.
    const key = `k${randomUUID().replace(/-/g, '')}`;
    const first = await call('POST', '/api/messages', {
      token: a.accessToken,
      json: { message_group_uuid: ab, message: 'same text' },
      headers: { 'idempotency-key': key },
    });
    const second = await call('POST', '/api/messages', {
      token: b.accessToken,
      json: { message_group_uuid: ab, message: 'same text' },
      headers: { 'idempotency-key': key },
    });
    cases++;
    if (
      first.status !== 200 ||
      second.status !== 200 ||
      second.body.uuid === first.body.uuid ||
      second.body.handle !== b.handle
    ) {
      leak(`idempotency key shared across users: ${first.status}/${second.status} ${second.text}`);
    }

    recordFigure({ area: 'BOLA', name: 'cases tried (4 users × routes × 3+ conversations)', value: cases });
    recordFigure({ area: 'BOLA', name: 'leaks', value: leaks.length, max: 0 });
    expect(leaks).toEqual([]);
    expect(cases).toBeGreaterThan(60);
  }, 180_000);
});

// ---------------------------------------------------------------------------------------

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()),
  };
}

function signRs256(header: object, payload: object, pem: string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(pem).toString('base64url')}`;
}

describe('tokens', () => {
  test('forged, expired, foreign and misused tokens are all rejected with 401 on every authenticated route and write nothing', async () => {
    const victim = await newClient('tok');
    const group = await conversation(victim, a, 'token target');
    const real = decode(victim.accessToken);
    const cognitoKey = (JSON.parse(readFileSync(COGNITO_LOCAL_KEY, 'utf8')) as { pem: string }).pem;
    const publicPem = readPublicPem();
    const unknownKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const now = Math.floor(Date.now() / 1000);
    const claims = (changes: Record<string, unknown>) => ({ ...real.payload, ...changes });
    const withKey = (changes: Record<string, unknown>) => signRs256(real.header, claims(changes), cognitoKey);

    const hs256 = (() => {
      const header = { ...real.header, alg: 'HS256' };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(real.payload))}`;
      return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    })();
    const [h, p] = victim.accessToken.split('.');
    const tamperedPayload = b64url(JSON.stringify(claims({ sub: decode(a.accessToken).payload.sub })));

    const attempts: Array<[string, string | undefined]> = [
      ['no token', undefined],
      ['empty bearer', ''],
      ['not a JWT', 'not-a-token'],
      ['three garbage segments', 'aaa.bbb.ccc'],
      ['truncated signature', victim.accessToken.slice(0, -10)],
      ['alg none', `${b64url(JSON.stringify({ ...real.header, alg: 'none' }))}.${p}.`],
      ['alg none, no kid', `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`],
      ['HS256 signed with the public key', hs256],
      ['signed by an unknown key (same kid)', signRs256(real.header, real.payload, unknownKey)],
      ['signed by an unknown key (unknown kid)', signRs256({ ...real.header, kid: 'attacker' }, real.payload, unknownKey)],
      ['payload swapped to another user, original signature', `${h}.${tamperedPayload}.${victim.accessToken.split('.')[2]}`],
      ['expired', withKey({ iat: now - 7200, exp: now - 3600, auth_time: now - 7200 })],
      ['not yet valid (nbf in the future)', withKey({ nbf: now + 3600, iat: now + 3600, exp: now + 7200 })],
      ['wrong issuer', withKey({ iss: 'http://127.0.0.1:1/evil-pool' })],
      ['wrong client', withKey({ client_id: 'attacker-client' })],
      ['id token instead of access token', victim.idToken],
      ['access claims relabelled as id token', withKey({ token_use: 'id' })],
    ];

    const before = await settledScan();
    let tried = 0;
    const accepted: string[] = [];
    const routes = (token: string | undefined) => [
      () => call('GET', '/api/message_groups', { ...(token !== undefined ? { token } : {}) }),
      () => call('GET', `/api/messages/${group}`, { ...(token !== undefined ? { token } : {}) }),
      () =>
        call('POST', '/api/messages', {
          ...(token !== undefined ? { token } : {}),
          json: { message_group_uuid: group, message: 'forged' },
        }),
    ];
    for (const [name, token] of attempts) {
      for (const route of routes(token)) {
        const reply = await route();
        tried++;
        if (reply.status !== 401) accepted.push(`${name} → ${reply.status}`);
      }
    }
    const afterForged = await scanTable();
    // Sanity: the genuine token does work, so the 401s above are about the tokens.
    expect((await call('GET', '/api/message_groups', { token: victim.accessToken })).status).toBe(200);

    // A valid token of a user whose profile was deleted: not a Cruddur user any more (401).
    const ghost = await newClient('ghost');
    const sub = decode(ghost.accessToken).payload.sub as string;
    for (const key of [keys.userProfile(ghost.uuid), keys.userHandle(ghost.handle), keys.userCognitoSub(sub)]) {
      await db().send(new DeleteCommand({ TableName: tableName(), Key: key }));
    }
    const ghostBefore = await settledScan();
    for (const route of [
      () => call('GET', '/api/message_groups', { token: ghost.accessToken }),
      () => call('GET', `/api/messages/${group}`, { token: ghost.accessToken }),
      () => call('POST', '/api/messages', { token: ghost.accessToken, json: { handle: a.handle, message: 'ghost' } }),
    ]) {
      const reply = await route();
      tried++;
      if (reply.status !== 401) accepted.push(`deleted profile → ${reply.status}`);
    }
    const after = await scanTable();
    const written = changedItems(before, afterForged) + changedItems(ghostBefore, after);

    recordFigure({ area: 'tokens', name: 'attempts (17 kinds × 3 routes + deleted profile × 3)', value: tried });
    recordFigure({ area: 'tokens', name: 'accepted', value: accepted.length, max: 0 });
    recordFigure({ area: 'tokens', name: 'items written by rejected token attempts', value: written, max: 0 });
    expect(accepted).toEqual([]);
    expect(written).toBe(0);
  }, 120_000);
});

describe('injection into key material', () => {
  test("uuids and handles carrying #, /, .., unicode or huge strings are rejected (400/404), reach no other user's items and write nothing", async () => {
    const foreign = cd; // a is not a member
    const handle = c.handle;
    const groupPaths = [
      `MSG%23${foreign}`,
      `${foreign}%23x`,
      `..%2F${foreign}`,
      `${foreign}%2F..`,
      `%2e%2e`,
      `${foreign}%00`,
      `GRP%23${c.uuid}`,
      `GROUP%23${foreign}`,
      `${foreign}${'%CC%81'}`,
      encodeURIComponent('ｃｄ'),
      'x'.repeat(5000),
      `${foreign}x`,
      `${foreign.slice(0, -1)}%23`,
      encodeURIComponent(`${foreign} `),
      '%F0%9F%92%A9',
      `${foreign}%2C${ab}`,
    ];
    const handles = [
      `${handle}#x`,
      `USER#HANDLE#${handle}`,
      `../${handle}`,
      `${handle}/..`,
      `ｃ${handle.slice(1)}`,
      'a'.repeat(5000),
      `${handle}\u0000`,
      'HANDLE#',
      '*',
      '%',
      ` ${handle}`,
      `${handle} `,
      `${handle}\u200b`,
      `SUB#${decode(c.accessToken).payload.sub}`,
      '',
      '💩',
    ];
    const idempotencyKeys = ['x#y', '../../etc', 'a'.repeat(65), 'ключ', 'a b', `IDEMPOTENCY#${c.uuid}#k`];
    const secrets = ['secret of c and d', c.email, d.email];

    const before = await settledScan();
    let cases = 0;
    const leaks: string[] = [];
    const check = (what: string, reply: Reply, allowed: number[]) => {
      cases++;
      if (!allowed.includes(reply.status) || secrets.some((s) => reply.text.includes(s)))
        leak(`${what} → ${reply.status} ${reply.text.slice(0, 120)}`);
    };
    const leak = (what: string) => leaks.push(what);

    for (const segment of groupPaths) {
      check(
        `GET /api/messages/${segment.slice(0, 40)}`,
        await call('GET', `/api/messages/${segment}`, { token: a.accessToken }),
        [400, 404],
      );
      check(
        `GET /api/messages/${segment.slice(0, 40)}?cursor`,
        await call('GET', `/api/messages/${segment}?cursor=${segment}`, { token: a.accessToken }),
        [400, 404],
      );
    }
    for (const group of [
      `MSG#${foreign}`,
      `${foreign}#x`,
      `../${foreign}`,
      `GRP#${c.uuid}`,
      'x'.repeat(5000),
      `${foreign}\u0301`,
      foreign.toUpperCase(),
    ]) {
      check(
        `POST group ${group.slice(0, 40)}`,
        await call('POST', '/api/messages', { token: a.accessToken, json: { message_group_uuid: group, message: 'inject' } }),
        [400, 404],
      );
    }
    for (const h of handles) {
      check(
        `POST handle ${JSON.stringify(h.slice(0, 40))}`,
        await call('POST', '/api/messages', { token: a.accessToken, json: { handle: h, message: 'inject' } }),
        [400, 404],
      );
      check(
        `GET short ${JSON.stringify(h.slice(0, 40))}`,
        await call('GET', `/api/users/${encodeURIComponent(`@${h}`)}/short`),
        [400, 404],
      );
    }
    for (const key of idempotencyKeys) {
      let reply: Reply;
      try {
        reply = await call('POST', '/api/messages', {
          token: a.accessToken,
          json: { message_group_uuid: ab, message: 'keyed' },
          headers: { 'idempotency-key': key },
        });
      } catch (error) {
        // fetch itself refuses header values that are not ByteStrings: nothing was sent.
        if (/ByteString|header/i.test(String((error as Error).message))) continue;
        throw error;
      }
      check(`Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, reply, [400]);
    }
    const written = changedItems(before, await scanTable());

    recordFigure({ area: 'injection', name: 'cases tried (uuids, handles, idempotency keys)', value: cases });
    recordFigure({ area: 'injection', name: 'leaks or unexpected statuses', value: leaks.length, max: 0 });
    recordFigure({ area: 'injection', name: 'items written', value: written, max: 0 });
    expect(leaks).toEqual([]);
    expect(written).toBe(0);
  }, 120_000);
});

describe('invisible and spoofing text', () => {
  test('messages that show nothing, reorder text or stack marks are refused with a 400 and write nothing', async () => {
    const texts = [
      '\u200B'.repeat(5),
      '\u2800\u2800',
      '\u3164',
      '\u115F\u1160',
      '\uFFA0',
      '\u{E0061}\u{E0062}\u{E007F}',
      '\u00AD\u2060\uFEFF',
      '\u034F\u180E',
      'hello \u202Egnp.exe',
      'a\u2066b',
      `a${'\u0301'.repeat(1023)}`,
      'x\uFFFF',
      'x\u{10FFFF}',
      'x\u001b[2Jforged',
    ];
    const before = await settledScan();
    const accepted: string[] = [];
    for (const message of texts) {
      for (const json of [
        { message_group_uuid: ab, message },
        { handle: c.handle, message },
      ]) {
        const reply = await call('POST', '/api/messages', { token: a.accessToken, json });
        if (reply.status !== 400 || !isErrorEnvelope(reply))
          accepted.push(`${JSON.stringify(message.slice(0, 12))} → ${reply.status}`);
      }
    }
    const written = changedItems(before, await scanTable());
    recordFigure({ area: 'text', name: 'invisible/spoofing messages sent (C and D)', value: texts.length * 2 });
    recordFigure({ area: 'text', name: 'invisible/spoofing messages accepted', value: accepted.length, max: 0 });
    recordFigure({ area: 'text', name: 'items written by them', value: written, max: 0 });
    expect(accepted).toEqual([]);
    expect(written).toBe(0);
  }, 60_000);
});

/** Items added, removed or changed between two scans. */
export function changedItems(before: Array<Record<string, unknown>>, after: Array<Record<string, unknown>>): number {
  const index = (items: Array<Record<string, unknown>>) =>
    new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, JSON.stringify(item)]));
  const [was, now] = [index(before), index(after)];
  let changed = 0;
  for (const [key, value] of now) if (was.get(key) !== value) changed++;
  for (const key of was.keys()) if (!now.has(key)) changed++;
  return changed;
}

function readPublicPem(): string {
  const jwk = JSON.parse(readFileSync(COGNITO_LOCAL_KEY.replace('private', 'public'), 'utf8')).jwk;
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}
