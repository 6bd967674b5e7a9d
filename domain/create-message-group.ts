/**
 * Pattern D: start a conversation with someone by handle, with a first message.
 *
 * One TransactWriteItems (all or nothing) writes: the pair item (makes "one conversation
 * per pair of users" a DynamoDB condition), both membership items, both conversation rows
 * and the message. If the pair already has a conversation the transaction is cancelled on
 * the pair item, which returns the existing group id (ALL_OLD), and the message goes there
 * (pattern C) — concurrent starts between the same two people converge on one conversation.
 * Requests: 2 (GetItem handle, TransactWriteItems), or 4 when the conversation exists.
 * With an idempotency key, the key's record is one more action of the same transaction.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { KEY_COLLISION_RETRIES, newMessage, putMessage, type SendOptions, type Sender } from './create-message';
import { db, tableName } from './dynamodb';
import { ValidationError } from './errors';
import { idempotencyFor, type Idempotency } from './idempotency';
import { newUuid } from './ids';
import { conversationItem, messageItem } from './items';
import { keys } from './keys';
import { requireMember } from './membership';
import { bumpTimestamp } from './time';
import { cancellationReasons, retryOnTransactionConflict } from './transactions';
import type { Message } from './types';
import { getUserByHandle } from './users';
import { parseHandle, parseMessageText } from './validation';

export async function createMessageGroup(
  sender: Sender,
  otherHandle: string,
  text: string,
  options: SendOptions = {},
): Promise<Message> {
  const handle = parseHandle(otherHandle);
  const body = parseMessageText(text);
  const idempotency =
    options.idempotencyKey === undefined
      ? undefined
      : idempotencyFor(sender.uuid, options.idempotencyKey, { pattern: 'D', handle: handle.toLowerCase(), body });
  const other = await getUserByHandle(handle);
  if (other.uuid === sender.uuid) throw new ValidationError('you cannot start a conversation with yourself');

  const groupUuid = newUuid();
  let message = newMessage(groupUuid, sender, body);
  for (let attempt = 0; ; attempt++) {
    try {
      await retryOnTransactionConflict(() => db().send(startConversation(sender, other, message, idempotency)));
      return message;
    } catch (error) {
      const reasons = cancellationReasons(error);
      const replayed = idempotency?.replay(reasons?.[IDEMPOTENCY_ACTION]);
      if (replayed) return replayed;
      const existing = reasons?.[0];
      if (existing?.code === 'ConditionalCheckFailed' && typeof existing.item?.group_uuid === 'string') {
        // Same request, same key: a retry of a start that created the conversation replays here too.
        await requireMember(existing.item.group_uuid, sender.uuid);
        return putMessage(newMessage(existing.item.group_uuid, sender, body), idempotency);
      }
      // A member already has a row at this exact microsecond (another conversation's last
      // message): take the next microsecond rather than overwrite it.
      const rowKeyTaken = reasons
        ?.slice(ROW_ACTIONS_FROM, IDEMPOTENCY_ACTION)
        .some((reason) => reason.code === 'ConditionalCheckFailed');
      if (!rowKeyTaken || attempt >= KEY_COLLISION_RETRIES) throw error;
      message = { ...message, created_at: bumpTimestamp(message.created_at) };
    }
  }
}

/** Indexes into the transaction below: the first conversation-row action, the idempotency record. */
const ROW_ACTIONS_FROM = 3;
const IDEMPOTENCY_ACTION = 6;

function startConversation(sender: Sender, other: Sender, message: Message, idempotency?: Idempotency): TransactWriteCommand {
  const group = message.message_group_uuid;
  const put = (Item: object) => ({
    Put: { TableName: tableName(), Item, ConditionExpression: 'attribute_not_exists(pk)' },
  });
  return new TransactWriteCommand({
    TransactItems: [
      {
        Put: {
          TableName: tableName(),
          Item: { ...keys.pair(sender.uuid, other.uuid), group_uuid: group, created_at: message.created_at },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      put({ ...keys.membership(group, sender.uuid), user_uuid: sender.uuid }),
      put({ ...keys.membership(group, other.uuid), user_uuid: other.uuid }),
      put(conversationItem(sender.uuid, other, group, message.message, message.created_at)),
      put(conversationItem(other.uuid, sender, group, message.message, message.created_at)),
      put(messageItem(message)),
      ...(idempotency ? [idempotency.record(message, tableName())] : []),
    ],
  });
}
