/**
 * Race (#17): concurrent edits and a delete of one message, then a send racing late edits, on
 * the offline stack — the real engine, its stream and pattern E running beside the writes. At
 * the end the item and every member's row agree: the tombstone wins, no edit's text is left in
 * the message partition, any row, or any idempotency record; the rows then move to the send.
 * (`for i in $(seq 20); do npx jest --selectProjects http --testPathPatterns http/edit-race; done`
 * is how it was run 20 times: BENCHMARKS.md, #17.)
 */
import { keys } from '../../domain/keys';
import { getItem, partition } from '../support/fixtures';
import { api } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

const WAIT_MS = 20_000;
const EDITS = 6;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > WAIT_MS) throw new Error(`${what}: not within ${WAIT_MS} ms; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function rowOf(user: SignedInUser, group: string): Promise<Record<string, unknown> | undefined> {
  const rows = (await partition(keys.conversationPartition(user.profile.uuid))).filter((row) => row.message_group_uuid === group);
  if (rows.length > 1) throw new Error(`${user.handle} has ${rows.length} rows for one conversation`);
  return rows[0];
}

async function race(sender: SignedInUser, members: SignedInUser[], group: string, label: string): Promise<void> {
  const last = await api('POST', '/api/messages', {
    token: sender.token,
    json: { message: `${label} original`, message_group_uuid: group },
  });
  expect(last.status).toBe(200);
  const target = `/api/messages/${group}/${last.body.uuid}`;
  const keysUsed = Array.from({ length: EDITS }, (_, i) => `${label}-${last.body.uuid}-${i}`);
  // Edits (half with an Idempotency-Key) and the delete at once.
  const answers = await Promise.all([
    ...keysUsed.map((key, i) =>
      api('PATCH', target, {
        token: sender.token,
        json: { message: `${label} edit ${i}` },
        headers: i % 2 ? { 'Idempotency-Key': key } : {},
      }),
    ),
    api('DELETE', target, { token: sender.token }),
  ]);
  for (const answer of answers) expect([200, 409]).toContain(answer.status);
  expect(answers.at(-1)?.body).toMatchObject({ deleted: true, message: null });

  const item = await getItem(keys.message(group, last.body.created_at));
  expect(item).toMatchObject({ deleted: true });
  expect(item).not.toHaveProperty('message');
  for (const member of members) {
    await until(
      () => rowOf(member, group),
      (row) => row?.deleted === true && row.sk === last.body.created_at,
      `${member.handle}'s row a tombstone`,
    );
  }

  // A send racing late edits (all refused: the message is deleted): the rows move to the send.
  const [sent, ...late] = await Promise.all([
    api('POST', '/api/messages', { token: members[1]!.token, json: { message: `${label} after`, message_group_uuid: group } }),
    ...Array.from({ length: 3 }, (_, i) =>
      api('PATCH', target, { token: sender.token, json: { message: `${label} late ${i}` } }),
    ),
  ]);
  expect(sent?.status).toBe(200);
  expect(late.map((answer) => answer.status)).toEqual([409, 409, 409]);
  for (const member of members) {
    const row = await until(
      () => rowOf(member, group),
      (r) => r?.sk === sent!.body.created_at,
      `${member.handle}'s row at the send`,
    );
    expect(row).toMatchObject({ message: `${label} after` });
  }

  // No edit's text anywhere: the message partition, the rows, the idempotency records.
  const everywhere = JSON.stringify([
    await partition(keys.messagePartition(group)),
    ...(await Promise.all(members.map((m) => partition(keys.conversationPartition(m.profile.uuid))))),
    ...(await Promise.all(keysUsed.map((key) => getItem(keys.idempotency(sender.profile.uuid, key))))),
  ]);
  expect(everywhere).not.toContain(`${label} edit`);
  expect(everywhere).not.toContain(`${label} original`);
}

describe('concurrent edits and a delete of one message, then a send', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let cai: SignedInUser;
  let dee: SignedInUser;
  beforeAll(async () => {
    [ada, ben, cai, dee] = await Promise.all([
      signedInUser('Ada Race'),
      signedInUser('Ben Race'),
      signedInUser('Cai Race'),
      signedInUser('Dee Race'),
    ]);
  });

  test('direct: the item and both rows end as one tombstone, then at the send; no edit text left anywhere', async () => {
    const start = await api('POST', '/api/messages', { token: ben.token, json: { message: 'hi', handle: ada.handle } });
    await race(ada, [ada, ben], start.body.message_group_uuid, 'direct');
  });

  test('group of four: every member row ends as the tombstone, then at the send; no edit text left anywhere', async () => {
    const created = await api('POST', '/api/message_groups', {
      token: ada.token,
      json: { title: 'Race', handles: [ben.handle, cai.handle, dee.handle] },
    });
    expect(created.status).toBe(201);
    await race(ada, [ada, ben, cai, dee], created.body.uuid, 'group');
  });
});
