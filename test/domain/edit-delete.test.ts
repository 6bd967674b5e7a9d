/** Edit and delete (#17) on the real local engine: domain/edit-message.ts, domain/delete-message.ts, find-message.ts. */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { applyMessageChange } from '../../domain/apply-message-change';
import { blockUser } from '../../domain/blocks';
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { deleteMessage } from '../../domain/delete-message';
import { db, tableName } from '../../domain/dynamodb';
import { editMessage } from '../../domain/edit-message';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import { createdAtOfMessageUuid } from '../../domain/ids';
import { keys } from '../../domain/keys';
import { addMember, setMemberRole } from '../../domain/manage-group';
import { reportMessage } from '../../domain/reports';
import { formatMicros } from '../../domain/time';
import { getItem, newUser, partition } from '../support/fixtures';

async function direct() {
  const [ada, ben, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Eve')]);
  const first = await createMessageGroup(ada, ben.handle, 'first');
  return { ada, ben, eve, group: first.message_group_uuid, first };
}

const item = (group: string, createdAt: string) => getItem(keys.message(group, createdAt));

describe('message uuids of new messages', () => {
  it('carry the exact created_at of the message, for D, C and a group start alike', async () => {
    const { ada, ben, group, first } = await direct();
    const second = await createMessage(group, ben, 'second');
    const cai = await newUser('Cai');
    const started = await createGroup(ada, { title: 'Club', handles: [ben.handle, cai.handle], message: 'hi all' });
    for (const m of [first, second, started.message!]) {
      expect(createdAtOfMessageUuid(m.message_uuid)).toBe(m.created_at);
      expect((await item(m.message_group_uuid, m.created_at))?.message_uuid).toBe(m.message_uuid);
    }
  });
});

describe('editMessage', () => {
  it('lets the sender change the text: edited_at is added, created_at, the key and the order stay', async () => {
    const { ada, ben, group, first } = await direct();
    const later = await createMessage(group, ben, 'later');
    const edited = await editMessage(group, first.message_uuid, ada, '  fixed  ');
    expect(edited).toMatchObject({ message_uuid: first.message_uuid, message: 'fixed', created_at: first.created_at });
    expect(edited.edited_at! > first.created_at).toBe(true);
    const stored = await partition(keys.messagePartition(group));
    expect(stored.map((m) => [m.sk, m.message, m.edited_at])).toEqual([
      [first.created_at, 'fixed', edited.edited_at],
      [later.created_at, 'later', undefined],
    ]);
  });

  it('answers a member who is not the sender 403, a non-member 404, an unknown message 404; none writes', async () => {
    const { ada, ben, eve, group, first } = await direct();
    await expect(editMessage(group, first.message_uuid, ben, 'mine now')).rejects.toThrow(ForbiddenError);
    await expect(editMessage(group, first.message_uuid, eve, 'mine now')).rejects.toThrow(NotFoundError);
    await expect(editMessage(group, randomUUID(), ada, 'nothing')).rejects.toThrow(NotFoundError);
    expect((await item(group, first.created_at))?.message).toBe('first');
    expect((await item(group, first.created_at))?.edited_at).toBeUndefined();
  });

  it('validates like a send (400, nothing written), and the same text again writes nothing', async () => {
    const { ada, group, first } = await direct();
    for (const bad of ['', '   ', 'x'.repeat(1025), 'a\u0000b', 42]) {
      await expect(editMessage(group, first.message_uuid, ada, bad)).rejects.toThrow(ValidationError);
    }
    await expect(editMessage(group, 'not-a-uuid', ada, 'x')).rejects.toThrow(ValidationError);
    const same = await editMessage(group, first.message_uuid, ada, 'first');
    expect(same).toMatchObject({ message: 'first' });
    expect(same.edited_at).toBeUndefined();
    expect((await item(group, first.created_at))?.edited_at).toBeUndefined();
  });

  it('is refused to a sender whose direct conversation has a block, with the send answer (403)', async () => {
    const { ada, ben, group, first } = await direct();
    await blockUser(ben, ada.handle);
    await expect(editMessage(group, first.message_uuid, ada, 'changed')).rejects.toThrow(ForbiddenError);
    expect((await item(group, first.created_at))?.message).toBe('first');
  });

  it('keeps edited_at rising in commit order under concurrent edits: the item ends with the newest edit it committed', async () => {
    const { ada, group, first } = await direct();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => editMessage(group, first.message_uuid, ada, `v${i}`)));
    const stored = await item(group, first.created_at);
    const newest = results.reduce((a, b) => (a.edited_at! > b.edited_at! ? a : b));
    expect([stored?.message, stored?.edited_at]).toEqual([newest.message, newest.edited_at]);
  });

  it('an edit whose time is older than one committed between its read and its write takes a later time: edited_at only rises', async () => {
    const { ada, group, first } = await direct();
    const key = keys.message(group, first.created_at);
    // An edit stamped by a container whose clock runs a minute ahead.
    const otherContainerAt = formatMicros((Date.now() + 60_000) * 1000);
    // Between the edit's read and its write, the other container's edit commits (a hook on the client).
    let intruded = false;
    const intrude = (next: (args: any) => Promise<any>) => async (args: any) => {
      if (!intruded && args.input?.Key?.pk === key.pk && args.input?.Key?.sk === key.sk && args.input?.UpdateExpression) {
        intruded = true;
        await db().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: key,
            UpdateExpression: 'SET message = :m, edited_at = :e',
            ExpressionAttributeValues: { ':m': 'other container', ':e': otherContainerAt },
          }),
        );
      }
      return next(args);
    };
    db().middlewareStack.add(intrude as never, { step: 'initialize', name: 'intrudeEdit' });
    try {
      const edited = await editMessage(group, first.message_uuid, ada, 'mine, committed last');
      expect(intruded).toBe(true);
      const stored = await item(group, first.created_at);
      expect([stored?.message, stored?.edited_at]).toEqual(['mine, committed last', edited.edited_at]);
      expect(edited.edited_at! > otherContainerAt).toBe(true);
    } finally {
      db().middlewareStack.remove('intrudeEdit');
    }
  });

  it('finds a message with an older (v4) uuid by the conversation Query, and edits it in place', async () => {
    const { ada, group, first } = await direct();
    const legacyAt = '2026-01-02T03:04:05.000006Z';
    const legacyUuid = randomUUID();
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.message(group, legacyAt),
          message_uuid: legacyUuid,
          message: 'old one',
          user_uuid: ada.uuid,
          user_handle: ada.handle,
          user_display_name: ada.display_name,
        },
      }),
    );
    const edited = await editMessage(group, legacyUuid, ada, 'old, fixed');
    expect(edited.created_at).toBe(legacyAt);
    expect((await item(group, legacyAt))?.message).toBe('old, fixed');
    expect((await item(group, first.created_at))?.message).toBe('first');
  });

  it('with an Idempotency-Key: a retry answers the same, another body is a 409, a send key is a 409; the record keeps no text', async () => {
    const { ada, group, first } = await direct();
    const idempotencyKey = randomUUID();
    const edited = await editMessage(group, first.message_uuid, ada, 'keyed', { idempotencyKey });
    const again = await editMessage(group, first.message_uuid, ada, 'keyed', { idempotencyKey });
    expect(again).toEqual(edited);
    expect((await item(group, first.created_at))?.edited_at).toBe(edited.edited_at);
    await expect(editMessage(group, first.message_uuid, ada, 'other', { idempotencyKey })).rejects.toThrow(ConflictError);
    const record = await getItem(keys.idempotency(ada.uuid, idempotencyKey));
    expect(JSON.stringify(record)).not.toContain('keyed');
    const sendKey = randomUUID();
    await createMessage(group, ada, 'sent', { idempotencyKey: sendKey });
    await expect(editMessage(group, first.message_uuid, ada, 'sent', { idempotencyKey: sendKey })).rejects.toThrow(ConflictError);
    expect((await item(group, first.created_at))?.message).toBe('keyed');
  });

  it('refuses a deleted message with 409, and nothing un-deletes it', async () => {
    const { ada, group, first } = await direct();
    await deleteMessage(group, first.message_uuid, ada.uuid);
    await expect(editMessage(group, first.message_uuid, ada, 'back')).rejects.toThrow(ConflictError);
    const stored = await item(group, first.created_at);
    expect([stored?.deleted, 'message' in (stored ?? {})]).toEqual([true, false]);
  });
});

describe('deleteMessage', () => {
  it('turns the sender’s message into a tombstone with no text; again answers the same tombstone and writes nothing', async () => {
    const { ada, group, first } = await direct();
    const gone = await deleteMessage(group, first.message_uuid, ada.uuid);
    expect(gone).toMatchObject({ message_uuid: first.message_uuid, message: '', deleted: true, created_at: first.created_at });
    const stored = await item(group, first.created_at);
    expect(stored).toMatchObject({
      message_uuid: first.message_uuid,
      deleted: true,
      deleted_at: gone.deleted_at,
      user_uuid: ada.uuid,
    });
    expect(stored).not.toHaveProperty('message');
    const again = await deleteMessage(group, first.message_uuid, ada.uuid);
    expect(again).toEqual(gone);
  });

  it('answers a member deleting another’s message in a direct conversation 403, a non-member 404; nothing changes', async () => {
    const { ben, eve, group, first } = await direct();
    await expect(deleteMessage(group, first.message_uuid, ben.uuid)).rejects.toThrow(ForbiddenError);
    await expect(deleteMessage(group, first.message_uuid, eve.uuid)).rejects.toThrow(NotFoundError);
    await expect(deleteMessage(group, randomUUID(), ben.uuid)).rejects.toThrow(NotFoundError);
    expect((await item(group, first.created_at))?.message).toBe('first');
  });

  it('in a group: the owner and an admin delete anyone’s message, a plain member only their own', async () => {
    const [ada, ben, cai, dee] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai'), newUser('Dee')]);
    const { conversation } = await createGroup(ada, { title: 'Mods', handles: [ben.handle, cai.handle, dee.handle] });
    const group = conversation.message_group_uuid;
    await setMemberRole(group, ada, ben.handle, 'admin');
    const [byCai1, byCai2, byDee] = [
      await createMessage(group, cai, 'cai 1'),
      await createMessage(group, cai, 'cai 2'),
      await createMessage(group, dee, 'dee'),
    ];
    await expect(deleteMessage(group, byCai1.message_uuid, dee.uuid)).rejects.toThrow(ForbiddenError);
    expect((await deleteMessage(group, byCai1.message_uuid, ada.uuid)).deleted).toBe(true);
    expect((await deleteMessage(group, byCai2.message_uuid, ben.uuid)).deleted).toBe(true);
    expect((await deleteMessage(group, byDee.message_uuid, dee.uuid)).deleted).toBe(true);
    const stored = await partition(keys.messagePartition(group));
    expect(stored.map((m) => [m.deleted, m.message])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ]);
  });

  it('leaves a tombstone nothing to report: reporting it is a 409 and stores no report', async () => {
    const { ada, ben, group, first } = await direct();
    await deleteMessage(group, first.message_uuid, ada.uuid);
    await expect(reportMessage(ben, group, first.message_uuid, 'too late')).rejects.toThrow(ConflictError);
    expect(await getItem(keys.reported(ben.uuid, first.message_uuid))).toBeUndefined();
  });

  it('leaves no text in the send’s idempotency record, and a replay of that send answers the tombstone', async () => {
    const { ada, group } = await direct();
    const idempotencyKey = randomUUID();
    const sent = await createMessage(group, ada, 'regret this', { idempotencyKey });
    expect(JSON.stringify(await getItem(keys.idempotency(ada.uuid, idempotencyKey)))).not.toContain('regret');
    await deleteMessage(group, sent.message_uuid, ada.uuid);
    const replay = await createMessage(group, ada, 'regret this', { idempotencyKey });
    expect(replay).toMatchObject({ message_uuid: sent.message_uuid, deleted: true, message: '' });
    expect((await partition(keys.messagePartition(group))).filter((m) => m.user_uuid === ada.uuid)).toHaveLength(2);
  });
});

describe('a member added after the last message (#17 with #16)', () => {
  async function groupWithLastMessage() {
    const [ada, ben, cai, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai'), newUser('Eve')]);
    const created = await createGroup(ada, { title: 'Late joiner', handles: [ben.handle, eve.handle] });
    const group = created.conversation.message_group_uuid;
    const last = await createMessage(group, ben, 'said before Cai joined');
    return { ada, ben, cai, group, last };
  }
  const rowsOf = async (user: string, group: string) =>
    (await partition(keys.conversationPartition(user))).filter((row) => row.message_group_uuid === group);

  it('has their row at that message’s time (not the join time), so deleting the message tombstones their row too', async () => {
    const { ada, ben, cai, group, last } = await groupWithLastMessage();
    await addMember(group, ada, cai.handle);
    expect((await rowsOf(cai.uuid, group)).map((row) => row.sk)).toEqual([last.created_at]);
    const tombstone = await deleteMessage(group, last.message_uuid, ben.uuid);
    await applyMessageChange({
      kind: 'deleted',
      message_group_uuid: group,
      created_at: last.created_at,
      deleted_at: String(tombstone.deleted_at),
    });
    const [row] = await rowsOf(cai.uuid, group);
    expect(row).toMatchObject({ deleted: true, unread_count: 0 });
    expect(row).not.toHaveProperty('message');
  });

  it('joining after the message was deleted or edited gets a row that shows the tombstone or the edit', async () => {
    const { ada, ben, cai, group, last } = await groupWithLastMessage();
    await deleteMessage(group, last.message_uuid, ben.uuid);
    await addMember(group, ada, cai.handle);
    const [tombstoned] = await rowsOf(cai.uuid, group);
    expect(tombstoned).toMatchObject({ deleted: true });
    expect(tombstoned).not.toHaveProperty('message');

    const [dan] = await Promise.all([newUser('Dan')]);
    const edited = await createMessage(group, ben, 'first draft');
    const after = await editMessage(group, edited.message_uuid, ben, 'second draft');
    await addMember(group, ada, dan!.handle);
    const [row] = await rowsOf(dan!.uuid, group);
    expect(row).toMatchObject({ sk: edited.created_at, message: 'second draft', edited_at: after.edited_at });
  });
});
