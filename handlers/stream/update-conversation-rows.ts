/**
 * Pattern E on the table's stream: every message INSERT moves both members' conversation
 * rows to it (domain/update-conversation-rows.ts). Per batch, each conversation is applied
 * once, with its newest message (newest by instant: the original backend's `+00:00` stamps
 * and ours compare right). Partial batch response (ReportBatchItemFailures): a failed
 * conversation reports its records' sequence numbers; Lambda resumes from the lowest one,
 * and everything after it is safe to replay because the update is idempotent.
 *
 * A record pattern E can never apply (a message INSERT whose key or image is unusable: no
 * conversation uuid, a sk that is no accepted timestamp, no text) is dropped: logged at
 * ERROR with its keys and reason, counted in the batch summary (`dropped`), and not
 * reported as failed, since retrying it cannot succeed and would only push it, after the
 * whole retry budget, into the DLQ that means "outage, replay me" (docs/pattern-e.md).
 *
 * A message's MODIFY (an edit, a deletion) or REMOVE (TTL, an operator) updates the member rows
 * at that message in place (#17, domain/apply-message-change.ts): after the batch's moves, in
 * record order, so a row moved to a message in this batch gets its edit too. When a
 * conversation's move fails, its changes are not applied and are reported failed with it: the
 * redelivery applies both again, in order (both are idempotent).
 *
 * This is the whole deployed function. Offline, the stream emulator calls it through
 * local/event-source-mapping.js, which does with the partial batch response what Lambda's
 * event source mapping does (retries, dead-letter queue).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { logger } from '../logger';
import { compareSequenceNumbers } from './sequence-numbers';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { groupUuidOfMessagePartition } from '../../domain/keys';
import { applyMessageChange, type MessageChange } from '../../domain/apply-message-change';
import { compareTimestamps, isTimestamp, nextTimestamp } from '../../domain/time';
import { updateConversationRows, type NewestMessage } from '../../domain/update-conversation-rows';
import { isUuid } from '../../domain/validation';

// Conversations updated at once; a batch of 100 records holds at most 100.
const CONCURRENCY = 10;

type Parsed =
  | { kind: 'ignored' }
  | { kind: 'message'; sequenceNumber: string | undefined; message: NewestMessage }
  | { kind: 'change'; sequenceNumber: string | undefined; change: MessageChange }
  | { kind: 'poison'; sequenceNumber: string | undefined; pk: string | undefined; reason: string };

export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  // Every line of this invocation carries its request id (function_request_id).
  if (context) logger.addContext(context);
  const parsed = (event.Records ?? []).map(parseRecord);
  const failures = new Set<string>();
  let unidentified = 0;

  let dropped = 0;
  for (const record of parsed) {
    if (record.kind !== 'poison') continue;
    // Never the image: it holds message text.
    logger.error('record dropped: pattern E can never apply it', {
      sequenceNumber: record.sequenceNumber,
      pk: record.pk,
      reason: record.reason,
    });
    dropped++;
  }

  // Coalesce: per conversation, only the newest message is applied.
  const conversations = new Map<string, { newest: NewestMessage; sequenceNumbers: Array<string | undefined> }>();
  for (const record of parsed) {
    if (record.kind !== 'message') continue;
    const group = record.message.message_group_uuid;
    const entry = conversations.get(group);
    if (!entry) {
      conversations.set(group, { newest: record.message, sequenceNumbers: [record.sequenceNumber] });
    } else {
      entry.sequenceNumbers.push(record.sequenceNumber);
      if (compareTimestamps(record.message.created_at, entry.newest.created_at) > 0) entry.newest = record.message;
    }
  }

  const totals = { replaced: 0, upToDate: 0, cancelled: 0 };
  const failedMoves = new Set<string>();
  await forEachLimited([...conversations.values()], CONCURRENCY, async ({ newest, sequenceNumbers }) => {
    try {
      const update = await updateConversationRows(newest);
      totals.replaced += update.replaced;
      totals.upToDate += update.upToDate;
      totals.cancelled += update.cancelled;
      if (update.orphan) logger.warn('message without a conversation', { message_group_uuid: newest.message_group_uuid });
    } catch (error) {
      logger.error('conversation rows not updated', { message_group_uuid: newest.message_group_uuid, error });
      failedMoves.add(newest.message_group_uuid);
      sequenceNumbers.forEach((sequenceNumber) => (sequenceNumber === undefined ? unidentified++ : failures.add(sequenceNumber)));
    }
  });

  // Edits and deletions, after the moves; per conversation in record order, never before a failed move.
  const changes = new Map<string, Array<{ change: MessageChange; sequenceNumber: string | undefined }>>();
  for (const record of parsed) {
    if (record.kind !== 'change') continue;
    const list = changes.get(record.change.message_group_uuid) ?? [];
    list.push({ change: record.change, sequenceNumber: record.sequenceNumber });
    changes.set(record.change.message_group_uuid, list);
  }
  const changeTotals = { rowsEdited: 0, rowsUnchanged: 0 };
  await forEachLimited([...changes.entries()], CONCURRENCY, async ([group, list]) => {
    let failed = failedMoves.has(group);
    for (const { change, sequenceNumber } of list) {
      if (!failed) {
        try {
          const result = await applyMessageChange(change);
          changeTotals.rowsEdited += result.updated;
          changeTotals.rowsUnchanged += result.unchanged;
        } catch (error) {
          logger.error('message change not applied to rows', { message_group_uuid: group, error });
          failed = true;
        }
      }
      if (failed) {
        if (sequenceNumber === undefined) unidentified++;
        else failures.add(sequenceNumber);
      }
    }
  });

  logger.info('batch done', {
    records: parsed.length,
    messages: parsed.filter((record) => record.kind === 'message').length,
    changes: parsed.filter((record) => record.kind === 'change').length,
    conversations: conversations.size,
    ...totals,
    ...changeTotals,
    dropped,
    failures: failures.size + unidentified,
  });

  // A failure we cannot name by sequence number can only be reported by failing the whole
  // batch; everything else in it has been applied already, so the retry is a no-op for it.
  if (unidentified > 0) throw new Error(`${unidentified} stream record(s) without a sequence number`);
  return {
    batchItemFailures: [...failures].sort(compareSequenceNumbers).map((itemIdentifier) => ({ itemIdentifier })),
  };
}

function parseRecord(record: DynamoDBRecord): Parsed {
  const sequenceNumber = record.dynamodb?.SequenceNumber || undefined;
  if (record.eventName === 'MODIFY' || record.eventName === 'REMOVE') return parseChange(record, sequenceNumber);
  if (record.eventName !== 'INSERT') return { kind: 'ignored' };
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (typeof pk !== 'string') return { kind: 'poison', sequenceNumber, pk: undefined, reason: 'INSERT without a string pk' };
  const groupUuid = groupUuidOfMessagePartition(pk);
  if (groupUuid === undefined) return { kind: 'ignored' };

  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, pk, reason: 'NewImage is not a DynamoDB item' };
  }
  const { sk, message } = image;
  if (!isUuid(groupUuid)) return { kind: 'poison', sequenceNumber, pk, reason: `pk ${pk} does not name a conversation` };
  if (!isTimestamp(sk))
    return { kind: 'poison', sequenceNumber, pk, reason: 'message sk is not a timestamp in an accepted form' };
  if (typeof message !== 'string') return { kind: 'poison', sequenceNumber, pk, reason: 'message text missing' };
  const { user_uuid, user_handle, user_display_name } = image;
  const sender =
    typeof user_uuid === 'string' && typeof user_handle === 'string' && typeof user_display_name === 'string'
      ? { sender: { uuid: user_uuid, handle: user_handle, display_name: user_display_name } }
      : {};
  return { kind: 'message', sequenceNumber, message: { message_group_uuid: groupUuid, created_at: sk, message, ...sender } };
}

/** A message's MODIFY (edit / tombstone) or REMOVE → the change its rows get; anything else is ignored. */
function parseChange(record: DynamoDBRecord, sequenceNumber: string | undefined): Parsed {
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  const groupUuid = typeof pk === 'string' ? groupUuidOfMessagePartition(pk) : undefined;
  if (groupUuid === undefined) return { kind: 'ignored' };
  if (!isUuid(groupUuid) || !isTimestamp(sk)) {
    return { kind: 'poison', sequenceNumber, pk, reason: `${record.eventName} of a message with an unusable key` };
  }
  if (record.eventName === 'REMOVE') {
    // The view type is NEW_IMAGE: a REMOVE has the keys only, which is all a tombstone needs.
    return {
      kind: 'change',
      sequenceNumber,
      change: { kind: 'deleted', message_group_uuid: groupUuid, created_at: sk, deleted_at: nextTimestamp() },
    };
  }
  let image: Record<string, unknown>;
  try {
    image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
  } catch {
    return { kind: 'poison', sequenceNumber, pk, reason: 'NewImage is not a DynamoDB item' };
  }
  if (image.deleted === true) {
    const deletedAt = typeof image.deleted_at === 'string' ? image.deleted_at : nextTimestamp();
    return {
      kind: 'change',
      sequenceNumber,
      change: { kind: 'deleted', message_group_uuid: groupUuid, created_at: sk, deleted_at: deletedAt },
    };
  }
  if (typeof image.edited_at === 'string' && typeof image.message === 'string') {
    return {
      kind: 'change',
      sequenceNumber,
      change: {
        kind: 'edited',
        message_group_uuid: groupUuid,
        created_at: sk,
        message: image.message,
        edited_at: image.edited_at,
      },
    };
  }
  return { kind: 'ignored' };
}

async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
