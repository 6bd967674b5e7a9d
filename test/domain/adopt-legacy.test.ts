/**
 * adoptLegacyConversations (domain/legacy.ts, handlers/ops/adopt-legacy-conversations.ts):
 * conversations the original backend created (test/support/legacy.ts) become readable and
 * writable through our patterns A, C and D.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { blockUser } from '../../domain/blocks';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { db, tableName } from '../../domain/dynamodb';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { adoptLegacyConversations } from '../../domain/legacy';
import { listMessages } from '../../domain/list-messages';
import { handler as adopt } from '../../handlers/ops/adopt-legacy-conversations';
import { getItem, useIsolatedTable } from '../support/fixtures';
import { legacyCreateMessageGroup, legacyUser, pythonIsoformat } from '../support/legacy';

useIsolatedTable();

async function itemCount(): Promise<number> {
  const { Count } = await db().send(new ScanCommand({ TableName: tableName(), Select: 'COUNT', ConsistentRead: true }));
  return Count ?? 0;
}

async function legacyConversation(label: string) {
  const [me, other] = await Promise.all([legacyUser(`${label} me`), legacyUser(`${label} other`)]);
  const group = await legacyCreateMessageGroup(me, other, `${label}: hello`, pythonIsoformat(Date.now() * 1000));
  return { me, other, group };
}

let printed: string[];
beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

describe('adoptLegacyConversations', () => {
  it('is a dry run by default: reports what it would write, across every index page, and writes nothing', async () => {
    const legacy = await Promise.all([legacyConversation('a'), legacyConversation('b'), legacyConversation('c')]);
    const [ada, ben] = await Promise.all([legacyUser('Ada'), legacyUser('Ben')]);
    await createMessageGroup(ada, ben.handle, 'ours: complete already');
    const before = await itemCount();

    const report = await adopt({ pageSize: 1 });

    expect(await itemCount()).toBe(before);
    expect(report.applied).toBe(false);
    expect(report.indexPages).toBeGreaterThanOrEqual(8); // 8 rows, one per page
    expect({ conversations: report.conversations, complete: report.complete }).toEqual({ conversations: 4, complete: 1 });
    expect(report.adopted.map((a) => a.message_group_uuid).sort()).toEqual(legacy.map((l) => l.group).sort());
    for (const a of report.adopted)
      expect(a.missing).toEqual([`membership ${a.members[0]}`, `membership ${a.members[1]}`, 'pair']);
    expect(printed.at(-1)).toMatch(/^Dry run .*4 conversations .* 1 complete, 3 to adopt, 0 skipped$/);
    await expect(listMessages(legacy[0]!.group, legacy[0]!.me.uuid)).rejects.toThrow(NotFoundError);
  });

  it('with apply, its members can read, send into and re-find the conversation; a second run writes nothing', async () => {
    const { me, other, group } = await legacyConversation('d');
    await expect(listMessages(group, me.uuid)).rejects.toThrow(NotFoundError);

    const report = await adoptLegacyConversations({ apply: true });
    expect(report.adopted.find((a) => a.message_group_uuid === group)).toMatchObject({
      missing: expect.arrayContaining(['pair']),
    });
    expect(report.adopted.every((a) => !a.raced)).toBe(true);
    expect(await getItem(keys.pair(me.uuid, other.uuid))).toEqual({
      ...keys.pair(me.uuid, other.uuid),
      group_uuid: group,
      created_at: expect.stringMatching(/\.\d{6}Z$/),
    });

    expect((await listMessages(group, me.uuid)).items.map((m) => m.message)).toEqual(['d: hello']);
    await createMessage(group, other, 'ours: C into their conversation');
    const again = await createMessageGroup(me, other.handle, 'ours: D finds the same conversation');
    expect(again.message_group_uuid).toBe(group);
    expect((await listMessages(group, other.uuid)).items.map((m) => m.message)).toEqual([
      'd: hello',
      'ours: C into their conversation',
      'ours: D finds the same conversation',
    ]);

    const before = await itemCount();
    const second = await adoptLegacyConversations({ apply: true });
    expect(second.adopted).toEqual([]);
    expect(second.complete).toBe(second.conversations);
    expect(await itemCount()).toBe(before);
  });

  it('leaves a pair that already names another conversation of the two alone, and still makes the old one readable', async () => {
    const { me, other, group } = await legacyConversation('e');
    // Before adoption, D could not see the original's conversation and started a new one.
    const ours = await createMessageGroup(me, other.handle, 'ours: a second conversation');
    expect(ours.message_group_uuid).not.toBe(group);

    const report = await adoptLegacyConversations({ apply: true });

    expect(report.adopted.find((a) => a.message_group_uuid === group)).toEqual({
      message_group_uuid: group,
      members: [me.uuid, other.uuid].sort(),
      missing: [...[me.uuid, other.uuid].sort().map((u) => `membership ${u}`)],
      pairNames: ours.message_group_uuid,
    });
    expect((await getItem(keys.pair(me.uuid, other.uuid)))?.group_uuid).toBe(ours.message_group_uuid);
    expect((await listMessages(group, other.uuid)).items.map((m) => m.message)).toEqual(['e: hello']);
  });

  it('a block made before adoption holds after it: the adopted memberships carry its marks, and neither can send', async () => {
    const { me, other, group } = await legacyConversation('blocked');
    await blockUser(other, me.handle);
    await adopt({ apply: true });
    expect((await getItem(keys.membership(group, me.uuid)))?.blocked_by).toEqual(new Set([other.uuid]));
    await expect(createMessage(group, me, 'after adoption')).rejects.toThrow(ForbiddenError);
    await expect(createMessage(group, other, 'after adoption')).rejects.toThrow(ForbiddenError);
    await expect(createMessageGroup(me, other.handle, 'via handle')).rejects.toThrow(ForbiddenError);
  });
});
