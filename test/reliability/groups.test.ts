/**
 * Groups and roles (#16) against the running offline stack: the access matrix (owner, admin,
 * member, removed member, outsider × every group route) and fuzzing of every new route.
 * Violations: a leak (someone gets what their role does not allow), a 5xx, a rejection
 * without the JSON error envelope, and any item written by a rejected request.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { recordFigure } from './figures';
import { call, newClient, scanChanges, settledScan, type Client, type Item, type Reply } from './support';

const RUNS_PER_PROPERTY = 150; // × 8 routes = 1200 inputs
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

let owner: Client, admin: Client, member: Client, removed: Client, outsider: Client, spare: Client, spare2: Client;
let group: string, otherGroup: string;
// Edit and delete (#17): the owner's first message, a member's message, and a direct
// conversation whose sender (blocked) is blocked by the other.
let ownersMessage: string, membersMessage: string;
let blocked: Client, direct: string, blockedsMessage: string;

async function createGroup(by: Client, handles: string[], title: string): Promise<string> {
  const reply = await call('POST', '/api/message_groups', {
    token: by.accessToken,
    json: { title, handles, message: `${title} secret` },
  });
  if (reply.status !== 201) throw new Error(`creating ${title}: ${reply.status} ${reply.text}`);
  return reply.body.uuid as string;
}

const isEnvelope = (reply: Reply) =>
  typeof reply.body?.error?.code === 'string' && typeof reply.body?.error?.message === 'string';

beforeAll(async () => {
  [owner, admin, member, removed, outsider, spare, spare2] = [
    await newClient('gr_own'),
    await newClient('gr_adm'),
    await newClient('gr_mem'),
    await newClient('gr_rem'),
    await newClient('gr_out'),
    await newClient('gr_sp'),
    await newClient('gr_sp2'),
  ];
  group = await createGroup(owner, [admin.handle, member.handle, removed.handle, spare.handle], 'Matrix');
  otherGroup = await createGroup(outsider, [spare.handle, spare2.handle], 'Elsewhere');
  const promote = await call('PUT', `/api/message_groups/${group}/members/${admin.handle}`, {
    token: owner.accessToken,
    json: { role: 'admin' },
  });
  const remove = await call('DELETE', `/api/message_groups/${group}/members/${removed.handle}`, { token: owner.accessToken });
  if (promote.status !== 200 || remove.status !== 204) throw new Error(`fixtures: ${promote.status} ${remove.status}`);
  const page = await call('GET', `/api/messages/${group}`, { token: owner.accessToken });
  ownersMessage = page.body[0].uuid;
  membersMessage = (
    await call('POST', '/api/messages', {
      token: member.accessToken,
      json: { message_group_uuid: group, message: 'member secret' },
    })
  ).body.uuid;
  blocked = await newClient('gr_blk');
  const started = await call('POST', '/api/messages', {
    token: blocked.accessToken,
    json: { handle: outsider.handle, message: 'direct secret' },
  });
  [direct, blockedsMessage] = [started.body.message_group_uuid, started.body.uuid];
  const block = await call('POST', `/api/users/@${blocked.handle}/block`, { token: outsider.accessToken });
  if (!ownersMessage || !membersMessage || !blockedsMessage || block.status !== 200) throw new Error('fixtures: edit/delete');
}, 180_000);

describe('groups: access matrix', () => {
  test('every role × every group route: what the role may not do is refused (403/404/400), writes nothing, and shows nothing', async () => {
    const leaks: string[] = [];
    let cases = 0;
    type Case = { who: Client; role: string; method: string; path: string; json?: unknown; expect: number };
    const g = `/api/message_groups/${group}`;
    const refused: Case[] = [];
    for (const [who, role] of [
      [member, 'member'],
      [removed, 'removed'],
      [outsider, 'outsider'],
    ] as const) {
      const notMember = role !== 'member';
      const status = notMember ? 404 : 403;
      refused.push(
        { who, role, method: 'PATCH', path: g, json: { title: `by ${role}` }, expect: status },
        { who, role, method: 'POST', path: `${g}/members`, json: { handle: spare2.handle }, expect: status },
        { who, role, method: 'DELETE', path: `${g}/members/${spare.handle}`, expect: status },
        { who, role, method: 'PUT', path: `${g}/members/${spare.handle}`, json: { role: 'admin' }, expect: status },
        // Nobody adds themself: a non-member is not in the group, a member is already in it.
        { who, role, method: 'POST', path: `${g}/members`, json: { handle: who.handle }, expect: notMember ? 404 : 403 },
      );
      // Edit and delete (#17): another's message is 403 to a member, 404 to a non-member.
      const m = `/api/messages/${group}/${ownersMessage}`;
      refused.push(
        { who, role, method: 'PATCH', path: m, json: { message: `by ${role}` }, expect: status },
        { who, role, method: 'DELETE', path: m, expect: status },
      );
      if (notMember) {
        refused.push(
          { who, role, method: 'PATCH', path: `/api/messages/${group}/${membersMessage}`, json: { message: 'x' }, expect: 404 },
          { who, role, method: 'GET', path: g, expect: 404 },
          { who, role, method: 'GET', path: `/api/messages/${group}`, expect: 404 },
          { who, role, method: 'POST', path: '/api/messages', json: { message_group_uuid: group, message: 'in?' }, expect: 404 },
          { who, role, method: 'DELETE', path: `${g}/members/${who.handle}`, expect: 404 },
          // Read markers (#17): members only.
          { who, role, method: 'POST', path: `${g}/read`, json: {}, expect: 404 },
        );
      }
    }
    refused.push(
      // An admin may not touch the owner or roles, nor add themself.
      { who: admin, role: 'admin', method: 'DELETE', path: `${g}/members/${owner.handle}`, expect: 403 },
      { who: admin, role: 'admin', method: 'PUT', path: `${g}/members/${member.handle}`, json: { role: 'admin' }, expect: 403 },
      { who: admin, role: 'admin', method: 'POST', path: `${g}/members`, json: { handle: admin.handle }, expect: 400 },
      { who: owner, role: 'owner', method: 'POST', path: `${g}/members`, json: { handle: owner.handle }, expect: 400 },
      { who: owner, role: 'owner', method: 'PUT', path: `${g}/members/${owner.handle}`, json: { role: 'member' }, expect: 400 },
      // An admin edits no one else's message (deleting is the moderators' right, editing is not).
      {
        who: admin,
        role: 'admin',
        method: 'PATCH',
        path: `/api/messages/${group}/${membersMessage}`,
        json: { message: 'by admin' },
        expect: 403,
      },
      // A sender blocked in their direct conversation edits nothing there (the send's neutral 403),
      // and the blocker still cannot edit or delete the blocked user's message.
      {
        who: blocked,
        role: 'blocked',
        method: 'PATCH',
        path: `/api/messages/${direct}/${blockedsMessage}`,
        json: { message: 'edited while blocked' },
        expect: 403,
      },
      { who: outsider, role: 'blocker', method: 'DELETE', path: `/api/messages/${direct}/${blockedsMessage}`, expect: 403 },
      // Nobody reaches another group through this one's routes.
      { who: owner, role: 'owner', method: 'GET', path: `/api/message_groups/${otherGroup}`, expect: 404 },
      {
        who: owner,
        role: 'owner',
        method: 'DELETE',
        path: `/api/message_groups/${otherGroup}/members/${spare.handle}`,
        expect: 404,
      },
    );

    const before = await settledScan();
    for (const c of refused) {
      const reply = await call(c.method, c.path, { token: c.who.accessToken, ...(c.json === undefined ? {} : { json: c.json }) });
      cases++;
      if (reply.status !== c.expect || !isEnvelope(reply) || /secret/.test(reply.text))
        leaks.push(
          `${c.role} ${c.method} ${c.path} ${JSON.stringify(c.json ?? '')} → ${reply.status} ${reply.text.slice(0, 120)}`,
        );
    }
    const writes = scanChanges(before, await settledScan());

    // What each role may do, it can.
    const list = async (who: Client) =>
      ((await call('GET', '/api/message_groups', { token: who.accessToken })).body as Array<{ uuid: string }>).map((i) => i.uuid);
    const allowed: Array<[string, () => Promise<boolean>]> = [
      ['member reads', async () => (await call('GET', `/api/messages/${group}`, { token: member.accessToken })).status === 200],
      ['member describes', async () => (await call('GET', g, { token: member.accessToken })).status === 200],
      [
        'member marks read',
        async () => (await call('POST', `${g}/read`, { token: member.accessToken, json: {} })).status === 200,
      ],
      ['removed member does not list it', async () => !(await list(removed)).includes(group)],
      [
        'owner edits their message',
        async () =>
          (
            await call('PATCH', `/api/messages/${group}/${ownersMessage}`, {
              token: owner.accessToken,
              json: { message: 'edited' },
            })
          ).status === 200,
      ],
      [
        'admin deletes a member’s message',
        async () =>
          (await call('DELETE', `/api/messages/${group}/${membersMessage}`, { token: admin.accessToken })).body?.deleted === true,
      ],
      [
        'a blocked sender still deletes their own message',
        async () =>
          (await call('DELETE', `/api/messages/${direct}/${blockedsMessage}`, { token: blocked.accessToken })).body?.deleted ===
          true,
      ],
      ['outsider does not list it', async () => !(await list(outsider)).includes(group)],
      [
        'admin renames',
        async () => (await call('PATCH', g, { token: admin.accessToken, json: { title: 'Renamed' } })).status === 200,
      ],
      [
        'admin adds',
        async () =>
          (await call('POST', `${g}/members`, { token: admin.accessToken, json: { handle: spare2.handle } })).status === 200,
      ],
      [
        'admin removes a member',
        async () => (await call('DELETE', `${g}/members/${spare2.handle}`, { token: admin.accessToken })).status === 204,
      ],
      [
        'owner sets a role',
        async () =>
          (await call('PUT', `${g}/members/${spare.handle}`, { token: owner.accessToken, json: { role: 'admin' } })).status ===
          200,
      ],
      [
        'member leaves',
        async () => (await call('DELETE', `${g}/members/${member.handle}`, { token: member.accessToken })).status === 204,
      ],
      ['who left gets 404', async () => (await call('GET', g, { token: member.accessToken })).status === 404],
    ];
    for (const [what, check] of allowed) {
      cases++;
      if (!(await check())) leaks.push(`allowed action failed: ${what}`);
    }

    recordFigure({ area: 'groups', name: 'access-matrix cases (5 roles × group routes, edit and delete)', value: cases });
    recordFigure({ area: 'groups', name: 'leaks or wrong answers', value: leaks.length, max: 0 });
    recordFigure({ area: 'groups', name: 'items written by refused requests', value: writes.length, max: 0 });
    expect(leaks).toEqual([]);
    expect(writes).toEqual([]);
    expect(cases).toBeGreaterThan(30);
  }, 180_000);
});

// --- fuzzing ------------------------------------------------------------------------------

const stats = { inputs: 0, gateway: 0, serverErrors: [] as string[], badEnvelopes: [] as string[], accepted: [] as string[] };

function observe(what: string, reply: Reply): void {
  stats.inputs++;
  if (reply.status >= 500) stats.serverErrors.push(`${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
  else if (reply.status < 300) stats.accepted.push(`${what} → ${reply.status}`);
  else if (!isEnvelope(reply)) {
    // The gateway's own answers (authorizer 401, unmatched route, unparsable path): 4xx, no Lambda ran.
    if (reply.status === 401 || reply.status === 404 || reply.status === 400 || reply.status === 414) stats.gateway++;
    else stats.badEnvelopes.push(`${what} → ${reply.status} ${reply.text.slice(0, 200)}`);
  }
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '\ud800',
    '<b>',
    '#',
    'GROUP#',
    'META',
    'MEMBER#x',
    '💩',
    'x'.repeat(101),
    'y'.repeat(5000),
  ),
);
const segment = (values: () => string[]) =>
  fc.oneof(fc.constantFrom(...values()), nasty, fc.uuid().map(String)).map((text) => {
    try {
      return encodeURIComponent(text);
    } catch {
      return 'bad%ED%A0%80';
    }
  });

describe('groups: fuzzing every new route', () => {
  // The fuzzing caller is a plain member (spare is made admin above; a fresh member is used).
  let caller: Client;
  let before: Item[];
  beforeAll(async () => {
    caller = await newClient('gr_fz');
    const add = await call('POST', `/api/message_groups/${group}/members`, {
      token: owner.accessToken,
      json: { handle: caller.handle },
    });
    if (add.status !== 200) throw new Error(`fixture: add fuzz caller ${add.status} ${add.text}`);
    before = await settledScan();
  }, 60_000);

  // Every generated request must be refused: a plain member may change nothing, and no
  // generated create names two valid, distinct other handles.
  const groups = () => [group, otherGroup, group.toUpperCase(), randomUUID(), `${group}/members`];
  const handles = () => [owner.handle, outsider.handle, 'nobody_here'];
  const titleValue = fc.oneof(nasty, fc.anything());
  const handleValue = () => fc.oneof(fc.constantFrom(...handles()), nasty, fc.anything());

  // Arbitraries are built when the test runs: they name fixtures created in beforeAll.
  const property = (name: string, arbitrary: () => fc.Arbitrary<{ method: string; path: string; json?: unknown }>) =>
    test(`${name}: never 5xx, every rejection a JSON 4xx`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary(), async ({ method, path, json }) => {
          const reply = await call(method, path, { token: caller.accessToken, ...(json === undefined ? {} : { json }) });
          observe(`${method} ${path.slice(0, 80)} ${JSON.stringify(json)?.slice(0, 100)}`, reply);
          return reply.status < 500;
        }),
        { numRuns: RUNS_PER_PROPERTY, seed: SEED },
      );
    }, 240_000);

  property('POST /api/message_groups', () =>
    fc
      .oneof(
        fc.record(
          {
            title: titleValue,
            handles: fc.oneof(fc.array(handleValue(), { maxLength: 5 }), fc.anything()),
            message: fc.oneof(nasty, fc.anything()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      )
      .map((json) => ({ method: 'POST', path: '/api/message_groups', json })),
  );
  property('GET /api/message_groups/{uuid}', () =>
    segment(groups).map((s) => ({ method: 'GET', path: `/api/message_groups/${s}` })),
  );
  property('PATCH /api/message_groups/{uuid}', () =>
    fc
      .tuple(segment(groups), fc.oneof(fc.record({ title: titleValue }, { requiredKeys: [] }), fc.anything()))
      .map(([s, json]) => ({
        method: 'PATCH',
        path: `/api/message_groups/${s}`,
        json,
      })),
  );
  property('POST /api/message_groups/{uuid}/members', () =>
    fc
      .tuple(segment(groups), fc.oneof(fc.record({ handle: handleValue() }, { requiredKeys: [] }), fc.anything()))
      .map(([s, json]) => ({
        method: 'POST',
        path: `/api/message_groups/${s}/members`,
        json,
      })),
  );
  property('DELETE /api/message_groups/{uuid}/members/{handle}', () =>
    fc
      .tuple(segment(groups), segment(handles))
      .map(([s, h]) => ({ method: 'DELETE', path: `/api/message_groups/${s}/members/${h}` })),
  );
  property('PUT /api/message_groups/{uuid}/members/{handle}', () =>
    fc
      .tuple(
        segment(groups),
        segment(handles),
        fc.oneof(fc.record({ role: fc.oneof(fc.constantFrom('owner', 'admin', 'member'), nasty) }), fc.anything()),
      )
      .map(([s, h, json]) => ({ method: 'PUT', path: `/api/message_groups/${s}/members/${h}`, json })),
  );

  // Edit and delete (#17): the fuzz caller sent nothing, so every edit and delete is refused.
  const messages = () => [ownersMessage, membersMessage, blockedsMessage, randomUUID(), '0190a1b2-c3d4-7123-8abc-0123456789ab'];
  const groupsAndDirect = () => [...groups(), direct];
  property('PATCH /api/messages/{uuid}/{message_uuid}', () =>
    fc
      .tuple(
        segment(groupsAndDirect),
        segment(messages),
        fc.oneof(fc.record({ message: fc.oneof(nasty, fc.anything()) }, { requiredKeys: [] }), fc.anything()),
      )
      .map(([s, m, json]) => ({ method: 'PATCH', path: `/api/messages/${s}/${m}`, json })),
  );
  property('DELETE /api/messages/{uuid}/{message_uuid}', () =>
    fc
      .tuple(segment(groupsAndDirect), segment(messages))
      .map(([s, m]) => ({ method: 'DELETE', path: `/api/messages/${s}/${m}` })),
  );

  test('no item was written by a rejected request, and nothing leaked', async () => {
    const writes = scanChanges(before, await settledScan());
    // GET of the caller's own group is the one thing a plain member may do.
    const acceptedWrites = stats.accepted.filter((a) => !a.startsWith('GET'));
    recordFigure({ area: 'groups', name: 'fuzzed inputs (6 group routes, edit, delete)', value: stats.inputs, min: 1200 });
    recordFigure({ area: 'groups', name: 'fuzz responses ≥ 500', value: stats.serverErrors.length, max: 0 });
    recordFigure({ area: 'groups', name: 'fuzz rejections without a JSON envelope', value: stats.badEnvelopes.length, max: 0 });
    recordFigure({ area: 'groups', name: 'fuzzed writes accepted', value: acceptedWrites.length, max: 0 });
    recordFigure({ area: 'groups', name: 'items written by fuzzed requests', value: writes.length, max: 0 });
    expect({ serverErrors: stats.serverErrors, badEnvelopes: stats.badEnvelopes.slice(0, 10), acceptedWrites }).toEqual({
      serverErrors: [],
      badEnvelopes: [],
      acceptedWrites: [],
    });
    expect(writes).toEqual([]);
    expect(stats.inputs).toBeGreaterThanOrEqual(1200);
  }, 60_000);
});
