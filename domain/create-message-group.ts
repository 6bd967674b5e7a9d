/**
 * Pattern D: start a conversation with someone by handle, with a first message.
 *
 * One TransactWriteItems (all or nothing) writes: the pair item (makes "one conversation
 * per pair of users" a DynamoDB condition), both membership items, both conversation rows
 * and the message. If the pair already has a conversation the transaction is cancelled on
 * the pair item, which returns the existing group id (ALL_OLD), and the message goes there
 * (pattern C) — concurrent starts between the same two people converge on one conversation.
 * Requests: 2 (GetItem handle, TransactWriteItems), or 4 when the conversation exists.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createMessage, newMessage, type Sender } from './create-message';
import { db, tableName } from './dynamodb';
import { ValidationError } from './errors';
import { newUuid } from './ids';
import { conversationItem, messageItem } from './items';
import { keys } from './keys';
import { cancellationReasons } from './transactions';
import type { Message } from './types';
import { getUserByHandle } from './users';
import { parseHandle, parseMessageText } from './validation';

export async function createMessageGroup(sender: Sender, otherHandle: string, text: string): Promise<Message> {
  const handle = parseHandle(otherHandle);
  const body = parseMessageText(text);
  const other = await getUserByHandle(handle);
  if (other.uuid === sender.uuid) throw new ValidationError('you cannot start a conversation with yourself');

  const groupUuid = newUuid();
  const message = newMessage(groupUuid, sender, body);
  const put = (Item: object) => ({
    Put: { TableName: tableName(), Item, ConditionExpression: 'attribute_not_exists(pk)' },
  });

  try {
    await db().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.pair(sender.uuid, other.uuid), group_uuid: groupUuid, created_at: message.created_at },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          put({ ...keys.membership(groupUuid, sender.uuid), user_uuid: sender.uuid }),
          put({ ...keys.membership(groupUuid, other.uuid), user_uuid: other.uuid }),
          put(conversationItem(sender.uuid, other, groupUuid, body, message.created_at)),
          put(conversationItem(other.uuid, sender, groupUuid, body, message.created_at)),
          put(messageItem(message)),
        ],
      }),
    );
    return message;
  } catch (error) {
    const existing = cancellationReasons(error)?.[0];
    if (existing?.code === 'ConditionalCheckFailed' && typeof existing.item?.group_uuid === 'string') {
      return createMessage(existing.item.group_uuid, sender, body);
    }
    throw error;
  }
}
