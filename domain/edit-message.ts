/**
 * Edit a message (#17): `PATCH /api/messages/{group}/{message} {message}`, by its sender only.
 *
 * Validated like a send (domain/text.ts) and allowed like one: a member whose direct
 * conversation has a block between the two gets the send's neutral 403 (domain/blocks.ts).
 * The item keeps its key, so `created_at` and the order stay; `SET message, edited_at` with a
 * condition: the item exists, the caller is its sender, it is not deleted, and its `edited_at`
 * is older than ours. That last part keeps `edited_at` rising in commit order: two concurrent
 * edits stamped out of order (two containers) cannot leave the item with the older one's time,
 * which pattern E (domain/apply-message-change.ts) would then rank below the text it already
 * shows; the later committer takes a time after the newer edit and tries again (bounded).
 *
 * Answers: non-member 404 (the conversation does not exist for you), unknown message 404,
 * member not the sender 403, a deleted message 409 (nothing left to edit; a tombstone never
 * comes back). The same text again writes nothing and answers the message as it is.
 * Idempotency-Key: as for sends (domain/idempotency.ts): the record is written in the same
 * transaction as the edit and keeps no text; a retry with the same key and body answers the
 * message as it is now; the same key with another body (or used by a send) is a 409.
 *
 * Requests: 1 consistent GetItem (membership with its block marks), 1 consistent GetItem (the
 * message, by the key its uuid carries; v4 uuids: a Query, domain/find-message.ts), then 1
 * conditional UpdateItem (1 WCU for a message under 1 KB), or with a key 1 TransactWriteItems
 * (the update and the record: 2 + 2 WCU). The item's MODIFY then drives pattern E and the
 * `message.updated` push.
 */
import { requireSender } from './blocks';
import { type MessageIdempotency, replayMessage, sendIdempotency, type Sender } from './create-message';
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from './errors';
import { findMessageItem } from './find-message';
import { IDEMPOTENCY_ACTION } from './idempotency';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conditionCheckAction, TransactionCancelledError, transactWrite, updateAction, updateIf } from './table';
import { bumpTimestamp, compareTimestamps, nextTimestamp } from './time';
import type { Message } from './types';
import { parseMessageText, parseUuid } from './validation';

export interface EditOptions {
  idempotencyKey?: string;
}

/** Concurrent edits of one message that may each move past the other before one commits. */
const EDIT_RACE_RETRIES = 5;

export function messageNotFound(): NotFoundError {
  return new NotFoundError('message not found');
}

export function messageDeleted(): ConflictError {
  return new ConflictError('this message was deleted');
}

export async function editMessage(
  groupUuid: string,
  messageUuid: string,
  editor: Sender,
  text: unknown,
  options: EditOptions = {},
): Promise<Message> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const id = parseUuid(messageUuid, 'message_uuid');
  const body = parseMessageText(text);
  const idempotency =
    options.idempotencyKey === undefined
      ? undefined
      : sendIdempotency(editor.uuid, options.idempotencyKey, { pattern: 'edit', group, message: id, body });
  await requireSender(group, editor.uuid);

  for (let attempt = 0; ; attempt++) {
    const item = await findMessageItem(group, id);
    if (!item) throw messageNotFound();
    const current = messageFromItem(group, item);
    if (current.user_uuid !== editor.uuid) throw new ForbiddenError('only the sender can edit a message');
    if (current.deleted) {
      // A retry of an edit that succeeded before the deletion answers as its first try did.
      const done = await idempotency?.lookup();
      if (done) return replayMessage(done);
      throw messageDeleted();
    }
    const unchanged = current.message === body;
    if (unchanged && !idempotency) return current;

    const editedAt = editTime(current);
    const key = keys.message(group, String(item.sk));
    const condition = {
      if: 'attribute_exists(pk) AND user_uuid = :me AND attribute_not_exists(deleted) AND (attribute_not_exists(edited_at) OR edited_at < :e)',
      values: { ':me': editor.uuid, ':e': editedAt },
    };
    const edited: Message = unchanged ? current : { ...current, message: body, edited_at: editedAt };
    try {
      if (idempotency) await editWithKey(idempotency, key, unchanged, body, condition, edited);
      else if (
        !(await updateIf(key, 'SET message = :m, edited_at = :e', { ...condition, values: { ...condition.values, ':m': body } }))
      ) {
        throw new EditRaced();
      }
      return edited;
    } catch (error) {
      if (error instanceof TransactionCancelledError) {
        const replayed = idempotency?.replay(error);
        if (replayed) return replayMessage(replayed);
        if (!error.failed('message')) throw error;
      } else if (!(error instanceof EditRaced)) throw error;
    }
    // Deleted, or edited by a newer edit since we read it: read it again.
    if (attempt >= EDIT_RACE_RETRIES)
      throw new ServiceUnavailableError(`edit of ${id} still racing after ${attempt + 1} attempts`);
  }
}

class EditRaced extends Error {}

/** Our time, after the message's creation and any edit it has: edited_at only rises. */
function editTime(current: Message): string {
  let at = nextTimestamp();
  for (const floor of [current.created_at, current.edited_at]) {
    if (floor !== undefined && compareTimestamps(at, floor) <= 0) at = bumpTimestamp(floor);
  }
  return at;
}

async function editWithKey(
  idempotency: MessageIdempotency,
  key: { pk: string; sk: string },
  unchanged: boolean,
  body: string,
  condition: { if: string; values: Record<string, unknown> },
  edited: Message,
): Promise<void> {
  await transactWrite({
    [IDEMPOTENCY_ACTION]: idempotency.record(edited),
    // The same text: nothing to write on the message, but the key is still taken for this request.
    message: unchanged
      ? conditionCheckAction(key, {
          if: 'attribute_exists(pk) AND user_uuid = :me AND attribute_not_exists(deleted)',
          values: { ':me': condition.values[':me'] },
        })
      : updateAction(key, 'SET message = :m, edited_at = :e', { ...condition, values: { ...condition.values, ':m': body } }),
  });
}
