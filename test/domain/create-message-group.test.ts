import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { createMessageGroup } from '../../domain/create-message-group';
import { db, tableName } from '../../domain/dynamodb';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { setUuidGeneratorForTests } from '../../domain/ids';
import { setClockForTests } from '../../domain/time';
import { keys } from '../../domain/keys';
import { findMessageGroupBetween, isMember } from '../../domain/membership';
import { getItem, newUser, partition, uniqueHandle } from '../support/fixtures';

afterEach(() => setUuidGeneratorForTests(undefined));

describe('pattern D: start a conversation', () => {
  it('writes the pair, both memberships, both conversation rows and the first message', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const message = await createMessageGroup(ada, ben.handle, '  hello Ben  ');
    const group = message.message_group_uuid;

    expect(message).toMatchObject({ message: 'hello Ben', user_uuid: ada.uuid, user_handle: ada.handle });
    expect(await findMessageGroupBetween(ben.uuid, ada.uuid)).toBe(group);
    expect(await isMember(group, ada.uuid)).toBe(true);
    expect(await isMember(group, ben.uuid)).toBe(true);
    expect(await partition(keys.messagePartition(group))).toEqual([
      expect.objectContaining({ sk: message.created_at, message: 'hello Ben', message_uuid: message.message_uuid }),
    ]);
    // Each member's row shows the OTHER person and the last message.
    expect(await partition(keys.conversationPartition(ada.uuid))).toEqual([
      expect.objectContaining({
        sk: message.created_at,
        message_group_uuid: group,
        user_uuid: ben.uuid,
        user_handle: ben.handle,
        message: 'hello Ben',
      }),
    ]);
    expect(await partition(keys.conversationPartition(ben.uuid))).toEqual([
      expect.objectContaining({
        sk: message.created_at,
        message_group_uuid: group,
        user_uuid: ada.uuid,
        user_display_name: 'Ada',
      }),
    ]);
  });

  it('reuses the existing conversation, from either side, adding the message to it', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'one');
    const second = await createMessageGroup(ben, ada.handle.toUpperCase(), 'two');
    expect(second.message_group_uuid).toBe(first.message_group_uuid);
    expect((await partition(keys.messagePartition(first.message_group_uuid))).map((m) => m.message)).toEqual(['one', 'two']);
    expect(await partition(keys.conversationPartition(ben.uuid))).toHaveLength(1);
  });

  it('converges 10 concurrent starts between the same two people on one conversation', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? createMessageGroup(ada, ben.handle, `m${i}`) : createMessageGroup(ben, ada.handle, `m${i}`),
      ),
    );
    const groups = new Set(sent.map((m) => m.message_group_uuid));
    expect(groups.size).toBe(1);
    const [group] = [...groups] as [string];
    expect(await partition(keys.messagePartition(group))).toHaveLength(10);
    expect(await partition(keys.conversationPartition(ada.uuid))).toHaveLength(1);
  });

  it('is all or nothing: when one write of the transaction fails, nothing is written', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const group = randomUUID();
    setUuidGeneratorForTests(() => group);
    // Occupy the key of Ben's membership item so the fourth action's condition fails.
    await db().send(
      new PutCommand({ TableName: tableName(), Item: { ...keys.membership(group, ben.uuid), user_uuid: 'squatter' } }),
    );

    await expect(createMessageGroup(ada, ben.handle, 'never stored')).rejects.toThrow();

    expect(await findMessageGroupBetween(ada.uuid, ben.uuid)).toBeUndefined();
    expect(await getItem(keys.membership(group, ada.uuid))).toBeUndefined();
    expect(await partition(keys.messagePartition(group))).toEqual([]);
    expect(await partition(keys.conversationPartition(ada.uuid))).toEqual([]);
    expect(await partition(keys.conversationPartition(ben.uuid))).toEqual([]);
  });

  it('refuses a conversation with yourself', async () => {
    const ada = await newUser('Ada');
    await expect(createMessageGroup(ada, ada.handle, 'me')).rejects.toThrow(ValidationError);
    expect(await partition(keys.conversationPartition(ada.uuid))).toEqual([]);
  });

  it('reports an unknown handle as not found', async () => {
    const ada = await newUser('Ada');
    await expect(createMessageGroup(ada, uniqueHandle('ghost'), 'hello?')).rejects.toThrow(NotFoundError);
    expect(await partition(keys.conversationPartition(ada.uuid))).toEqual([]);
  });

  it('rejects an empty message before writing anything', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    await expect(createMessageGroup(ada, ben.handle, '   ')).rejects.toThrow(ValidationError);
    expect(await findMessageGroupBetween(ada.uuid, ben.uuid)).toBeUndefined();
  });
});

describe('pattern D under key collisions', () => {
  afterEach(() => setClockForTests(undefined));

  it('never overwrites a member row of another conversation stamped in the same microsecond', async () => {
    const [ada, ben, chioma] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Chioma')]);
    const frozen = Date.now() + 120_000;
    setClockForTests({ nowMs: () => frozen });
    const withBen = await createMessageGroup(ben, ada.handle, 'from ben');
    setClockForTests({ nowMs: () => frozen }); // another container, same instant
    const withChioma = await createMessageGroup(chioma, ada.handle, 'from chioma');

    expect(withChioma.created_at > withBen.created_at).toBe(true);
    const rows = await partition(keys.conversationPartition(ada.uuid));
    expect(rows.map((r) => r.message_group_uuid).sort()).toEqual(
      [withBen.message_group_uuid, withChioma.message_group_uuid].sort(),
    );
  });
});
