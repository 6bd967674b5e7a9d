/** Group conversations over HTTP on the offline stack: every group route, roles, removal, pattern E to every member. */
import { api, type ApiResponse } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

/** Every field of the original item, plus the caller's unread count and marker (#17). */
const DIRECT_ITEM_KEYS = ['created_at', 'display_name', 'handle', 'last_read_at', 'message', 'unread_count', 'uuid'];

function expectStatus(res: ApiResponse, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
}

async function createGroup(owner: SignedInUser, others: SignedInUser[], extra: Record<string, unknown> = {}) {
  const res = await api('POST', '/api/message_groups', {
    token: owner.token,
    json: { title: 'Team', handles: others.map((o) => o.handle), ...extra },
  });
  expectStatus(res, 201);
  return res.body as { uuid: string; kind: string; title: string; members: Array<{ handle: string; role: string }> };
}

async function listed(who: SignedInUser, group: string) {
  const res = await api('GET', '/api/message_groups', { token: who.token });
  expectStatus(res, 200);
  return (res.body as Array<Record<string, string>>).find((item) => item.uuid === group);
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('group routes over HTTP', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let cy: SignedInUser;
  let dee: SignedInUser;
  beforeAll(async () => {
    [ada, ben, cy, dee] = await Promise.all([
      signedInUser('Ada G'),
      signedInUser('Ben G'),
      signedInUser('Cy G'),
      signedInUser('Dee G'),
    ]);
  });

  test('POST /api/message_groups creates the group (201) with the creator as owner; GET describes it to members only', async () => {
    const created = await createGroup(ada, [ben, cy], { message: 'hello team' });
    expect(created).toMatchObject({ kind: 'group', title: 'Team', message: { message: 'hello team', handle: ada.handle } });
    const got = await api('GET', `/api/message_groups/${created.uuid}`, { token: ben.token });
    expectStatus(got, 200);
    expect(Object.keys(got.body).sort()).toEqual(['created_at', 'kind', 'members', 'title', 'uuid']);
    expect(Object.fromEntries(got.body.members.map((m: { handle: string; role: string }) => [m.handle, m.role]))).toEqual({
      [ada.handle]: 'owner',
      [ben.handle]: 'member',
      [cy.handle]: 'member',
    });
    expectStatus(await api('GET', `/api/message_groups/${created.uuid}`, { token: dee.token }), 404);
    expectStatus(await api('GET', `/api/messages/${created.uuid}`, { token: dee.token }), 404);
  });

  test('duplicate, unknown and own handles are 4xx and create nothing', async () => {
    const before = (await api('GET', '/api/message_groups', { token: ben.token })).body.length;
    for (const handles of [[ben.handle, ben.handle], [ben.handle, 'nobody_zz_404'], [ben.handle, ada.handle], [ben.handle]]) {
      const res = await api('POST', '/api/message_groups', { token: ada.token, json: { title: 'x', handles } });
      expect([handles, res.status >= 400 && res.status < 500, typeof res.body.error?.code]).toEqual([handles, true, 'string']);
    }
    expect((await api('GET', '/api/message_groups', { token: ben.token })).body.length).toBe(before);
  });

  test('Idempotency-Key: a retry of a create returns the first response and creates no second group', async () => {
    const key = `g-${Date.now()}`;
    const json = { title: 'Once', handles: [ben.handle, cy.handle] };
    const first = await api('POST', '/api/message_groups', { token: ada.token, json, headers: { 'idempotency-key': key } });
    const again = await api('POST', '/api/message_groups', { token: ada.token, json, headers: { 'idempotency-key': key } });
    expectStatus(first, 201);
    expect(again.body).toEqual(first.body);
    const mine = (await api('GET', '/api/message_groups', { token: ada.token })).body.filter(
      (i: { title?: string }) => i.title === 'Once',
    );
    expect(mine).toHaveLength(1);
  });

  test('B lists a group with kind, title and the last sender (pattern E moves every member’s row); direct items keep their exact shape', async () => {
    const group = (await createGroup(ada, [ben, cy])).uuid;
    expectStatus(
      await api('POST', '/api/messages', { token: cy.token, json: { message: 'from cy', message_group_uuid: group } }),
      200,
    );
    for (const who of [ada, ben, cy]) {
      const item = await eventually(
        () => listed(who, group),
        (i) => i?.message === 'from cy',
      );
      expect(item).toMatchObject({ kind: 'group', title: 'Team', message: 'from cy', handle: cy.handle, display_name: 'Cy G' });
    }
    const direct = await api('POST', '/api/messages', { token: ada.token, json: { message: 'just us', handle: dee.handle } });
    const directItem = await eventually(
      () => listed(dee, direct.body.message_group_uuid),
      (i) => i !== undefined,
    );
    expect(Object.keys(directItem!).sort()).toEqual(DIRECT_ITEM_KEYS);
  });

  test('PATCH renames (owner, admin), members POST/DELETE/PUT enforce roles, and a removed member gets 404 everywhere', async () => {
    const group = (await createGroup(ada, [ben, cy])).uuid;
    // A plain member may do none of it.
    expectStatus(await api('PATCH', `/api/message_groups/${group}`, { token: ben.token, json: { title: 'Mine' } }), 403);
    expectStatus(
      await api('POST', `/api/message_groups/${group}/members`, { token: ben.token, json: { handle: dee.handle } }),
      403,
    );
    expectStatus(await api('DELETE', `/api/message_groups/${group}/members/${cy.handle}`, { token: ben.token }), 403);
    expectStatus(
      await api('PUT', `/api/message_groups/${group}/members/${cy.handle}`, { token: ben.token, json: { role: 'admin' } }),
      403,
    );
    // Nobody adds themself.
    expectStatus(
      await api('POST', `/api/message_groups/${group}/members`, { token: dee.token, json: { handle: dee.handle } }),
      404,
    );
    // The owner makes ben admin; ben renames and adds dee.
    const promoted = await api('PUT', `/api/message_groups/${group}/members/${ben.handle}`, {
      token: ada.token,
      json: { role: 'admin' },
    });
    expectStatus(promoted, 200);
    expectStatus(await api('PATCH', `/api/message_groups/${group}`, { token: ben.token, json: { title: 'Renamed' } }), 200);
    const added = await api('POST', `/api/message_groups/${group}/members`, { token: ben.token, json: { handle: dee.handle } });
    expectStatus(added, 200);
    expect(added.body).toMatchObject({ title: 'Renamed' });
    expect(added.body.members).toHaveLength(4);
    // Dee reads the history; then ben removes dee.
    expectStatus(await api('GET', `/api/messages/${group}`, { token: dee.token }), 200);
    expectStatus(await api('DELETE', `/api/message_groups/${group}/members/${dee.handle}`, { token: ben.token }), 204);
    expectStatus(await api('GET', `/api/message_groups/${group}`, { token: dee.token }), 404);
    expectStatus(await api('GET', `/api/messages/${group}`, { token: dee.token }), 404);
    expectStatus(
      await api('POST', '/api/messages', { token: dee.token, json: { message: 'x', message_group_uuid: group } }),
      404,
    );
    expectStatus(await api('PATCH', `/api/message_groups/${group}`, { token: dee.token, json: { title: 'x' } }), 404);
    expect(await listed(dee, group)).toBeUndefined();
    // Cy leaves; the owner leaves and ben (the admin) becomes owner.
    expectStatus(await api('DELETE', `/api/message_groups/${group}/members/${cy.handle}`, { token: cy.token }), 204);
    expectStatus(await api('DELETE', `/api/message_groups/${group}/members/${ada.handle}`, { token: ada.token }), 204);
    const after = await api('GET', `/api/message_groups/${group}`, { token: ben.token });
    expect(after.body.members).toEqual([{ handle: ben.handle, display_name: 'Ben G', role: 'owner' }]);
  });

  test('bad bodies and paths on the group routes are 400 JSON errors', async () => {
    const group = (await createGroup(ada, [ben, cy])).uuid;
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/api/message_groups', { title: 'x' }],
      ['POST', '/api/message_groups', { title: 1, handles: [ben.handle, cy.handle] }],
      ['PATCH', `/api/message_groups/${group}`, { name: 'x' }],
      ['POST', `/api/message_groups/${group}/members`, { handle: 'bad handle!' }],
      ['PUT', `/api/message_groups/${group}/members/${ben.handle}`, { role: 'king' }],
      ['GET', '/api/message_groups/not-a-uuid', undefined],
    ];
    for (const [method, path, json] of cases) {
      const res = await api(method, path, { token: ada.token, ...(json === undefined ? {} : { json }) });
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 400, 'validation_error']);
    }
  });
});
