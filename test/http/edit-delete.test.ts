/**
 * Edit and delete (#17) over HTTP on the offline stack: every rule of the routes, the rows of
 * pattern E (the stream emulation runs it on the MODIFY records), the lists A and B, and the
 * `message.updated` / `message.deleted` pushes — the path `npm start` serves.
 */
import { keys } from '../../domain/keys';
import { getItem, partition } from '../support/fixtures';
import { api, stack } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

/** A bound on the wait, not a speed assertion. */
const WAIT_MS = 15_000;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > WAIT_MS) throw new Error(`${what}: not within ${WAIT_MS} ms; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const send = (from: SignedInUser, group: string, message: string) =>
  api('POST', '/api/messages', { token: from.token, json: { message, message_group_uuid: group } });
const edit = (by: SignedInUser, group: string, uuid: string, message: unknown, headers: Record<string, string> = {}) =>
  api('PATCH', `/api/messages/${group}/${uuid}`, { token: by.token, json: { message }, headers });
const remove = (by: SignedInUser, group: string, uuid: string) =>
  api('DELETE', `/api/messages/${group}/${uuid}`, { token: by.token });

async function start(
  from: SignedInUser,
  to: SignedInUser,
  text: string,
): Promise<{ group: string; uuid: string; created_at: string }> {
  const res = await api('POST', '/api/messages', { token: from.token, json: { message: text, handle: to.handle } });
  if (res.status !== 200) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return { group: res.body.message_group_uuid, uuid: res.body.uuid, created_at: res.body.created_at };
}

/** The caller's B item for `group`. */
async function listItem(user: SignedInUser, group: string): Promise<Record<string, unknown> | undefined> {
  const res = await api('GET', '/api/message_groups', { token: user.token });
  return (res.body as Array<Record<string, unknown>>).find((item) => item.uuid === group);
}

async function messageItemOf(group: string, createdAt: string) {
  return getItem(keys.message(group, createdAt));
}

describe('PATCH /api/messages/{group}/{message}', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let eve: SignedInUser;
  beforeAll(async () => {
    [ada, ben, eve] = await Promise.all([signedInUser('Ada E'), signedInUser('Ben E'), signedInUser('Eve E')]);
  });

  test('the sender edits: 200 with edited_at, created_at kept; A shows it in place and B (both members) once pattern E ran', async () => {
    const first = await start(ada, ben, 'helo');
    const res = await edit(ada, first.group, first.uuid, 'hello');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      uuid: first.uuid,
      display_name: 'Ada E',
      handle: ada.handle,
      message: 'hello',
      created_at: first.created_at,
      edited_at: expect.stringMatching(/Z$/),
    });
    const page = await api('GET', `/api/messages/${first.group}`, { token: ben.token });
    expect(page.body).toEqual([res.body]);
    for (const user of [ada, ben]) {
      const item = await until(
        () => listItem(user, first.group),
        (i) => i?.message === 'hello',
        'B shows the edit',
      );
      expect(item).toMatchObject({ created_at: first.created_at, edited_at: res.body.edited_at });
    }
  });

  test('another member gets 403, a non-member 404, an unknown message 404, bad text 400 — and nothing is written', async () => {
    const first = await start(ada, ben, 'original');
    const other = await edit(ben, first.group, first.uuid, 'hijack');
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    const outsider = await edit(eve, first.group, first.uuid, 'hijack');
    expect([outsider.status, outsider.body.error.code]).toEqual([404, 'not_found']);
    const unknown = await edit(ada, first.group, '0190a1b2-c3d4-7123-8abc-0123456789ab', 'x');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    for (const bad of ['', ' ', 'x'.repeat(1025), 7, null]) {
      const res = await edit(ada, first.group, first.uuid, bad);
      expect([res.status, res.body.error.code]).toEqual([400, 'validation_error']);
    }
    const noBody = await api('PATCH', `/api/messages/${first.group}/${first.uuid}`, { token: ada.token });
    expect(noBody.status).toBe(400);
    const badId = await edit(ada, first.group, 'nope', 'x');
    expect(badId.status).toBe(400);
    expect(await messageItemOf(first.group, first.created_at)).toMatchObject({ message: 'original' });
    expect((await messageItemOf(first.group, first.created_at))?.edited_at).toBeUndefined();
  });

  test('the same text again and an idempotent repeat answer the same; a key replays, another body under it is the send’s 409', async () => {
    const first = await start(ada, ben, 'same');
    const unchanged = await edit(ada, first.group, first.uuid, 'same');
    expect([unchanged.status, unchanged.body.edited_at]).toEqual([200, undefined]);
    const key = { 'Idempotency-Key': `edit-${first.uuid}` };
    const once = await edit(ada, first.group, first.uuid, 'keyed', key);
    const twice = await edit(ada, first.group, first.uuid, 'keyed', key);
    expect([once.status, twice.status, twice.body]).toEqual([200, 200, once.body]);
    const mismatch = await edit(ada, first.group, first.uuid, 'other', key);
    const sendMismatch = await api('POST', '/api/messages', {
      token: ada.token,
      json: { message: 'a send', message_group_uuid: first.group },
      headers: key,
    });
    expect([mismatch.status, mismatch.body]).toEqual([409, sendMismatch.body]);
    expect(sendMismatch.status).toBe(409);
    expect((await messageItemOf(first.group, first.created_at))?.message).toBe('keyed');
    expect(JSON.stringify(await getItem(keys.idempotency(ada.profile.uuid, key['Idempotency-Key'])))).not.toContain('keyed');
  });

  test('a deleted message cannot be edited: 409, and it stays a tombstone', async () => {
    const first = await start(ada, ben, 'to go');
    expect((await remove(ada, first.group, first.uuid)).status).toBe(200);
    const res = await edit(ada, first.group, first.uuid, 'back again');
    expect([res.status, res.body.error.code]).toEqual([409, 'conflict']);
    expect(await messageItemOf(first.group, first.created_at)).not.toHaveProperty('message');
  });
});

describe('DELETE /api/messages/{group}/{message}', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let cai: SignedInUser;
  let eve: SignedInUser;
  beforeAll(async () => {
    [ada, ben, cai, eve] = await Promise.all([
      signedInUser('Ada D'),
      signedInUser('Ben D'),
      signedInUser('Cai D'),
      signedInUser('Eve D'),
    ]);
  });

  test('the sender deletes: 200 tombstone, again the same; A, B and the rows keep no text anywhere', async () => {
    const first = await start(ada, ben, 'secret');
    const res = await remove(ada, first.group, first.uuid);
    const tombstone = {
      uuid: first.uuid,
      display_name: 'Ada D',
      handle: ada.handle,
      message: null,
      created_at: first.created_at,
      deleted: true,
    };
    expect([res.status, res.body]).toEqual([200, tombstone]);
    expect((await remove(ada, first.group, first.uuid)).body).toEqual(tombstone);
    expect((await api('GET', `/api/messages/${first.group}`, { token: ben.token })).body).toEqual([tombstone]);
    for (const user of [ada, ben]) {
      const item = await until(
        () => listItem(user, first.group),
        (i) => i?.deleted === true,
        'B shows the tombstone',
      );
      expect(item).toMatchObject({ uuid: first.group, message: null, deleted: true, created_at: first.created_at });
      const rows = await partition(keys.conversationPartition(user.profile.uuid));
      expect(JSON.stringify(rows)).not.toContain('secret');
    }
    expect(JSON.stringify(await partition(keys.messagePartition(first.group)))).not.toContain('secret');
  });

  test('in a direct conversation the other member gets 403, a non-member 404; nothing changes', async () => {
    const first = await start(ada, ben, 'stays');
    const other = await remove(ben, first.group, first.uuid);
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    const outsider = await remove(eve, first.group, first.uuid);
    expect([outsider.status, outsider.body.error.code]).toEqual([404, 'not_found']);
    expect((await remove(ada, first.group, 'not-a-uuid')).status).toBe(400);
    expect((await messageItemOf(first.group, first.created_at))?.message).toBe('stays');
  });

  test('in a group: the owner and an admin delete another’s message, a plain member cannot', async () => {
    const created = await api('POST', '/api/message_groups', {
      token: ada.token,
      json: { title: 'Mods', handles: [ben.handle, cai.handle] },
    });
    expect(created.status).toBe(201);
    const group = created.body.uuid as string;
    expect(
      (await api('PUT', `/api/message_groups/${group}/members/${ben.handle}`, { token: ada.token, json: { role: 'admin' } }))
        .status,
    ).toBe(200);
    const m1 = (await send(cai, group, 'cai one')).body;
    const m2 = (await send(cai, group, 'cai two')).body;
    const m3 = (await send(ada, group, 'owner’s')).body;
    const byMember = await remove(cai, group, m3.uuid);
    expect([byMember.status, byMember.body.error.code]).toEqual([403, 'forbidden']);
    expect((await remove(ada, group, m1.uuid)).body.deleted).toBe(true);
    expect((await remove(ben, group, m2.uuid)).body.deleted).toBe(true);
    const page = await api('GET', `/api/messages/${group}`, { token: cai.token });
    expect((page.body as Array<{ message: string | null }>).map((m) => m.message)).toEqual([null, null, 'owner’s']);
  });
});

interface PushEvent {
  type: string;
  id: string;
  message?: Record<string, unknown>;
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

describe('realtime: message.updated and message.deleted', () => {
  test('reach every member’s connection (the new text and edited_at; then no text), and never a non-member’s', async () => {
    const [ivy, jon, kit] = await Promise.all([signedInUser('Ivy E'), signedInUser('Jon E'), signedInUser('Kit E')]);
    const first = await start(ivy, jon, 'draft');
    const sockets = await Promise.all([connect(ivy), connect(jon), connect(kit)]);
    try {
      const edited = (await edit(ivy, first.group, first.uuid, 'final')).body;
      expect((await remove(ivy, first.group, first.uuid)).status).toBe(200);
      for (const socket of sockets.slice(0, 2)) {
        await until(
          async () => socket.events,
          (events) => events.some((e) => e.type === 'message.deleted'),
          'message.deleted',
        );
        const updated = socket.events.find((e) => e.type === 'message.updated');
        expect(updated).toEqual({
          type: 'message.updated',
          id: `message.updated:${first.uuid}@${edited.edited_at}`,
          message_group_uuid: first.group,
          message: edited,
        });
        const deleted = socket.events.find((e) => e.type === 'message.deleted');
        expect(deleted?.message).toEqual({
          uuid: first.uuid,
          display_name: 'Ivy E',
          handle: ivy.handle,
          message: null,
          created_at: first.created_at,
          deleted: true,
        });
        expect(JSON.stringify(deleted)).not.toContain('final');
      }
      // Events arrive in stream order: once the members have both, the outsider would have had them.
      expect(sockets[2]!.events.filter((e) => e.type.startsWith('message.'))).toEqual([]);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });
});
