/**
 * Delete a message (#17): `DELETE /api/messages/{group}/{message}`, by its sender, or in a
 * group by an owner or admin. The message becomes a tombstone: its item keeps its key, uuid
 * and sender, `deleted: true` and `deleted_at`, and no text (`REMOVE message`). Pattern E
 * (domain/apply-message-change.ts) then tombstones every member row at it, and pushEvents sends
 * `message.deleted` (no text). A send's idempotency record never held the text
 * (domain/create-message.ts), so nothing else keeps it. A report keeps its snapshot of the
 * text: it is evidence for operators only (no route reads it, domain/reports.ts), and a
 * sender deleting a reported message must not erase what was reported.
 *
 * Idempotent by nature, so it takes no Idempotency-Key: deleting a tombstone writes nothing
 * and answers the same tombstone (the first `deleted_at` stays).
 * Answers: non-member 404, unknown message 404, a member who is neither the sender nor (in a
 * group) an owner or admin 403. A blocked sender may still delete their own message: deleting
 * sends nothing to anyone.
 *
 * Requests: 1 consistent GetItem (the caller's membership, with its role), 1 consistent GetItem
 * (the message, domain/find-message.ts), then the sender: 1 conditional UpdateItem (1 WCU);
 * an owner or admin: 1 TransactWriteItems of the update and a ConditionCheck that the caller's
 * role is still owner or admin (2 + 2 WCU), so a demotion in between cancels it.
 */
import { conversationNotFound } from './membership';
import { ForbiddenError } from './errors';
import { findMessageItem } from './find-message';
import { messageNotFound } from './edit-message';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conditionCheckAction, getItem, TransactionCancelledError, transactWrite, updateAction, updateIf } from './table';
import { nextTimestamp } from './time';
import type { Message } from './types';
import { parseUuid } from './validation';

const TOMBSTONE = 'REMOVE message SET deleted = :true, deleted_at = :at';
const MODERATORS = ['owner', 'admin'];

export async function deleteMessage(groupUuid: string, messageUuid: string, callerUuid: string): Promise<Message> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const id = parseUuid(messageUuid, 'message_uuid');
  const membershipKey = keys.membership(group, callerUuid);
  const membership = await getItem(membershipKey, { consistent: true });
  if (!membership) throw conversationNotFound();

  // Twice at most: a concurrent delete (or edit) between our read and our write is read again.
  for (let attempt = 0; ; attempt++) {
    const item = await findMessageItem(group, id);
    if (!item) throw messageNotFound();
    const current = messageFromItem(group, item);
    if (current.deleted) return current;
    const bySender = current.user_uuid === callerUuid;
    if (!bySender && !MODERATORS.includes(String(membership.role))) {
      throw new ForbiddenError('only the sender, or a group owner or admin, can delete this message');
    }
    const key = keys.message(group, String(item.sk));
    const deletedAt = nextTimestamp();
    const values = { ':true': true, ':at': deletedAt };
    const unlessDeleted = 'attribute_exists(pk) AND attribute_not_exists(deleted)';
    let done: boolean;
    if (bySender) {
      done = await updateIf(key, TOMBSTONE, {
        if: `${unlessDeleted} AND user_uuid = :me`,
        values: { ...values, ':me': callerUuid },
      });
    } else {
      try {
        await transactWrite({
          message: updateAction(key, TOMBSTONE, { if: unlessDeleted, values }),
          moderator: conditionCheckAction(membershipKey, {
            if: '#r IN (:owner, :admin)',
            values: { ':owner': 'owner', ':admin': 'admin' },
            names: { '#r': 'role' },
          }),
        });
        done = true;
      } catch (error) {
        if (!(error instanceof TransactionCancelledError)) throw error;
        if (error.failed('moderator'))
          throw new ForbiddenError('only the sender, or a group owner or admin, can delete this message');
        if (!error.failed('message')) throw error;
        done = false;
      }
    }
    if (done) {
      const { message: _text, edited_at: _edited, ...kept } = current;
      return { ...kept, message: '', deleted: true, deleted_at: deletedAt };
    }
    if (attempt >= 1) throw messageNotFound();
  }
}
