/**
 * Realtime fan-out on the table's stream, beside pattern E (its own event source mapping,
 * role, retries and dead-letter queue, so a slow or failing WebSocket endpoint never delays
 * the conversation rows, and pattern E's retries never re-push):
 *
 *   INSERT MSG#<group>  → `message.created` to every member's connections
 *   INSERT GRP#<owner>  → `conversation.updated` (the B item shape) to the row's owner
 *   MODIFY GRP#<owner>  → the same, for a row changed in place (a read's unread count, #17)
 *   MODIFY GROUP#<g> / MEMBER#<u> with a read marker → `conversation.read` to u's own
 *                         connections only (their other devices; never other members)
 *   MODIFY MSG#<group>  → `message.updated` (edited: the new text and `edited_at`) or
 *                         `message.deleted` (a tombstone: no text) to every member (#17)
 *   REMOVE MSG#<group>  → `message.deleted` (TTL or an operator; keys only: no uuid, no sender)
 *
 * Blocks: a message is not pushed to members who block its sender, and a group row whose last
 * sender the owner blocks is pushed with the text withheld (domain/blocks.ts, the same form
 * pattern B answers), so a blocker never receives the blocked user's words in realtime.
 *
 * Coalesced per batch: one membership read per conversation and one connection read per
 * user; a conversation row replaced several times in one batch is pushed once, at its newest
 * position. Every message is pushed (a client shows each one).
 *
 * Each event has an `id` derived from the item (message uuid, and `edited_at` for an edit; a
 * deletion's group + message time, the same for its MODIFY and a later REMOVE; row group +
 * position), so a
 * redelivered record produces the same id and a client drops the duplicate. Partial batch
 * response: records whose event failed (other than `410 Gone`) are reported, and Lambda
 * redelivers from the lowest one (bisect, retries, then the push dead-letter queue).
 * Offline, local/event-source-mapping.js does that part, as for pattern E.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { withheldFromBlocker } from '../../domain/blocks';
import { messageFromItem, messageGroupFromItem } from '../../domain/items';
import {
  groupUuidOfMembershipPartition,
  groupUuidOfMessagePartition,
  userUuidOfConversationPartition,
  userUuidOfMembership,
} from '../../domain/keys';
import { type OutboundEvent, pushEvents } from '../../domain/push';
import { canonicalTimestamp, isTimestamp } from '../../domain/time';
import { isUuid } from '../../domain/validation';
import { type MessageJson, messageGroupJson, messageJson } from '../http/shapes';
import { logger } from '../logger';
import { compareSequenceNumbers } from './sequence-numbers';

type Parsed =
  | { kind: 'ignored' }
  | { kind: 'event'; event: OutboundEvent; coalesceKey?: string; position: string }
  | { kind: 'poison'; sequenceNumber: string | undefined; reason: string };

export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  if (context) logger.addContext(context);
  return processBatch(event.Records ?? []);
}

async function processBatch(records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const parsed = records.map(parseRecord);
  const failures = new Set<string>();
  let unidentified = 0;
  const events: OutboundEvent[] = [];
  const rows = new Map<string, { event: OutboundEvent; position: string }>();

  for (const record of parsed) {
    if (record.kind === 'poison') {
      logger.warn('poison record', { sequenceNumber: record.sequenceNumber, reason: record.reason });
      if (record.sequenceNumber === undefined) unidentified++;
      else failures.add(record.sequenceNumber);
    } else if (record.kind === 'event' && record.coalesceKey === undefined) {
      events.push(record.event);
    } else if (record.kind === 'event' && record.coalesceKey !== undefined) {
      // Coalesce a conversation row's changes: its newest position wins, carrying every record.
      const seen = rows.get(record.coalesceKey);
      if (!seen) rows.set(record.coalesceKey, { event: record.event, position: record.position });
      else {
        const refs = [...seen.event.refs, ...record.event.refs];
        // Records come in stream order: at the same position (a row read in place after its
        // insert), the later record is the newer state.
        const newest = record.position >= seen.position ? record : seen;
        rows.set(record.coalesceKey, { event: { ...newest.event, refs }, position: newest.position });
      }
    }
  }
  events.push(...[...rows.values()].map((row) => row.event));

  const summary = await pushEvents(events);
  for (const sequenceNumber of summary.failed) failures.add(sequenceNumber);
  logger.info('batch done', {
    records: parsed.length,
    events: summary.events,
    delivered: summary.delivered,
    gone: summary.gone,
    failedEvents: summary.failedEvents,
    membershipReads: summary.membershipReads,
    blockReads: summary.blockReads,
    connectionReads: summary.connectionReads,
    failures: failures.size + unidentified,
  });

  if (unidentified > 0) throw new Error(`${unidentified} stream record(s) without a sequence number`);
  return { batchItemFailures: [...failures].sort(compareSequenceNumbers).map((itemIdentifier) => ({ itemIdentifier })) };
}

/** One stream record → the event it pushes (exported for the AsyncAPI drift test). */
export function parseRecord(record: DynamoDBRecord): Parsed {
  const sequenceNumber = record.dynamodb?.SequenceNumber || undefined;
  if (record.eventName === 'REMOVE') return parseMessageChange(record, sequenceNumber);
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return { kind: 'ignored' };
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (typeof pk !== 'string') return { kind: 'poison', sequenceNumber, reason: `${record.eventName} without a string pk` };
  if (record.eventName === 'MODIFY') {
    const groupOfMembership = groupUuidOfMembershipPartition(pk);
    if (groupOfMembership !== undefined) return parseMembershipChange(record, groupOfMembership, sequenceNumber);
    if (groupUuidOfMessagePartition(pk) !== undefined) return parseMessageChange(record, sequenceNumber);
  }
  const groupOfMessage = record.eventName === 'INSERT' ? groupUuidOfMessagePartition(pk) : undefined;
  const owner = userUuidOfConversationPartition(pk);
  if (groupOfMessage === undefined && owner === undefined) return { kind: 'ignored' };
  if (sequenceNumber === undefined) return { kind: 'poison', sequenceNumber, reason: 'no sequence number' };

  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, reason: 'NewImage is not a DynamoDB item' };
  }
  if (!isTimestamp(image.sk)) return { kind: 'poison', sequenceNumber, reason: 'sk is not a timestamp' };
  // A tombstone (#17: a row whose last message was deleted) has no text.
  const strings =
    image.deleted === true
      ? ['user_uuid', 'user_handle', 'user_display_name']
      : ['message', 'user_uuid', 'user_handle', 'user_display_name'];
  if (strings.some((name) => typeof image[name] !== 'string'))
    return { kind: 'poison', sequenceNumber, reason: 'attributes missing' };

  if (groupOfMessage !== undefined) {
    if (!isUuid(groupOfMessage) || typeof image.message_uuid !== 'string') {
      return { kind: 'poison', sequenceNumber, reason: 'not a message item' };
    }
    const message = messageFromItem(groupOfMessage, image);
    const payload = {
      type: 'message.created',
      id: `message.created:${message.message_uuid}`,
      message_group_uuid: groupOfMessage,
      message: messageJson(message),
    };
    return {
      kind: 'event',
      position: message.created_at,
      event: {
        refs: [sequenceNumber],
        message_group_uuid: groupOfMessage,
        audience: 'members',
        payload,
        sender: message.user_uuid,
      },
    };
  }

  const row = messageGroupFromItem(image);
  if (!isUuid(owner) || !isUuid(row.message_group_uuid))
    return { kind: 'poison', sequenceNumber, reason: 'not a conversation row' };
  // A row changed in place keeps its position: its id also names the read state it shows.
  // A row changed in place (a read's count, an edit or deletion of its message, a rename) keeps
  // its position: the id names its content too, so each change is a new event and a
  // redelivered one the same.
  const inPlace = record.eventName === 'MODIFY' ? `~${contentDigest(messageGroupJson(row))}` : '';
  const payload = {
    type: 'conversation.updated',
    id: `conversation.updated:${row.message_group_uuid}@${row.last_message_at}${inPlace}`,
    conversation: messageGroupJson(row),
  };
  return {
    kind: 'event',
    coalesceKey: `${owner}|${row.message_group_uuid}`,
    position: row.last_message_at,
    event: {
      refs: [sequenceNumber],
      message_group_uuid: row.message_group_uuid,
      audience: { user: owner as string },
      payload,
      // A group row names its last sender; a direct row names the other member, whose words
      // stay readable to a blocker (README "Safety"), and a tombstone has no words: no sender.
      ...(row.kind === 'group' && row.deleted !== true
        ? {
            sender: row.user_uuid,
            whenBlocked: { ...payload, conversation: messageGroupJson(withheldFromBlocker(row)) },
          }
        : {}),
    },
  };
}

/** A message's MODIFY or REMOVE → `message.updated` / `message.deleted` to its members; rows' and others' are ignored. */
function parseMessageChange(record: DynamoDBRecord, sequenceNumber: string | undefined): Parsed {
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  const group = typeof pk === 'string' ? groupUuidOfMessagePartition(pk) : undefined;
  if (group === undefined) return { kind: 'ignored' };
  if (sequenceNumber === undefined) return { kind: 'poison', sequenceNumber, reason: 'no sequence number' };
  if (!isUuid(group) || !isTimestamp(sk)) return { kind: 'poison', sequenceNumber, reason: 'not a message key' };
  const createdAt = canonicalTimestamp(sk);
  // A REMOVE has the keys only: its tombstone has no uuid or sender (the client knows the message by its time).
  const deleted = (known: Partial<Pick<MessageJson, 'uuid' | 'display_name' | 'handle'>> = {}): Parsed => ({
    kind: 'event',
    position: createdAt,
    event: {
      refs: [sequenceNumber],
      message_group_uuid: group,
      audience: 'members',
      payload: {
        type: 'message.deleted',
        id: `message.deleted:${group}@${createdAt}`,
        message_group_uuid: group,
        message: { ...known, message: null, created_at: createdAt, deleted: true },
      },
    },
  });
  if (record.eventName === 'REMOVE') return deleted();

  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, reason: 'NewImage is not a DynamoDB item' };
  }
  if (typeof image.message_uuid !== 'string') return { kind: 'poison', sequenceNumber, reason: 'not a message item' };
  const message = { ...messageFromItem(group, image), created_at: createdAt };
  if (message.deleted) {
    const { uuid, display_name, handle } = messageJson(message);
    return deleted({ uuid, display_name, handle });
  }
  if (message.edited_at === undefined || typeof image.message !== 'string') return { kind: 'ignored' };
  return {
    kind: 'event',
    position: createdAt,
    event: {
      refs: [sequenceNumber],
      message_group_uuid: group,
      audience: 'members',
      payload: {
        type: 'message.updated',
        id: `message.updated:${message.message_uuid}@${message.edited_at}`,
        message_group_uuid: group,
        message: messageJson(message),
      },
      // The new text is the sender's words: not pushed to members who block them (as message.created).
      sender: message.user_uuid,
    },
  };
}

/**
 * A membership item changed: a read marker moved (or a role changed, which carries the same
 * marker: the same id, dropped by the client). To the member's own connections only.
 */
function parseMembershipChange(record: DynamoDBRecord, group: string, sequenceNumber: string | undefined): Parsed {
  const member = userUuidOfMembership(record.dynamodb?.Keys?.sk?.S ?? '');
  if (member === undefined) return { kind: 'ignored' };
  if (sequenceNumber === undefined) return { kind: 'poison', sequenceNumber, reason: 'no sequence number' };
  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, reason: 'NewImage is not a DynamoDB item' };
  }
  if (image.last_read_at === undefined) return { kind: 'ignored' };
  if (!isUuid(group) || !isUuid(member) || !isTimestamp(image.last_read_at))
    return { kind: 'poison', sequenceNumber, reason: 'not a membership with a read marker' };
  const payload = {
    type: 'conversation.read',
    id: `conversation.read:${group}@${image.last_read_at}`,
    message_group_uuid: group,
    last_read_at: image.last_read_at,
  };
  return {
    kind: 'event',
    position: image.last_read_at,
    event: { refs: [sequenceNumber], message_group_uuid: group, audience: { user: member }, payload },
  };
}

function contentDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}
