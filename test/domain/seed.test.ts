import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { readMessages } from '../../domain/list-messages';
import { demoConversations, demoUsers } from '../../seeds/demo-data';
import { seed } from '../../seeds/seed';
import { partition, useIsolatedTable } from '../support/fixtures';

useIsolatedTable();

async function demoItems() {
  const pks = new Set<string>([
    ...Object.values(demoUsers).flatMap((u) => [
      keys.userProfile(u.uuid).pk,
      keys.userHandle(u.handle).pk,
      keys.conversationPartition(u.uuid),
    ]),
    ...demoConversations.map((c) => keys.messagePartition(c.message_group_uuid)),
  ]);
  const items = await Promise.all([...pks].map((pk) => partition(pk)));
  return items.flat();
}

describe('seed', () => {
  it('creates the demo users and conversations, and a second run leaves the same data', async () => {
    const first = await seed();
    expect(first).toMatchObject({ usersCreated: 3, usersExisting: 0, conversationsCreated: 2, conversationsExisting: 0 });
    const after1 = await demoItems();

    const second = await seed(Date.now() + 3_600_000);
    expect(second).toEqual({
      usersCreated: 0,
      usersExisting: 3,
      conversationsCreated: 0,
      conversationsExisting: 2,
      messagesWritten: 0,
    });
    expect(await demoItems()).toEqual(after1);
  });

  it('writes a long conversation a minute apart, ending now, with the rows at its last message', async () => {
    await seed();
    const [long] = demoConversations;
    const page = await readMessages(long!.message_group_uuid, { limit: 100 });
    expect(page.items.length).toBeGreaterThanOrEqual(40);
    const times = page.items.map((m) => Date.parse(`${m.created_at.slice(0, 23)}Z`));
    times.slice(1).forEach((t, i) => expect(t - times[i]!).toBe(60_000));

    const adaGroups = await listMessageGroups(demoUsers.ada.uuid);
    const row = adaGroups.items.find((g) => g.message_group_uuid === long!.message_group_uuid);
    expect(row).toMatchObject({
      user_handle: 'ben',
      message: page.items.at(-1)!.message,
      last_message_at: page.items.at(-1)!.created_at,
    });
  });
});
