/** The four routes over HTTP on the offline stack: shapes, pagination, membership, pattern D reuse. */
import { api, type ApiResponse } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

const ITEM_KEYS = ['created_at', 'display_name', 'handle', 'message', 'uuid'];
/** A conversation in B: every original field, plus the caller's unread count and marker (#17). */
const CONVERSATION_ITEM_KEYS = [...ITEM_KEYS, 'last_read_at', 'unread_count'].sort();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function startConversation(from: SignedInUser, to: SignedInUser, text = 'hello'): Promise<string> {
  const res = await api('POST', '/api/messages', { token: from.token, json: { message: text, handle: to.handle } });
  expect(res.status).toBe(200);
  return res.body.message_group_uuid;
}

function expectOk(res: ApiResponse): void {
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${JSON.stringify(res.body)}`);
}

describe('HTTP API routes', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let cy: SignedInUser;
  beforeAll(async () => {
    [ada, ben, cy] = await Promise.all([signedInUser('Ada Test'), signedInUser('Ben Test'), signedInUser('Cy Test')]);
  });

  test('POST with a handle starts a conversation and returns {message_group_uuid, uuid, display_name, handle, message, created_at}', async () => {
    const res = await api('POST', '/api/messages', { token: ada.token, json: { message: '  hi Ben  ', handle: ben.handle } });
    expectOk(res);
    expect(Object.keys(res.body).sort()).toEqual(['message_group_uuid', ...ITEM_KEYS].sort());
    expect(res.body).toMatchObject({ handle: ada.handle, display_name: 'Ada Test', message: 'hi Ben' });
    expect(res.body.message_group_uuid).toMatch(UUID);
    expect(res.body.uuid).toMatch(UUID);
  });

  test('POST with a handle reuses the existing conversation between the two users, from either side', async () => {
    const first = await startConversation(cy, ada, 'one');
    const again = await startConversation(cy, ada, 'two');
    const reverse = await startConversation(ada, cy, 'three');
    expect(again).toBe(first);
    expect(reverse).toBe(first);
    const messages = await api('GET', `/api/messages/${first}`, { token: cy.token });
    expect(messages.body.map((m: { message: string }) => m.message)).toEqual(['one', 'two', 'three']);
  });

  test('POST with message_group_uuid appends and returns the message in the list shape', async () => {
    const group = await startConversation(ben, cy, 'start');
    const res = await api('POST', '/api/messages', { token: cy.token, json: { message: 'reply', message_group_uuid: group } });
    expectOk(res);
    expect(Object.keys(res.body).sort()).toEqual(ITEM_KEYS);
    expect(res.body).toMatchObject({ handle: cy.handle, display_name: 'Cy Test', message: 'reply' });
  });

  test('GET /api/messages/{uuid} returns the conversation oldest→newest in the Cruddur shape', async () => {
    const group = await startConversation(ada, ben, 'm1');
    await api('POST', '/api/messages', { token: ben.token, json: { message: 'm2', message_group_uuid: group } });
    const res = await api('GET', `/api/messages/${group}`, { token: ada.token });
    expectOk(res);
    expect(res.body).toHaveLength(res.body.length);
    const last2 = res.body.slice(-2);
    expect(last2.map((m: { message: string; handle: string }) => [m.handle, m.message])).toEqual([
      [ada.handle, 'm1'],
      [ben.handle, 'm2'],
    ]);
    for (const item of res.body) expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);
    const times = res.body.map((m: { created_at: string }) => m.created_at);
    expect([...times].sort()).toEqual(times);
  });

  test('GET /api/message_groups lists the other person and the last message per conversation, newest first', async () => {
    const me = await signedInUser('Me');
    const a = await signedInUser('First Friend');
    const b = await signedInUser('Second Friend');
    await startConversation(me, a, 'to first');
    await startConversation(b, me, 'from second');
    // The conversation rows are updated by the stream (pattern E): poll briefly.
    let res: ApiResponse | undefined;
    for (let i = 0; i < 50; i++) {
      res = await api('GET', '/api/message_groups', { token: me.token });
      if (res.status === 200 && res.body.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expectOk(res!);
    expect(
      res!.body.map((g: { handle: string; display_name: string; message: string }) => [g.handle, g.display_name, g.message]),
    ).toEqual([
      [b.handle, 'Second Friend', 'from second'],
      [a.handle, 'First Friend', 'to first'],
    ]);
    for (const item of res!.body) {
      expect(Object.keys(item).sort()).toEqual(CONVERSATION_ITEM_KEYS);
      expect(item.uuid).toMatch(UUID);
    }
  });

  test('pagination: ?limit= pages through a conversation via X-Next-Cursor, no gaps or repeats, body stays an array', async () => {
    const [a, c] = await Promise.all([signedInUser(), signedInUser()]);
    const group = await startConversation(a, c, 'p0');
    for (let i = 1; i < 7; i++) {
      expectOk(
        await api('POST', '/api/messages', {
          token: i % 2 ? c.token : a.token,
          json: { message: `p${i}`, message_group_uuid: group },
        }),
      );
    }
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api('GET', `/api/messages/${group}${query}`, { token: a.token });
      expectOk(res);
      expect(Array.isArray(res.body)).toBe(true);
      seen.unshift(res.body.map((m: { message: string }) => m.message));
      cursor = res.headers.get('x-next-cursor');
    } while (cursor);
    expect(seen.map((page) => page.length)).toEqual([1, 3, 3]);
    expect(seen.flat()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  });

  test('pagination: the conversation list pages with limit and cursor too', async () => {
    const me = await signedInUser('Pager');
    const friends = await Promise.all([signedInUser(), signedInUser(), signedInUser()]);
    for (const friend of friends) await startConversation(me, friend);
    const handles: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (let attempt = 0; attempt < 50 && handles.length < 3; attempt++) {
      handles.length = 0;
      pages = 0;
      cursor = null;
      do {
        const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await api('GET', `/api/message_groups${query}`, { token: me.token });
        expectOk(res);
        handles.push(...res.body.map((g: { handle: string }) => g.handle));
        cursor = res.headers.get('x-next-cursor');
        pages++;
      } while (cursor);
      if (handles.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pages).toBe(2);
    expect(handles.sort()).toEqual(friends.map((f) => f.handle).sort());
  });

  test('GET /api/users/@{handle}/short is public and returns {uuid, handle, display_name}; 404 for an unknown handle', async () => {
    const res = await api('GET', `/api/users/@${ben.handle}/short`);
    expectOk(res);
    expect(res.body).toEqual({ uuid: ben.profile.uuid, handle: ben.handle, display_name: 'Ben Test' });
    const missing = await api('GET', '/api/users/@nobody_here_123/short');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  test('a conversation you are not in is a 404 for reading and for writing, and nothing is written', async () => {
    const [a, b] = await Promise.all([signedInUser(), signedInUser()]);
    const group = await startConversation(a, b, 'private');
    const read = await api('GET', `/api/messages/${group}`, { token: cy.token });
    expect(read.status).toBe(404);
    expect(read.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const write = await api('POST', '/api/messages', {
      token: cy.token,
      json: { message: 'intrude', message_group_uuid: group },
    });
    expect(write.status).toBe(404);
    const after = await api('GET', `/api/messages/${group}`, { token: a.token });
    expect(after.body.map((m: { message: string }) => m.message)).toEqual(['private']);
  });

  test('CORS: a preflight OPTIONS is answered and X-Next-Cursor is exposed', async () => {
    const res = await fetch(`${process.env.STACK_API_URL}/api/messages`, {
      method: 'OPTIONS',
      headers: {
        Origin: process.env.STACK_WEB_ORIGIN!,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Next-Cursor');
  });
});
