/**
 * The realtime fan-out at the handler level (the deployed path: no offline stand-in), on the
 * real local engine with events read from its stream. The WebSocket management API is a
 * small HTTP server here that answers per connection id as API Gateway would (200, 410 Gone,
 * 500), so the failure rules can be driven exactly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { registerConnection } from '../../domain/connections';
import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { removeMember } from '../../domain/manage-group';
import { markRead } from '../../domain/mark-read';
import { updateConversationRows } from '../../domain/update-conversation-rows';
import { handler } from '../../handlers/stream/push-events';
import { newUser, partition } from '../support/fixtures';
import { pkOf, sequenceNumberOf, streamEvent, tapStream, type StreamTap } from '../support/stream-events';

const answers = new Map<string, number>();
const received = new Map<string, Array<{ type: string; id: string }>>();
let server: Server;

beforeAll(async () => {
  server = createServer((request, response) => {
    const id = decodeURIComponent(/\/@connections\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '');
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const status = answers.get(id) ?? 410;
      if (status === 200) received.set(id, [...(received.get(id) ?? []), JSON.parse(body)]);
      response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '' : '{"message":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.WEBSOCKET_MANAGEMENT_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let tap: StreamTap;
beforeEach(async () => {
  tap = await tapStream();
});
afterEach(() => tap.close());

let n = 0;
async function connection(userUuid: string, status: number): Promise<string> {
  const id = `conn-${process.pid}-${++n}`;
  answers.set(id, status);
  await registerConnection({ connectionId: id, userUuid });
  return id;
}

describe('pushEvents handler', () => {
  test('a failed post fails exactly the records of its event; 410 deletes the connection and fails nothing', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const adaBroken = await connection(ada.uuid, 500);
    const benGone = await connection(ben.uuid, 410);
    const benOk = await connection(ben.uuid, 200);
    const first = await createMessageGroup(ada, ben.handle, 'hello');
    const records = await tap.read();

    const result = await handler(streamEvent(records));

    const seq = (pk: string) => records.filter((r) => r.eventName === 'INSERT' && pkOf(r) === pk).map(sequenceNumberOf);
    // The message (Ada's broken socket is a member's) and Ada's own row fail; Ben's row does not.
    const failed = result.batchItemFailures.map((f) => f.itemIdentifier).sort();
    expect(failed).toEqual(
      [...seq(keys.messagePartition(first.message_group_uuid)), ...seq(keys.conversationPartition(ada.uuid))].sort(),
    );
    expect(seq(keys.conversationPartition(ben.uuid))).toHaveLength(1);
    // Ben's live socket got his row, with a stable id; the gone one is out of the registry.
    expect(received.get(benOk)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'conversation.updated',
          id: `conversation.updated:${first.message_group_uuid}@${first.created_at}`,
        }),
      ]),
    );
    expect((await partition(keys.userConnectionsPartition(ben.uuid))).map((i) => i.connection_id)).toEqual([benOk]);
    expect(await partition(keys.connection(benGone).pk)).toEqual([]);
    expect((await partition(keys.userConnectionsPartition(ada.uuid))).map((i) => i.connection_id)).toEqual([adaBroken]);
  });

  test('redelivering the same records pushes the same ids again (at-least-once, de-duplicable)', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const benOk = await connection(ben.uuid, 200);
    await createMessageGroup(ada, ben.handle, 'twice');
    const event = streamEvent(await tap.read());
    expect((await handler(event)).batchItemFailures).toEqual([]);
    const once = (received.get(benOk) ?? []).map((e) => e.id);
    expect((await handler(event)).batchItemFailures).toEqual([]);
    const twice = (received.get(benOk) ?? []).map((e) => e.id);
    expect(once).toHaveLength(2);
    expect(twice).toEqual([...once, ...once]);
  });

  test('a user no longer in the membership items gets neither messages nor row updates of that conversation', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const adaOk = await connection(ada.uuid, 200);
    const benOk = await connection(ben.uuid, 200);
    const first = await createMessageGroup(ada, ben.handle, 'before ben left');
    // Ben leaves (what a group "leave" or "remove" would do to his membership item).
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.membership(first.message_group_uuid, ben.uuid) }));
    const later = await createMessage(first.message_group_uuid, ada, 'after ben left');
    const records = await tap.read();

    expect((await handler(streamEvent(records))).batchItemFailures).toEqual([]);

    expect(received.get(benOk)).toBeUndefined();
    const adaIds = (received.get(adaOk) ?? []).map((e) => e.id);
    expect(adaIds).toEqual(
      expect.arrayContaining([`message.created:${first.message_uuid}`, `message.created:${later.message_uuid}`]),
    );
  });

  test('a group message reaches every current member, with the group item shape, and nobody removed from the group', async () => {
    const [ada, ben, cai] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai')]);
    const sockets = {
      ada: await connection(ada.uuid, 200),
      ben: await connection(ben.uuid, 200),
      cai: await connection(cai.uuid, 200),
    };
    const { conversation } = await createGroup(ada, { title: 'Pushed', handles: [ben.handle, cai.handle] });
    const group = conversation.message_group_uuid;
    await removeMember(group, ada, cai.handle);
    await tap.read();
    const sent = await createMessage(group, ben, 'to the group');
    const messageRecords = await tap.read();
    // Pattern E moves the rows of the members (not Cai's: it is gone).
    await updateConversationRows({ message_group_uuid: group, created_at: sent.created_at, message: sent.message, sender: ben });
    const rowRecords = await tap.read();

    expect((await handler(streamEvent([...messageRecords, ...rowRecords]))).batchItemFailures).toEqual([]);

    expect(received.get(sockets.cai)).toBeUndefined();
    for (const socket of [sockets.ada, sockets.ben]) {
      const events = received.get(socket) as Array<Record<string, any>>;
      expect(events.map((e) => e.type).sort()).toEqual(['conversation.updated', 'message.created']);
      expect(events.find((e) => e.type === 'conversation.updated')?.conversation).toMatchObject({
        uuid: group,
        kind: 'group',
        title: 'Pushed',
        handle: ben.handle,
        message: 'to the group',
      });
    }
  });

  test('a read pushes conversation.read and the recounted row to the reader’s own connections only, never to other members', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const adaOk = await connection(ada.uuid, 200);
    const benPhone = await connection(ben.uuid, 200);
    const benLaptop = await connection(ben.uuid, 200);
    const first = await createMessageGroup(ada, ben.handle, 'read me');
    await tap.read();
    await markRead(first.message_group_uuid, ben.uuid);
    const records = await tap.read();
    expect(records.map((r) => `${r.eventName} ${pkOf(r).split('#')[0]}`).sort()).toEqual(['MODIFY GROUP', 'MODIFY GRP']);

    expect((await handler(streamEvent(records))).batchItemFailures).toEqual([]);

    expect(received.get(adaOk)).toBeUndefined();
    for (const socket of [benPhone, benLaptop]) {
      expect(received.get(socket)).toEqual(
        expect.arrayContaining([
          {
            type: 'conversation.read',
            id: `conversation.read:${first.message_group_uuid}@${first.created_at}`,
            message_group_uuid: first.message_group_uuid,
            last_read_at: first.created_at,
          },
          expect.objectContaining({
            type: 'conversation.updated',
            id: expect.stringMatching(/^conversation\.updated:[0-9a-f-]{36}@[0-9T:.Z-]+~[A-Za-z0-9_-]{16}$/),
            conversation: expect.objectContaining({
              uuid: first.message_group_uuid,
              unread_count: 0,
              last_read_at: first.created_at,
            }),
          }),
        ]),
      );
      expect(received.get(socket)).toHaveLength(2);
    }
  });

  test('a row inserted and read in place in one batch is pushed once, in its read state', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const benOk = await connection(ben.uuid, 200);
    const first = await createMessageGroup(ada, ben.handle, 'unread, then read');
    await markRead(first.message_group_uuid, ben.uuid);
    const records = (await tap.read()).filter((r) => pkOf(r) === keys.conversationPartition(ben.uuid));
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect((await handler(streamEvent(records))).batchItemFailures).toEqual([]);
    const updates = (received.get(benOk) ?? []) as Array<Record<string, any>>;
    expect(updates).toHaveLength(1);
    expect(updates[0]?.conversation).toMatchObject({ unread_count: 0, last_read_at: first.created_at });
  });

  test('records the fan-out does not push (profiles, memberships, pairs, removals) are ignored, not failed', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'x');
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.message(first.message_group_uuid, first.created_at) }));
    const records = await tap.read();
    const others = records.filter((r) => r.eventName !== 'INSERT' || !/^(MSG|GRP)#/.test(pkOf(r)));
    expect(others.length).toBeGreaterThan(0);
    expect(await handler(streamEvent(others))).toEqual({ batchItemFailures: [] });
  });
});
