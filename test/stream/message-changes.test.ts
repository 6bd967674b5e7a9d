/**
 * Pattern E on a message's MODIFY and REMOVE (#17), at the handler level on the real local
 * engine: every record comes from the engine's stream after real writes (send, edit, delete,
 * an operator's DeleteItem), replayed, duplicated and reordered to prove idempotency.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { deleteMessage } from '../../domain/delete-message';
import { db, tableName } from '../../domain/dynamodb';
import { editMessage } from '../../domain/edit-message';
import { keys } from '../../domain/keys';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { newUser, partition } from '../support/fixtures';
import { pkOf, streamEvent, tapStream, type StreamTap } from '../support/stream-events';

let tap: StreamTap;
beforeEach(async () => {
  tap = await tapStream();
});
afterEach(() => tap.close());

const messageRecords = (records: DynamoDBRecord[], group: string) =>
  records.filter((r) => pkOf(r) === keys.messagePartition(group));

async function rowOf(user: UserProfile, group: string): Promise<Record<string, unknown>> {
  const rows = (await partition(keys.conversationPartition(user.uuid))).filter((row) => row.message_group_uuid === group);
  expect(rows).toHaveLength(1);
  return rows[0] as Record<string, unknown>;
}

async function direct() {
  const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
  const first = await createMessageGroup(ada, ben.handle, 'first');
  return { ada, ben, group: first.message_group_uuid, first };
}

describe('pattern E on edits and deletions', () => {
  it('shows an edit of the last message on both rows, in the same batch as its INSERT or in a later one, and replays change nothing', async () => {
    const { ada, ben, group } = await direct();
    const last = await createMessage(group, ada, 'typo');
    const edit = await editMessage(group, last.message_uuid, ada, 'fixed');
    const records = messageRecords(await tap.read(), group);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY']);

    expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
    for (const user of [ada, ben]) {
      expect(await rowOf(user, group)).toMatchObject({ sk: last.created_at, message: 'fixed', edited_at: edit.edited_at });
    }
    await tap.read();
    // Redelivery, duplicates: nothing is written again.
    expect(await handler(streamEvent([...records, ...records]))).toEqual({ batchItemFailures: [] });
    expect((await tap.read()).filter((r) => [ada, ben].some((u) => pkOf(r) === keys.conversationPartition(u.uuid)))).toEqual([]);
  });

  it('never lets an older edit overwrite a newer one, whatever order the records arrive in', async () => {
    const { ada, ben, group, first } = await direct();
    await handler(streamEvent(messageRecords(await tap.read(), group)));
    await editMessage(group, first.message_uuid, ada, 'v1');
    const v2 = await editMessage(group, first.message_uuid, ada, 'v2');
    const [older, newer] = messageRecords(await tap.read(), group);
    expect(await handler(streamEvent([newer!]))).toEqual({ batchItemFailures: [] });
    expect(await handler(streamEvent([older!]))).toEqual({ batchItemFailures: [] });
    expect(await handler(streamEvent([newer!, older!]))).toEqual({ batchItemFailures: [] });
    for (const user of [ada, ben]) expect(await rowOf(user, group)).toMatchObject({ message: 'v2', edited_at: v2.edited_at });
  });

  it('turns the rows at a deleted message into tombstones with no text; a later replay of the edit does not bring text back', async () => {
    const { ada, ben, group, first } = await direct();
    await editMessage(group, first.message_uuid, ada, 'edited');
    await deleteMessage(group, first.message_uuid, ada.uuid);
    const records = messageRecords(await tap.read(), group);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY']);
    expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
    expect(await handler(streamEvent([records[1]!]))).toEqual({ batchItemFailures: [] });
    for (const user of [ada, ben]) {
      const row = await rowOf(user, group);
      expect(row).toMatchObject({ sk: first.created_at, deleted: true });
      expect(row).not.toHaveProperty('message');
    }
  });

  it('leaves rows at a newer message alone when an older message is edited or deleted', async () => {
    const { ada, ben, group, first } = await direct();
    const newer = await createMessage(group, ben, 'newer');
    await editMessage(group, first.message_uuid, ada, 'old, edited');
    await deleteMessage(group, first.message_uuid, ada.uuid);
    expect(await handler(streamEvent(messageRecords(await tap.read(), group)))).toEqual({ batchItemFailures: [] });
    for (const user of [ada, ben]) {
      const row = await rowOf(user, group);
      expect([row.sk, row.message, row.deleted, row.edited_at]).toEqual([newer.created_at, 'newer', undefined, undefined]);
    }
  });

  it('turns the rows at a message an operator removed (REMOVE record, keys only) into tombstones, in a group too', async () => {
    const [ada, ben, cai] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai')]);
    const { conversation } = await createGroup(ada, { title: 'Gone', handles: [ben.handle, cai.handle] });
    const group = conversation.message_group_uuid;
    const last = await createMessage(group, cai, 'soon removed');
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.message(group, last.created_at) }));
    const records = messageRecords(await tap.read(), group);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);
    expect(await handler(streamEvent(records))).toEqual({ batchItemFailures: [] });
    expect(await handler(streamEvent([records[1]!]))).toEqual({ batchItemFailures: [] });
    for (const user of [ada, ben, cai]) {
      const row = await rowOf(user, group);
      expect(row).toMatchObject({ sk: last.created_at, deleted: true, title: 'Gone', user_uuid: cai.uuid });
      expect(row).not.toHaveProperty('message');
    }
  });
});
