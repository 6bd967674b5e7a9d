/** Bad input over HTTP: 4xx with a JSON error, never a 500, and nothing written. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler as createMessage } from '../../handlers/http/create-message';
import { api } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

describe('request validation', () => {
  let me: SignedInUser;
  let friend: SignedInUser;
  let group: string;
  beforeAll(async () => {
    [me, friend] = await Promise.all([signedInUser(), signedInUser()]);
    const res = await api('POST', '/api/messages', { token: me.token, json: { message: 'first', handle: friend.handle } });
    group = res.body.message_group_uuid;
  });

  async function messagesInGroup(): Promise<string[]> {
    const res = await api('GET', `/api/messages/${group}`, { token: me.token });
    return res.body.map((m: { message: string }) => m.message);
  }

  const cases: Array<[string, { raw?: string; json?: unknown; headers?: Record<string, string> }, number]> = [
    ['malformed JSON', { raw: '{"message": "hi", ', headers: { 'content-type': 'application/json' } }, 400],
    ['a JSON array body', { json: ['hi'] }, 400],
    ['wrong content type', { raw: 'message=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
    ['missing message', { json: { message_group_uuid: 'GROUP' } }, 400],
    ['message of the wrong type', { json: { message: 42, message_group_uuid: 'GROUP' } }, 400],
    ['both message_group_uuid and handle', { json: { message: 'x', message_group_uuid: 'GROUP', handle: 'someone' } }, 400],
    ['neither message_group_uuid nor handle', { json: { message: 'x' } }, 400],
    ['an empty message', { json: { message: '   ', message_group_uuid: 'GROUP' } }, 400],
    ['a message over 1024 characters', { json: { message: 'x'.repeat(1025), message_group_uuid: 'GROUP' } }, 400],
    ['a body over 16 KB', { json: { message: 'x', message_group_uuid: 'GROUP', padding: 'p'.repeat(17 * 1024) } }, 413],
    ['a message_group_uuid that is not a uuid', { json: { message: 'x', message_group_uuid: 'not-a-uuid' } }, 400],
    // Invisible and spoofing text (domain/text.ts).
    ['a message of zero-width spaces only', { json: { message: '\u200B\u200B', message_group_uuid: 'GROUP' } }, 400],
    ['a message of Hangul fillers only', { json: { message: '\u3164', message_group_uuid: 'GROUP' } }, 400],
    ['a message of tag characters only', { json: { message: '\u{E0041}\u{E0042}', message_group_uuid: 'GROUP' } }, 400],
    ['a right-to-left override', { json: { message: 'hello \u202Egnp.exe', message_group_uuid: 'GROUP' } }, 400],
    ['a letter with 1,023 combining marks', { json: { message: `a${'\u0301'.repeat(1023)}`, message_group_uuid: 'GROUP' } }, 400],
    ['the noncharacter U+FFFF', { json: { message: 'hi\uFFFF', message_group_uuid: 'GROUP' } }, 400],
  ];

  test.each(cases)('POST /api/messages with %s → %i with a JSON error, nothing written', async (_name, request, status) => {
    const withGroup = request.json
      ? JSON.parse(JSON.stringify(request.json).replace('"GROUP"', JSON.stringify(group)))
      : undefined;
    const res = await api('POST', '/api/messages', { token: me.token, ...request, ...(withGroup ? { json: withGroup } : {}) });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(await messagesInGroup()).toEqual(['first']);
  });

  test('pattern D to an unknown handle → 404; to yourself → 400', async () => {
    expect(
      (await api('POST', '/api/messages', { token: me.token, json: { message: 'x', handle: 'nobody_at_all_42' } })).status,
    ).toBe(404);
    expect((await api('POST', '/api/messages', { token: me.token, json: { message: 'x', handle: me.handle } })).status).toBe(400);
  });

  test.each([['limit=0'], ['limit=101'], ['limit=abc'], ['cursor=not-a-cursor'], ['cursor=eyJ2IjoxfQ']])(
    'GET lists with ?%s → 400',
    async (query) => {
      for (const path of [`/api/messages/${group}?${query}`, `/api/message_groups?${query}`]) {
        const res = await api('GET', path, { token: me.token });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_error');
      }
    },
  );

  test("a cursor from another conversation's list is rejected, not followed", async () => {
    const other = await signedInUser();
    const g2 = (await api('POST', '/api/messages', { token: me.token, json: { message: 'a', handle: other.handle } })).body
      .message_group_uuid;
    await api('POST', '/api/messages', { token: me.token, json: { message: 'b', message_group_uuid: g2 } });
    const page = await api('GET', `/api/messages/${g2}?limit=1`, { token: me.token });
    const cursor = page.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    expect((await api('GET', `/api/messages/${group}?cursor=${cursor}`, { token: me.token })).status).toBe(400);
  });

  // serverless-offline hands bodies over as text (bad bytes already replaced), so this one is
  // proven in process, as API Gateway delivers a body it does not treat as text: base64.
  test('a body that is not valid UTF-8 → 400, not stored with U+FFFD in place of the bad bytes', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"message": "'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`", "message_group_uuid": "${group}"}`),
    ]);
    const event = {
      version: '2.0',
      routeKey: 'POST /api/messages',
      rawPath: '/api/messages',
      rawQueryString: '',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/api/messages' }, requestId: 'test' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    const res = await createMessage(event, { awsRequestId: 'test-request', functionName: 'createMessage' } as Context);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string)).toEqual({
      error: { code: 'validation_error', message: expect.stringContaining('UTF-8') },
    });
    expect(await messagesInGroup()).toEqual(['first']);
  });
});
