/**
 * Safety over HTTP on the offline stack (issue #20): block, unblock, the block's effect on
 * patterns D and C and on realtime events, and reports — each rule of README "Safety".
 */
import { keys } from '../../domain/keys';
import { BLOCKED_SENDER_TEXT, SEND_NOT_ALLOWED } from '../../domain/blocks';
import { getItem, partition } from '../support/fixtures';
import { api, stack } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

const DELIVERY_WAIT_MS = 15_000;

async function startConversation(from: SignedInUser, to: SignedInUser, text = 'hello'): Promise<{ group: string; uuid: string }> {
  const res = await api('POST', '/api/messages', { token: from.token, json: { message: text, handle: to.handle } });
  if (res.status !== 200) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return { group: res.body.message_group_uuid, uuid: res.body.uuid };
}

const block = (by: SignedInUser, who: SignedInUser) => api('POST', `/api/users/@${who.handle}/block`, { token: by.token });
const unblock = (by: SignedInUser, who: SignedInUser) => api('DELETE', `/api/users/@${who.handle}/block`, { token: by.token });
const sendC = (from: SignedInUser, group: string, message: string) =>
  api('POST', '/api/messages', { token: from.token, json: { message, message_group_uuid: group } });
const sendD = (from: SignedInUser, to: SignedInUser, message: string) =>
  api('POST', '/api/messages', { token: from.token, json: { message, handle: to.handle } });

const FORBIDDEN = { error: { code: 'forbidden', message: SEND_NOT_ALLOWED } };

describe('block and unblock (HTTP)', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let cy: SignedInUser;
  beforeAll(async () => {
    [ada, ben, cy] = await Promise.all([signedInUser('Ada Safe'), signedInUser('Ben Safe'), signedInUser('Cy Safe')]);
  });

  test('POST block answers the block; again answers the same block and stores one; DELETE answers blocked: false, twice', async () => {
    const first = await block(ada, cy);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      uuid: cy.profile.uuid,
      handle: cy.handle,
      display_name: 'Cy Safe',
      blocked: true,
      blocked_at: expect.stringMatching(/Z$/),
    });
    const again = await block(ada, cy);
    expect(again.body).toEqual(first.body);
    expect(await partition(keys.blocksPartition(ada.profile.uuid))).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      const res = await unblock(ada, cy);
      expect([res.status, res.body]).toEqual([
        200,
        { uuid: cy.profile.uuid, handle: cy.handle, display_name: 'Cy Safe', blocked: false },
      ]);
    }
    expect(await partition(keys.blocksPartition(ada.profile.uuid))).toEqual([]);
  });

  test('blocking yourself is a 400, an unknown handle a 404, no token a 401; none writes', async () => {
    const self = await api('POST', `/api/users/@${ada.handle}/block`, { token: ada.token });
    expect([self.status, self.body.error.code]).toEqual([400, 'validation_error']);
    const unknown = await api('POST', '/api/users/@nobody_here_at_all/block', { token: ada.token });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    const anonymous = await api('POST', `/api/users/@${ben.handle}/block`);
    expect(anonymous.status).toBe(401);
    expect(await partition(keys.blocksPartition(ada.profile.uuid))).toEqual([]);
  });

  test('D: a blocked user cannot start a conversation with the blocker, nor the blocker with them — one neutral 403, nothing written', async () => {
    const [eve, fay] = await Promise.all([signedInUser('Eve'), signedInUser('Fay')]);
    expect((await block(eve, fay)).status).toBe(200);
    const fromBlocked = await sendD(fay, eve, 'hi');
    const fromBlocker = await sendD(eve, fay, 'hi');
    expect([fromBlocked.status, fromBlocked.body]).toEqual([403, FORBIDDEN]);
    expect([fromBlocker.status, fromBlocker.body]).toEqual([403, FORBIDDEN]);
    expect(await getItem(keys.pair(eve.profile.uuid, fay.profile.uuid))).toBeUndefined();
    expect(await partition(keys.conversationPartition(eve.profile.uuid))).toEqual([]);
    await unblock(eve, fay);
    expect((await sendD(fay, eve, 'hi again')).status).toBe(200);
  });

  test('C: in their direct conversation both directions are the same 403 and store nothing; history stays readable; unblock restores', async () => {
    const { group } = await startConversation(ben, cy, 'before');
    expect((await block(cy, ben)).status).toBe(200);
    const blocked = await sendC(ben, group, 'after');
    const blocker = await sendC(cy, group, 'after');
    const viaHandle = await sendD(ben, cy, 'after');
    expect([blocked.status, blocked.body]).toEqual([403, FORBIDDEN]);
    expect([blocker.status, blocker.body]).toEqual([403, FORBIDDEN]);
    expect([viaHandle.status, viaHandle.body]).toEqual([403, FORBIDDEN]);
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['before']);
    const history = await api('GET', `/api/messages/${group}`, { token: ben.token });
    expect(history.body.map((m: { message: string }) => m.message)).toEqual(['before']);

    expect((await unblock(cy, ben)).status).toBe(200);
    expect((await sendC(ben, group, 'after unblock')).status).toBe(200);
    expect((await sendC(cy, group, 'reply')).status).toBe(200);
  });

  test('a block is made by the caller only: identity fields in the body or query are ignored', async () => {
    const [gus, hal] = await Promise.all([signedInUser('Gus'), signedInUser('Hal')]);
    const res = await api('POST', `/api/users/@${hal.handle}/block?blocker=${gus.profile.uuid}`, {
      token: ada.token,
      json: { blocker_uuid: gus.profile.uuid, user_uuid: gus.profile.uuid },
    });
    expect(res.status).toBe(200);
    expect(await partition(keys.blocksPartition(gus.profile.uuid))).toEqual([]);
    expect((await partition(keys.blocksPartition(ada.profile.uuid))).map((b) => b.blocked_uuid)).toContain(hal.profile.uuid);
    await unblock(ada, hal);
  });

  test('GET /api/blocks pages the caller’s blocks with X-Next-Cursor, and refuses a bad cursor or limit with a 400', async () => {
    const owner = await signedInUser('Owner');
    const others = await Promise.all([signedInUser('B1'), signedInUser('B2'), signedInUser('B3')]);
    for (const other of others) await block(owner, other);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof api>> = await api('GET', `/api/blocks?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: owner.token,
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.map((b: { handle: string }) => b.handle));
      cursor = res.headers.get('x-next-cursor');
    } while (cursor);
    expect(seen.sort()).toEqual(others.map((o) => o.handle).sort());
    expect((await api('GET', '/api/blocks', { token: ada.token })).body.map((b: { handle: string }) => b.handle)).not.toContain(
      others[0]!.handle,
    );
    expect((await api('GET', '/api/blocks?cursor=abc', { token: owner.token })).status).toBe(400);
    expect((await api('GET', '/api/blocks?limit=0', { token: owner.token })).status).toBe(400);
  });
});

test('CORS: the web origin may DELETE a block, and reads retry-after (429) and X-Next-Cursor (GET /api/blocks)', async () => {
  const res = await fetch(`${stack().apiUrl}/api/users/@someone/block`, {
    method: 'OPTIONS',
    headers: {
      Origin: stack().webOrigin,
      'Access-Control-Request-Method': 'DELETE',
      'Access-Control-Request-Headers': 'authorization',
    },
  });
  expect(res.status).toBeLessThan(300);
  expect(res.headers.get('access-control-allow-methods')).toContain('DELETE');
  expect(res.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('retry-after');
  expect(res.headers.get('access-control-expose-headers')).toContain('X-Next-Cursor');
});

interface PushEvent {
  type: string;
  message?: { uuid: string; message: string; blocked_sender?: boolean };
  conversation?: { uuid: string; message: string; created_at: string; blocked_sender?: boolean };
}

function connect(user: SignedInUser): Promise<{ events: PushEvent[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(stack().websocketUrl, ['cruddur.v1', user.token]);
    const events: PushEvent[] = [];
    socket.onmessage = (m) => events.push(JSON.parse(String(m.data)) as PushEvent);
    socket.onopen = () => resolve({ events, close: () => socket.close(1000) });
    socket.onerror = () => reject(new Error('connection refused'));
  });
}

async function until(done: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > DELIVERY_WAIT_MS) throw new Error(`${what}: not within ${DELIVERY_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('block and realtime events', () => {
  test('the blocker’s socket gets nothing of what the blocked user tried to send, and gets messages again after unblocking', async () => {
    const [ivy, jon] = await Promise.all([signedInUser('Ivy'), signedInUser('Jon')]);
    const { group } = await startConversation(ivy, jon, 'before');
    const socket = await connect(ivy);
    try {
      await block(ivy, jon);
      expect((await sendC(jon, group, 'refused while blocked')).status).toBe(403);
      await unblock(ivy, jon);
      const after = await sendC(jon, group, 'after unblock');
      expect(after.status).toBe(200);
      // Events arrive in stream order: once the later message is there, the refused one never will be.
      await until(() => socket.events.some((e) => e.message?.uuid === after.body.uuid), 'message after unblock');
      const texts = socket.events.filter((e) => e.type === 'message.created').map((e) => e.message?.message);
      expect(texts).not.toContain('refused while blocked');
    } finally {
      socket.close();
    }
  });
});

describe('block in a shared group (HTTP and WebSocket)', () => {
  async function groupOf(owner: SignedInUser, others: SignedInUser[]): Promise<string> {
    const res = await api('POST', '/api/message_groups', {
      token: owner.token,
      json: { title: 'Shared', handles: others.map((o) => o.handle) },
    });
    if (res.status !== 201) throw new Error(`group: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.uuid as string;
  }
  const messagesOf = async (who: SignedInUser, group: string) =>
    (await api('GET', `/api/messages/${group}`, { token: who.token })).body as Array<{
      uuid: string;
      message: string;
      blocked_sender?: boolean;
    }>;
  const rowOf = async (who: SignedInUser, group: string) =>
    (
      (await api('GET', '/api/message_groups', { token: who.token })).body as Array<{
        uuid: string;
        message: string;
        blocked_sender?: boolean;
      }>
    ).find((row) => row.uuid === group);

  test('the blocked member still posts; the blocker gets no message.created, a withheld row, withheld lists; others get the text; unblock restores', async () => {
    const [una, vic, wes] = await Promise.all([signedInUser('Una'), signedInUser('Vic'), signedInUser('Wes')]);
    const group = await groupOf(una, [vic, wes]);
    expect((await block(una, vic)).status).toBe(200);
    const [blocker, other] = await Promise.all([connect(una), connect(wes)]);
    try {
      const blocked = await sendC(vic, group, 'vic in the group');
      expect(blocked.status).toBe(200);
      const later = await sendC(wes, group, 'wes after vic');
      expect(later.status).toBe(200);

      // Stream order: once Wes's later message reached the blocker, Vic's never will.
      await until(() => blocker.events.some((e) => e.message?.uuid === later.body.uuid), 'the later message at the blocker');
      await until(
        () => other.events.some((e) => e.message?.uuid === blocked.body.uuid),
        'the blocked member’s message at the other member',
      );
      expect(blocker.events.some((e) => e.message?.uuid === blocked.body.uuid)).toBe(false);
      expect(JSON.stringify(blocker.events)).not.toContain('vic in the group');
      expect(other.events.find((e) => e.message?.uuid === blocked.body.uuid)?.message?.message).toBe('vic in the group');
      // The blocker's row moved to Vic's message with the text withheld (then to Wes's).
      const rowAtVic = blocker.events.find(
        (e) => e.type === 'conversation.updated' && e.conversation?.created_at === blocked.body.created_at,
      );
      if (rowAtVic) expect(rowAtVic.conversation).toMatchObject({ message: BLOCKED_SENDER_TEXT, blocked_sender: true });

      const byBlocker = await messagesOf(una, group);
      expect(byBlocker.find((m) => m.uuid === blocked.body.uuid)).toMatchObject({
        message: BLOCKED_SENDER_TEXT,
        blocked_sender: true,
      });
      expect(byBlocker.find((m) => m.uuid === later.body.uuid)).toEqual(expect.not.objectContaining({ blocked_sender: true }));
      expect((await messagesOf(wes, group)).find((m) => m.uuid === blocked.body.uuid)?.message).toBe('vic in the group');

      expect((await unblock(una, vic)).status).toBe(200);
      expect((await messagesOf(una, group)).find((m) => m.uuid === blocked.body.uuid)).toEqual(
        expect.objectContaining({ message: 'vic in the group' }),
      );
      const again = await sendC(vic, group, 'vic after unblock');
      await until(() => blocker.events.some((e) => e.message?.uuid === again.body.uuid), 'a message after unblocking');
    } finally {
      blocker.close();
      other.close();
    }
  });

  test('a group row whose last message is the blocked member’s is withheld in the blocker’s list and pushed withheld', async () => {
    const [xia, yan, zed] = await Promise.all([signedInUser('Xia'), signedInUser('Yan'), signedInUser('Zed')]);
    const group = await groupOf(xia, [yan, zed]);
    expect((await block(xia, yan)).status).toBe(200);
    const socket = await connect(xia);
    try {
      const sent = await sendC(yan, group, 'yan last word');
      expect(sent.status).toBe(200);
      await until(
        () => socket.events.some((e) => e.type === 'conversation.updated' && e.conversation?.created_at === sent.body.created_at),
        'the blocker’s row event',
      );
      const event = socket.events.find(
        (e) => e.type === 'conversation.updated' && e.conversation?.created_at === sent.body.created_at,
      );
      expect(event?.conversation).toMatchObject({ uuid: group, message: BLOCKED_SENDER_TEXT, blocked_sender: true });
      expect(await rowOf(xia, group)).toMatchObject({ message: BLOCKED_SENDER_TEXT, blocked_sender: true });
      expect(await rowOf(zed, group)).toEqual(expect.objectContaining({ message: 'yan last word' }));
      expect(await rowOf(zed, group)).not.toHaveProperty('blocked_sender');
    } finally {
      socket.close();
    }
  });
});

describe('reports (HTTP)', () => {
  let kim: SignedInUser;
  let lou: SignedInUser;
  let mo: SignedInUser;
  let group: string;
  let message: string;
  beforeAll(async () => {
    [kim, lou, mo] = await Promise.all([signedInUser('Kim'), signedInUser('Lou'), signedInUser('Mo')]);
    ({ group, uuid: message } = await startConversation(kim, lou, 'something nasty'));
  });

  const report = (by: SignedInUser, json: unknown, g = group, m = message) =>
    api('POST', `/api/messages/${g}/${m}/report`, { token: by.token, json });

  test('a member reports the other’s message: 200 receipt; again: the same receipt; one report stored with the snapshot', async () => {
    const first = await report(lou, { reason: 'harassment' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      report_id: expect.any(String),
      message_group_uuid: group,
      message_uuid: message,
      reason: 'harassment',
      created_at: expect.any(String),
    });
    const again = await report(lou, { reason: 'other words' });
    expect(again.body).toEqual(first.body);
    expect(await getItem(keys.report(first.body.report_id))).toMatchObject({
      reporter_uuid: lou.profile.uuid,
      message: { text: 'something nasty', sender_uuid: kim.profile.uuid },
    });
  });

  test('the reporter is always the caller: a reporter named in the body is ignored', async () => {
    const { group: g, uuid: m } = await startConversation(mo, lou, 'another');
    const res = await report(lou, { reason: 'spam', reporter_uuid: mo.profile.uuid, reporter: mo.handle }, g, m);
    expect(res.status).toBe(200);
    expect(await getItem(keys.report(res.body.report_id))).toMatchObject({ reporter_uuid: lou.profile.uuid });
    expect(await getItem(keys.reported(mo.profile.uuid, m))).toBeUndefined();
  });

  test('a non-member gets the 404 of a conversation that does not exist; own message, bad reason or ids a 400; nothing written', async () => {
    const outsider = await report(mo, { reason: 'spam' });
    expect([outsider.status, outsider.body]).toEqual([404, { error: { code: 'not_found', message: 'conversation not found' } }]);
    expect((await report(kim, { reason: 'spam' })).status).toBe(400);
    expect((await report(lou, {})).status).toBe(400);
    expect((await report(lou, { reason: 42 })).status).toBe(400);
    expect((await report(lou, { reason: '   ' })).status).toBe(400);
    expect((await report(lou, { reason: 'x' }, 'not-a-uuid')).status).toBe(400);
    expect((await report(lou, { reason: 'x' }, group, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await getItem(keys.reported(mo.profile.uuid, message))).toBeUndefined();
    expect(await getItem(keys.reported(kim.profile.uuid, message))).toBeUndefined();
  });

  test('a blocked member can still report, and no route shows reports to the reported user', async () => {
    await block(kim, lou);
    const res = await report(lou, { reason: 'they blocked me after this' });
    expect(res.status).toBe(200);
    // The reported user's every list: nothing about the report.
    for (const path of ['/api/message_groups', `/api/messages/${group}`, '/api/blocks']) {
      const seen = await api('GET', path, { token: kim.token });
      expect(JSON.stringify(seen.body)).not.toContain(res.body.report_id);
      expect(JSON.stringify(seen.body)).not.toContain('they blocked me');
    }
    await unblock(kim, lou);
  });
});
