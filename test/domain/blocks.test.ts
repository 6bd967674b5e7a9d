/** Blocks (issue #20) against the real engine: the rules of domain/blocks.ts, both directions. */
import {
  BLOCKED_SENDER_TEXT,
  blockedUuids,
  blockUser,
  listBlocks,
  blockingPairs,
  blockPairKey,
  recipientsNotBlocking,
  SEND_NOT_ALLOWED,
  unblockUser,
} from '../../domain/blocks';
import { createMessage } from '../../domain/create-message';
import { createGroup } from '../../domain/create-group';
import { createMessageGroup } from '../../domain/create-message-group';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { listMessages } from '../../domain/list-messages';
import { updateConversationRows } from '../../domain/update-conversation-rows';
import { newUser, getItem, partition } from '../support/fixtures';

async function pair() {
  const [ada, ben, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Eve')]);
  return { ada, ben, eve };
}

describe('block and unblock', () => {
  it('blocking twice keeps one block with its first time, and writes nothing the second time', async () => {
    const { ada, ben } = await pair();
    const first = await blockUser(ada, ben.handle);
    const again = await blockUser(ada, ben.handle);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ blocked_uuid: ben.uuid, handle: ben.handle, display_name: 'Ben' });
    expect(await partition(keys.blocksPartition(ada.uuid))).toHaveLength(1);
  });

  it('refuses blocking yourself (400) and an unknown handle (404), writing nothing', async () => {
    const { ada } = await pair();
    await expect(blockUser(ada, ada.handle)).rejects.toThrow(ValidationError);
    await expect(blockUser(ada, 'nobody_at_all_here')).rejects.toThrow(NotFoundError);
    await expect(blockUser(ada, 'bad handle!')).rejects.toThrow(ValidationError);
    expect(await partition(keys.blocksPartition(ada.uuid))).toEqual([]);
  });

  it('a blocked user can neither start a conversation with the blocker nor be written to by the blocker, with one neutral 403', async () => {
    const { ada, ben } = await pair();
    await blockUser(ada, ben.handle);
    const fromBlocked = createMessageGroup(ben, ada.handle, 'hi');
    await expect(fromBlocked).rejects.toThrow(ForbiddenError);
    await expect(fromBlocked).rejects.toThrow(SEND_NOT_ALLOWED);
    await expect(createMessageGroup(ada, ben.handle, 'hi')).rejects.toThrow(SEND_NOT_ALLOWED);
    expect(await getItem(keys.pair(ada.uuid, ben.uuid))).toBeUndefined();
  });

  it('in an existing direct conversation both C directions are a 403 and write nothing, while the history stays readable', async () => {
    const { ada, ben } = await pair();
    const { message_group_uuid: group } = await createMessageGroup(ada, ben.handle, 'before');
    await blockUser(ada, ben.handle);
    await expect(createMessage(group, ben, 'after')).rejects.toThrow(SEND_NOT_ALLOWED);
    await expect(createMessage(group, ada, 'after')).rejects.toThrow(SEND_NOT_ALLOWED);
    // Pattern D lands in the existing conversation and is refused there too.
    await expect(createMessageGroup(ben, ada.handle, 'after')).rejects.toThrow(SEND_NOT_ALLOWED);
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['before']);
    expect((await listMessages(group, ben.uuid)).items.map((m) => m.message)).toEqual(['before']);
  });

  it('unblocking restores sending both ways, and leaves the memberships exactly as before the block', async () => {
    const { ada, ben } = await pair();
    const { message_group_uuid: group } = await createMessageGroup(ada, ben.handle, 'before');
    const membershipsBefore = await partition(keys.membershipPartition(group));
    await blockUser(ada, ben.handle);
    expect((await getItem(keys.membership(group, ben.uuid)))?.blocked_by).toEqual(new Set([ada.uuid]));
    await unblockUser(ada, ben.handle);
    await unblockUser(ada, ben.handle); // idempotent
    expect(await partition(keys.membershipPartition(group))).toEqual(membershipsBefore);
    await createMessage(group, ben, 'after');
    await createMessageGroup(ada, ben.handle, 'again');
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['before', 'after', 'again']);
    expect(await partition(keys.blocksPartition(ada.uuid))).toEqual([]);
  });

  it('when both block each other, one unblock leaves the other block in force', async () => {
    const { ada, ben } = await pair();
    const { message_group_uuid: group } = await createMessageGroup(ada, ben.handle, 'before');
    await blockUser(ada, ben.handle);
    await blockUser(ben, ada.handle);
    await unblockUser(ada, ben.handle);
    await expect(createMessage(group, ada, 'x')).rejects.toThrow(ForbiddenError);
    await unblockUser(ben, ada.handle);
    await expect(createMessage(group, ada, 'x')).resolves.toMatchObject({ message: 'x' });
  });

  it('unblocking a user you never blocked writes nothing and creates no membership', async () => {
    const { ada, eve } = await pair();
    await unblockUser(ada, eve.handle);
    expect(await partition(keys.blocksPartition(ada.uuid))).toEqual([]);
  });

  it('a block racing a conversation start leaves no conversation without the block marks', async () => {
    const { ada, ben } = await pair();
    const [start] = await Promise.allSettled([createMessageGroup(ben, ada.handle, 'race'), blockUser(ada, ben.handle)]);
    if (start.status === 'fulfilled') {
      const group = start.value.message_group_uuid;
      expect((await getItem(keys.membership(group, ben.uuid)))?.blocked_by).toEqual(new Set([ada.uuid]));
      expect((await getItem(keys.membership(group, ada.uuid)))?.blocked_by).toEqual(new Set([ada.uuid]));
    } else {
      expect(start.reason).toBeInstanceOf(ForbiddenError);
    }
    await expect(createMessageGroup(ben, ada.handle, 'after')).rejects.toThrow(ForbiddenError);
  });

  it('lists blocks page by page, every block exactly once, and refuses another user’s cursor', async () => {
    const blocker = await newUser('Blocker');
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => newUser(`Other ${i}`)));
    for (const other of others) await blockUser(blocker, other.handle);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listBlocks(blocker.uuid, { limit: 2, cursor });
      seen.push(...page.items.map((b) => b.blocked_uuid));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen.sort()).toEqual(others.map((o) => o.uuid).sort());
    expect(pages).toBeGreaterThanOrEqual(3);
    const first = await listBlocks(blocker.uuid, { limit: 1 });
    await expect(listBlocks(others[0]!.uuid, { cursor: first.nextCursor })).rejects.toThrow(ValidationError);
  });
});

describe('blocks in shared groups (patterns A and B)', () => {
  async function groupWithBlock() {
    const { ada, ben, eve } = await pair();
    const group = await createGroup(ada, { title: 'Club', handles: [ben.handle, eve.handle], message: 'welcome' });
    await blockUser(ada, ben.handle);
    const sent = await createMessage(group.conversation.message_group_uuid, ben, 'ben speaks');
    await updateConversationRows({
      message_group_uuid: group.conversation.message_group_uuid,
      created_at: sent.created_at,
      message: sent.message,
      sender: { uuid: ben.uuid, handle: ben.handle, display_name: ben.display_name },
    });
    return { ada, ben, eve, group: group.conversation.message_group_uuid, sent };
  }
  const rowOf = async (user: string, group: string) =>
    (await listMessageGroups(user)).items.find((row) => row.message_group_uuid === group);

  it('the blocked member may still post; the blocker sees the message in place with the text withheld, others see it', async () => {
    const { ada, eve, group, sent } = await groupWithBlock();
    const seenByAda = (await listMessages(group, ada.uuid)).items;
    expect(seenByAda.map((m) => m.message_uuid)).toEqual((await listMessages(group, eve.uuid)).items.map((m) => m.message_uuid));
    expect(seenByAda.find((m) => m.message_uuid === sent.message_uuid)).toMatchObject({
      message: BLOCKED_SENDER_TEXT,
      blocked_sender: true,
    });
    expect(seenByAda.find((m) => m.message === 'welcome')).not.toHaveProperty('blocked_sender');
    expect((await listMessages(group, eve.uuid)).items.find((m) => m.message_uuid === sent.message_uuid)).toMatchObject({
      message: 'ben speaks',
    });
    expect((await listMessages(group, eve.uuid)).items.every((m) => m.blocked_sender === undefined)).toBe(true);
  });

  it('the blocker’s conversation row for the group withholds the blocked sender’s last message; others’ rows show it', async () => {
    const { ada, eve, group } = await groupWithBlock();
    expect(await rowOf(ada.uuid, group)).toMatchObject({ kind: 'group', message: BLOCKED_SENDER_TEXT, blocked_sender: true });
    expect(await rowOf(eve.uuid, group)).toMatchObject({ kind: 'group', message: 'ben speaks' });
    expect(await rowOf(eve.uuid, group)).not.toHaveProperty('blocked_sender');
  });

  it('unblocking shows the text again in both lists', async () => {
    const { ada, ben, group, sent } = await groupWithBlock();
    await unblockUser(ada, ben.handle);
    expect((await listMessages(group, ada.uuid)).items.find((m) => m.message_uuid === sent.message_uuid)).toMatchObject({
      message: 'ben speaks',
    });
    expect(await rowOf(ada.uuid, group)).toMatchObject({ message: 'ben speaks' });
    expect(await rowOf(ada.uuid, group)).not.toHaveProperty('blocked_sender');
  });

  it('a direct conversation’s history and row stay as they were for the blocker', async () => {
    const { ada, ben } = await pair();
    const { message_group_uuid: direct } = await createMessageGroup(ben, ada.handle, 'said before');
    await blockUser(ada, ben.handle);
    expect((await listMessages(direct, ada.uuid)).items.map((m) => [m.message, m.blocked_sender])).toEqual([
      ['said before', undefined],
    ]);
  });

  it('keeps out of a message’s recipients exactly those who block its sender', async () => {
    const { ada, ben, eve } = await pair();
    await blockUser(ada, ben.handle);
    expect(await blockedUuids(ada.uuid)).toEqual(new Set([ben.uuid]));
    expect(await recipientsNotBlocking(ben.uuid, [ada.uuid, ben.uuid, eve.uuid])).toEqual([ben.uuid, eve.uuid]);
    expect(await recipientsNotBlocking(eve.uuid, [ada.uuid, ben.uuid, eve.uuid])).toEqual([ada.uuid, ben.uuid, eve.uuid]);
    expect([
      ...(await blockingPairs([
        { blocker: ada.uuid, sender: ben.uuid },
        { blocker: ben.uuid, sender: ada.uuid },
      ])),
    ]).toEqual([blockPairKey({ blocker: ada.uuid, sender: ben.uuid })]);
    await unblockUser(ada, ben.handle);
    expect(await recipientsNotBlocking(ben.uuid, [ada.uuid, ben.uuid])).toEqual([ada.uuid, ben.uuid]);
  });
});
