import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createGroup, type CreatedGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { describeConversation } from '../../domain/describe-conversation';
import { db } from '../../domain/dynamodb';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { listMessages } from '../../domain/list-messages';
import { addMember, removeMember, renameGroup, setMemberRole } from '../../domain/manage-group';
import { isMember } from '../../domain/membership';
import type { UserProfile } from '../../domain/types';
import { updateConversationRows } from '../../domain/update-conversation-rows';
import { getItem, newUser, partition } from '../support/fixtures';

async function users(n: number): Promise<UserProfile[]> {
  const made: UserProfile[] = [];
  // A few at a time: the engine serialises transactions, and this keeps each call short.
  for (let i = 0; i < n; i += 20) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => newUser(`User ${i + j}`)))));
  }
  return made;
}

/** The rows of `group` in each user's GRP# partition (consistent). */
async function rowsOf(group: string, people: UserProfile[]): Promise<Map<string, Record<string, unknown>[]>> {
  const result = new Map<string, Record<string, unknown>[]>();
  await Promise.all(
    people.map(async (p) => {
      result.set(
        p.uuid,
        (await partition(keys.conversationPartition(p.uuid))).filter((row) => row.message_group_uuid === group),
      );
    }),
  );
  return result;
}

async function group3(message?: string) {
  const [ada, ben, cai, eve] = await users(4);
  const created = await createGroup(ada!, { title: 'Book club', handles: [ben!.handle, cai!.handle], message });
  return { ada: ada!, ben: ben!, cai: cai!, eve: eve!, created, group: created.conversation.message_group_uuid };
}

/** Pattern E for the group's newest message, as the stream handler would apply it. */
async function applyNewest(group: string) {
  const [newest] = (await partition(keys.messagePartition(group))).slice(-1);
  if (!newest) return;
  await updateConversationRows({
    message_group_uuid: group,
    created_at: String(newest.sk),
    message: String(newest.message),
    sender: {
      uuid: String(newest.user_uuid),
      handle: String(newest.user_handle),
      display_name: String(newest.user_display_name),
    },
  });
}

describe('pattern F: create a group', () => {
  it('writes META, one membership and one row per member (creator owner), and the first message, in one transaction', async () => {
    const { ada, ben, cai, created, group } = await group3('welcome');
    expect(created.conversation).toMatchObject({ kind: 'group', title: 'Book club', message_group_uuid: group });
    expect(Object.fromEntries(created.conversation.members.map((m) => [m.handle, m.role]))).toEqual({
      [ada.handle]: 'owner',
      [ben.handle]: 'member',
      [cai.handle]: 'member',
    });
    expect(await getItem(keys.groupMeta(group))).toMatchObject({ title: 'Book club', owner_uuid: ada.uuid, member_count: 3 });
    expect(await getItem(keys.groupMeta(group))).not.toHaveProperty('pending_members');
    const rows = await rowsOf(group, [ada, ben, cai]);
    for (const person of [ada, ben, cai]) {
      expect(rows.get(person.uuid)).toEqual([
        expect.objectContaining({ kind: 'group', title: 'Book club', message: 'welcome', user_handle: ada.handle }),
      ]);
      expect(await isMember(group, person.uuid)).toBe(true);
    }
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['welcome']);
  });

  it('refuses duplicate, unknown and own handles, too few or too many, writing nothing', async () => {
    const [ada, ben, cai] = await users(3);
    const tries: Array<[unknown, new (...args: never[]) => Error]> = [
      [[ben!.handle, ben!.handle.toUpperCase()], ValidationError],
      [[ben!.handle, 'nobody_here_zz9'], NotFoundError],
      [[ben!.handle, ada!.handle], ValidationError],
      [[ben!.handle], ValidationError],
      [Array.from({ length: 100 }, (_, i) => `h${i}`), ValidationError],
      ['not a list', ValidationError],
    ];
    for (const [handles, kind] of tries) {
      await expect(createGroup(ada!, { title: 'x', handles })).rejects.toThrow(kind);
    }
    await expect(createGroup(ada!, { title: '  ', handles: [ben!.handle, cai!.handle] })).rejects.toThrow(ValidationError);
    for (const person of [ada!, ben!, cai!]) expect(await partition(keys.conversationPartition(person.uuid))).toEqual([]);
  });

  it('with an Idempotency-Key, a retry returns the first response and writes nothing more; another body is a conflict', async () => {
    const [ada, ben, cai] = await users(3);
    const input = { title: 'Trip', handles: [ben!.handle, cai!.handle], message: 'hi' };
    const first = await createGroup(ada!, input, { idempotencyKey: 'trip-1' });
    const again = await createGroup(ada!, input, { idempotencyKey: 'trip-1' });
    expect(again).toEqual(first);
    expect(await partition(keys.messagePartition(first.conversation.message_group_uuid))).toHaveLength(1);
    await expect(createGroup(ada!, { ...input, title: 'Other' }, { idempotencyKey: 'trip-1' })).rejects.toThrow(ConflictError);
    expect((await partition(keys.conversationPartition(ada!.uuid))).length).toBe(1);
  });

  it('creates a 100-member group (more than one transaction holds) with exactly one row per member', async () => {
    const people = await users(100);
    const [owner, ...others] = people;
    const created = await createGroup(owner!, { title: 'Everyone', handles: others.map((o) => o.handle), message: 'all here' });
    const group = created.conversation.message_group_uuid;
    expect(created.conversation.members).toHaveLength(100);
    expect(await getItem(keys.groupMeta(group))).not.toHaveProperty('pending_members');
    const rows = await rowsOf(group, people);
    expect([...rows.values()].map((r) => r.length)).toEqual(Array(100).fill(1));
    expect((await partition(keys.membershipPartition(group))).length).toBe(102); // 100 members + META + HEAD (#17)
  }, 60000);

  it('a creation interrupted between its transactions is completed by a retry with the same Idempotency-Key', async () => {
    const people = await users(60);
    const [owner, ...others] = people;
    const input = { title: 'Big', handles: others.map((o) => o.handle), message: 'done' };
    // The process "crashes" when it sends its second transaction: step 1 is stored, nothing after it.
    const client = db();
    const send = client.send.bind(client);
    let transactions = 0;
    const spy = jest.spyOn(client, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof TransactWriteCommand && ++transactions === 2) return Promise.reject(new Error('crash'));
      return send(command as never);
    }) as never);
    await expect(createGroup(owner!, input, { idempotencyKey: 'big-1' })).rejects.toThrow('crash');
    spy.mockRestore();

    // What the crash left: a pending META and the first transaction's 49 members, each whole.
    const groupPk = (await partition(keys.conversationPartition(owner!.uuid)))[0]?.message_group_uuid as string;
    expect(await getItem(keys.groupMeta(groupPk))).toHaveProperty('pending_members');
    expect((await partition(keys.membershipPartition(groupPk))).length).toBe(1 + 49);
    const retried: CreatedGroup = await createGroup(owner!, input, { idempotencyKey: 'big-1' });
    const group = retried.conversation.message_group_uuid;
    expect(retried.conversation.members).toHaveLength(60);
    expect(await getItem(keys.groupMeta(group))).not.toHaveProperty('pending_members');
    const rows = await rowsOf(group, people);
    expect([...rows.values()].map((r) => r.length)).toEqual(Array(60).fill(1));
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['done']);
    expect(await createGroup(owner!, input, { idempotencyKey: 'big-1' })).toEqual(retried);
  }, 60000);
});

describe('pattern G, A, B, C for groups', () => {
  it('members read and post; GET describes the group; B shows kind, title and the last sender while direct items keep their shape', async () => {
    const { ada, ben, eve, group } = await group3('first');
    await createMessage(group, ben, 'from ben');
    await applyNewest(group);
    expect((await listMessages(group, ada.uuid)).items.map((m) => m.message)).toEqual(['first', 'from ben']);
    const described = await describeConversation(group, ben.uuid);
    expect(described).toMatchObject({ kind: 'group', title: 'Book club', created_at: expect.any(String) });
    expect(described.members).toHaveLength(3);

    await createMessageGroup(ada, eve.handle, 'direct hi');
    const items = (await listMessageGroups(ada.uuid)).items;
    const groupItem = items.find((i) => i.message_group_uuid === group);
    expect(groupItem).toMatchObject({ kind: 'group', title: 'Book club', message: 'from ben', user_handle: ben.handle });
    const direct = items.find((i) => i.message_group_uuid !== group);
    expect(Object.keys(direct!).sort()).toEqual([
      'last_message_at',
      'last_read_at',
      'message',
      'message_group_uuid',
      'unread_count',
      'user_display_name',
      'user_handle',
      'user_uuid',
    ]);
    const directDescribed = await describeConversation(direct!.message_group_uuid, ada.uuid);
    expect(directDescribed).toMatchObject({ kind: 'direct', title: null });
    expect(directDescribed.members.map((m) => m.handle).sort()).toEqual([ada.handle, eve.handle].sort());
  });

  it('a non-member gets 404 on GET, A and C', async () => {
    const { eve, group } = await group3();
    await expect(describeConversation(group, eve.uuid)).rejects.toThrow(NotFoundError);
    await expect(listMessages(group, eve.uuid)).rejects.toThrow(NotFoundError);
    await expect(createMessage(group, eve, 'let me in')).rejects.toThrow(NotFoundError);
  });
});

describe('pattern H: roles, add, remove, leave, rename', () => {
  it('a plain member cannot add, remove, rename or change roles, and nobody adds themself', async () => {
    const { ada, ben, cai, eve, group } = await group3();
    await expect(addMember(group, ben, eve.handle)).rejects.toThrow(ForbiddenError);
    await expect(removeMember(group, ben, cai.handle)).rejects.toThrow(ForbiddenError);
    await expect(renameGroup(group, ben, 'Mine now')).rejects.toThrow(ForbiddenError);
    await expect(setMemberRole(group, ben, cai.handle, 'admin')).rejects.toThrow(ForbiddenError);
    await expect(addMember(group, eve, eve.handle)).rejects.toThrow(NotFoundError);
    await expect(addMember(group, ada, ada.handle)).rejects.toThrow(ValidationError);
    expect((await describeConversation(group, ada.uuid)).members.map((m) => m.role).sort()).toEqual([
      'member',
      'member',
      'owner',
    ]);
    expect((await describeConversation(group, ada.uuid)).title).toBe('Book club');
  });

  it('an admin adds and removes plain members and renames, but cannot remove the owner or change roles', async () => {
    const { ada, ben, cai, eve, group } = await group3('m1');
    await setMemberRole(group, ada, ben.handle, 'admin');
    const added = await addMember(group, ben, eve.handle);
    expect(added.members.find((m) => m.handle === eve.handle)?.role).toBe('member');
    const eveRows = await rowsOf(group, [eve]);
    expect(eveRows.get(eve.uuid)).toEqual([expect.objectContaining({ kind: 'group', message: 'm1' })]);
    await expect(addMember(group, ben, eve.handle)).rejects.toThrow(ConflictError);
    await expect(removeMember(group, ben, ada.handle)).rejects.toThrow(ForbiddenError);
    await expect(setMemberRole(group, ben, cai.handle, 'admin')).rejects.toThrow(ForbiddenError);
    await renameGroup(group, ben, 'Readers');
    const rows = await rowsOf(group, [ada, ben, cai, eve]);
    for (const list of rows.values()) expect(list).toEqual([expect.objectContaining({ title: 'Readers' })]);
    await removeMember(group, ben, cai.handle);
    expect((await rowsOf(group, [cai])).get(cai.uuid)).toEqual([]);
    expect(await getItem(keys.groupMeta(group))).toMatchObject({ member_count: 3, title: 'Readers' });
  });

  it('a removed member gets 404 everywhere, their row is gone with the membership, and pattern E never brings it back', async () => {
    const { ada, ben, cai, group } = await group3('before');
    await removeMember(group, ada, cai.handle);
    expect(await isMember(group, cai.uuid)).toBe(false);
    expect((await rowsOf(group, [cai])).get(cai.uuid)).toEqual([]);
    await createMessage(group, ben, 'after');
    await applyNewest(group);
    expect((await rowsOf(group, [cai])).get(cai.uuid)).toEqual([]);
    expect((await rowsOf(group, [ada])).get(ada.uuid)).toEqual([expect.objectContaining({ message: 'after' })]);
    await expect(listMessages(group, cai.uuid)).rejects.toThrow(NotFoundError);
    await expect(createMessage(group, cai, 'still here?')).rejects.toThrow(NotFoundError);
    await expect(describeConversation(group, cai.uuid)).rejects.toThrow(NotFoundError);
    await expect(removeMember(group, cai, cai.handle)).rejects.toThrow(NotFoundError);
    await expect(renameGroup(group, cai, 'x')).rejects.toThrow(NotFoundError);
  });

  it('when the owner leaves, the longest-standing admin becomes owner; without admins the longest-standing member', async () => {
    const { ada, ben, cai, eve, group } = await group3();
    await addMember(group, ada, eve.handle);
    await setMemberRole(group, ada, eve.handle, 'admin');
    await removeMember(group, ada, ada.handle);
    let roles = Object.fromEntries((await describeConversation(group, ben.uuid)).members.map((m) => [m.handle, m.role]));
    expect(roles).toEqual({ [ben.handle]: 'member', [cai.handle]: 'member', [eve.handle]: 'owner' });
    await removeMember(group, eve, eve.handle);
    roles = Object.fromEntries((await describeConversation(group, ben.uuid)).members.map((m) => [m.handle, m.role]));
    const senior = [ben, cai].sort((a, b) => (a.uuid < b.uuid ? -1 : 1))[0]!; // joined together: by uuid
    expect(roles[senior.handle]).toBe('owner');
    expect(await getItem(keys.groupMeta(group))).toMatchObject({ owner_uuid: senior.uuid, member_count: 2 });
  });

  it('the owner hands the group over with role owner and becomes admin', async () => {
    const { ada, ben, group } = await group3();
    const after = await setMemberRole(group, ada, ben.handle, 'owner');
    expect(Object.fromEntries(after.members.map((m) => [m.handle, m.role]))).toMatchObject({
      [ada.handle]: 'admin',
      [ben.handle]: 'owner',
    });
    await expect(setMemberRole(group, ada, ben.handle, 'member')).rejects.toThrow(ForbiddenError);
  });

  it('direct conversations have nothing to manage', async () => {
    const [ada, ben, cai] = await users(3);
    const direct = (await createMessageGroup(ada!, ben!.handle, 'hi')).message_group_uuid;
    await expect(addMember(direct, ada!, cai!.handle)).rejects.toThrow(ValidationError);
    await expect(renameGroup(direct, ada!, 'x')).rejects.toThrow(ValidationError);
  });
});

describe('races on the real engine', () => {
  it('concurrent add, remove, leave, send and pattern E never leave a member with zero or two rows, or a non-member with one', async () => {
    const people = await users(10);
    const [owner, ...rest] = people as [UserProfile, ...UserProfile[]];
    const start = rest.slice(0, 5);
    const outsiders = rest.slice(5);
    const { conversation } = await createGroup(owner, { title: 'Race', handles: start.map((p) => p.handle), message: 'go' });
    const group = conversation.message_group_uuid;
    for (let round = 0; round < 3; round++) {
      const ops: Array<Promise<unknown>> = [];
      for (const o of outsiders) ops.push(addMember(group, owner, o.handle).catch(() => undefined));
      for (const p of start.slice(0, 2)) ops.push(removeMember(group, p, p.handle).catch(() => undefined)); // leave
      ops.push(removeMember(group, owner, start[2]!.handle).catch(() => undefined));
      for (const p of [owner, ...start.slice(3)]) ops.push(createMessage(group, p, `r${round}`).catch(() => undefined));
      for (let e = 0; e < 3; e++) ops.push(applyNewest(group).catch(() => undefined));
      await Promise.all(ops);
      await applyNewest(group);
      const members = new Set(
        (await partition(keys.membershipPartition(group))).flatMap((i) => (typeof i.user_uuid === 'string' ? [i.user_uuid] : [])),
      );
      const rows = await rowsOf(group, people);
      for (const person of people)
        expect([person.uuid, rows.get(person.uuid)!.length]).toEqual([person.uuid, members.has(person.uuid) ? 1 : 0]);
      expect(await getItem(keys.groupMeta(group))).toMatchObject({ member_count: members.size });
      // Put everyone back for the next round.
      for (const p of start.slice(0, 3)) await addMember(group, owner, p.handle).catch(() => undefined);
      for (const o of outsiders) await removeMember(group, owner, o.handle).catch(() => undefined);
    }
  }, 60000);
});
