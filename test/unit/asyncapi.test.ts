/**
 * asyncapi.yaml and the code describe the same frames: the events the fan-out builds from
 * real stream records, and the $default route's answers, conform to the document's payload
 * schemas (required keys, no extra keys, constants, strings), checked by a small structural
 * validator over the subset of JSON Schema the document uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import yaml from 'js-yaml';
import { conversationItem, groupConversationItem, messageItem } from '../../domain/items';
import { handler as defaultRoute } from '../../handlers/ws/default';
import { parseRecord } from '../../handlers/stream/push-events';

type Schema = {
  $ref?: string;
  type?: string;
  const?: string;
  nullable?: boolean;
  minimum?: number;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
};
const doc = yaml.load(readFileSync(path.join(__dirname, '../../asyncapi.yaml'), 'utf8')) as {
  asyncapi: string;
  components: { schemas: Record<string, Schema>; messages: Record<string, { name: string; payload: Schema }> };
};

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return doc.components.schemas[name] as Schema;
}

/** Differences between a value and a schema, as paths; empty when it conforms. */
function problems(value: unknown, schema: Schema, at = '$'): string[] {
  const s = resolve(schema);
  if (s.const !== undefined) return value === s.const ? [] : [`${at}: ${JSON.stringify(value)} is not ${s.const}`];
  if (value === null) return s.nullable ? [] : [`${at}: null`];
  if (s.type === 'string') return typeof value === 'string' ? [] : [`${at}: not a string`];
  if (s.type === 'integer') {
    if (!Number.isInteger(value)) return [`${at}: not an integer`];
    return s.minimum !== undefined && (value as number) < s.minimum ? [`${at}: below ${s.minimum}`] : [];
  }
  if (s.type !== 'object') return [`${at}: schema type ${s.type} not supported by this check`];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
  const object = value as Record<string, unknown>;
  const out = (s.required ?? []).filter((key) => !(key in object)).map((key) => `${at}.${key}: missing`);
  for (const [key, inner] of Object.entries(object)) {
    const property = s.properties?.[key];
    if (!property) {
      if (s.additionalProperties === false) out.push(`${at}.${key}: not in the document`);
      continue;
    }
    out.push(...problems(inner, property, `${at}.${key}`));
  }
  return out;
}

const payload = (name: string) => doc.components.messages[name]?.payload as Schema;
const group = '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44';
const ada = { uuid: '6f1c2a8e-1d4b-4c6e-9a51-0b7f3e2d4c11', handle: 'ada', display_name: 'Ada Lovelace' };
const ben = { uuid: '2b9e7d40-5c3a-4f18-8e62-7a1d9c0b5e22', handle: 'ben', display_name: 'Ben Lindqvist' };
const at = '2026-12-01T20:18:48.159000Z';

function insert(item: object, sequenceNumber: string): DynamoDBRecord {
  const image = marshall(item) as NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
  return {
    eventName: 'INSERT',
    dynamodb: { Keys: { pk: image.pk as never, sk: image.sk as never }, NewImage: image, SequenceNumber: sequenceNumber },
  };
}

function pushed(record: DynamoDBRecord): Record<string, unknown> {
  const parsed = parseRecord(record);
  if (parsed.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(parsed)}`);
  return parsed.event.payload;
}

describe('asyncapi.yaml', () => {
  test('is an AsyncAPI 3 document', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
  });

  test('message.created, as built from a message INSERT, matches its schema', () => {
    const item = messageItem({
      message_group_uuid: group,
      message_uuid: '708e1c1e-93be-4acb-bbdc-12b4d60c1a7e',
      message: 'See you Saturday',
      created_at: at,
      user_uuid: ben.uuid,
      user_handle: ben.handle,
      user_display_name: ben.display_name,
    });
    const event = pushed(insert(item, '100'));
    expect(event.type).toBe(doc.components.messages.messageCreated?.name);
    expect(problems(event, payload('messageCreated'))).toEqual([]);
  });

  test('conversation.updated, as built from a conversation row INSERT, matches its schema', () => {
    const event = pushed(insert(conversationItem(ada.uuid, ben, group, 'See you Saturday', at), '101'));
    expect(event.type).toBe(doc.components.messages.conversationUpdated?.name);
    expect(problems(event, payload('conversationUpdated'))).toEqual([]);
  });

  test('conversation.updated of a group row (kind, title, the last sender) matches its schema too', () => {
    const row = groupConversationItem(ada.uuid, { uuid: group, title: 'Book club' }, ben, 'See you Saturday', at);
    const event = pushed(insert(row, '103'));
    expect(event.conversation).toMatchObject({ kind: 'group', title: 'Book club', handle: ben.handle });
    expect(problems(event, payload('conversationUpdated'))).toEqual([]);
  });

  test('message.updated and message.deleted, as built from a message MODIFY (edit, tombstone) and REMOVE, match their schemas', () => {
    const item = messageItem({
      message_group_uuid: group,
      message_uuid: '708e1c1e-93be-4acb-bbdc-12b4d60c1a7e',
      message: 'See you Sunday',
      created_at: at,
      user_uuid: ben.uuid,
      user_handle: ben.handle,
      user_display_name: ben.display_name,
    });
    const modify = (image: object, sequenceNumber: string): DynamoDBRecord => ({
      ...insert(image, sequenceNumber),
      eventName: 'MODIFY',
    });
    const edited = pushed(modify({ ...item, edited_at: '2026-12-01T20:19:00.000000Z' }, '104'));
    expect([edited.type, (edited.message as { message: string }).message]).toEqual([
      doc.components.messages.messageUpdated?.name,
      'See you Sunday',
    ]);
    expect(problems(edited, payload('messageUpdated'))).toEqual([]);
    const { message: _text, ...tombstone } = item;
    const deleted = pushed(modify({ ...tombstone, deleted: true, deleted_at: '2026-12-01T20:20:00.000000Z' }, '105'));
    expect(deleted.type).toBe(doc.components.messages.messageDeleted?.name);
    expect(problems(deleted, payload('messageDeleted'))).toEqual([]);
    const removed = pushed({
      eventName: 'REMOVE',
      dynamodb: { Keys: marshall({ pk: item.pk, sk: item.sk }) as never, SequenceNumber: '106' },
    });
    expect(removed.id).toBe(deleted.id);
    expect(problems(removed, payload('messageDeleted'))).toEqual([]);
    expect(JSON.stringify([deleted, removed])).not.toContain('See you');
  });

  test('conversation.updated of a row read in place (#17: a MODIFY with unread_count and last_read_at) matches its schema', () => {
    const row = conversationItem(ada.uuid, ben, group, 'See you Saturday', at, { unread_count: 0, last_read_at: at });
    const event = pushed({ ...insert(row, '104'), eventName: 'MODIFY' });
    expect(event).toMatchObject({
      id: expect.stringMatching(new RegExp(`^conversation\\.updated:${group}@${at.replace(/\./g, '\\.')}~[A-Za-z0-9_-]{16}$`)),
      conversation: { unread_count: 0, last_read_at: at },
    });
    expect(problems(event, payload('conversationUpdated'))).toEqual([]);
    // Another in-place change at the same position (its message deleted) is another event.
    const { message: _text, ...withoutText } = row;
    const tombstoned = pushed({ ...insert({ ...withoutText, deleted: true }, '106'), eventName: 'MODIFY' });
    expect(tombstoned.id).not.toBe(event.id);
    expect(tombstoned).toMatchObject({ conversation: { message: null, deleted: true } });
    expect(problems(tombstoned, payload('conversationUpdated'))).toEqual([]);
    // A redelivery of the same record is the same event.
    expect(pushed({ ...insert(row, '104'), eventName: 'MODIFY' }).id).toBe(event.id);
  });

  test('conversation.read, as built from a membership MODIFY with a read marker, matches its schema', () => {
    const membership = { pk: `GROUP#${group}`, sk: `MEMBER#${ada.uuid}`, user_uuid: ada.uuid, last_read_at: at };
    const event = pushed({ ...insert(membership, '105'), eventName: 'MODIFY' });
    expect(event.type).toBe(doc.components.messages.conversationRead?.name);
    expect(problems(event, payload('conversationRead'))).toEqual([]);
  });

  test('the $default route answers a ping with the documented pong, anything else with the documented error', async () => {
    const answer = async (body: string) =>
      JSON.parse((await defaultRoute({ requestContext: { connectionId: 'c1' }, body })).body ?? 'null');
    expect(problems(await answer('{"type":"ping"}'), payload('pong'))).toEqual([]);
    expect(problems(await answer('hello'), payload('error'))).toEqual([]);
  });

  test('the check itself catches a frame that drifted from the document', () => {
    const event = pushed(insert(conversationItem(ada.uuid, ben, group, 'x', at), '102'));
    const drifted = { ...event, extra: 1, conversation: { ...(event.conversation as object), uuid: undefined } };
    delete (drifted.conversation as Record<string, unknown>).uuid;
    expect(problems(drifted, payload('conversationUpdated'))).toEqual([
      '$.conversation.uuid: missing',
      '$.extra: not in the document',
    ]);
  });
});
