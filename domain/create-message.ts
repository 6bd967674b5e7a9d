/**
 * Pattern C: send a message into an existing conversation.
 *
 * Writes pk = MSG#<group>, sk = <created_at>; pattern E then moves both members'
 * conversation rows to it. Requests: 2 — GetItem on the sender's membership, then a PutItem
 * conditioned on the key being free (two senders in the same microsecond on different
 * containers: the loser takes the next microsecond, nothing is overwritten).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './dynamodb';
import { newUuid } from './ids';
import { messageItem } from './items';
import { requireMember } from './membership';
import { bumpTimestamp, nextTimestamp } from './time';
import { isConditionalCheckFailure } from './transactions';
import type { Message, UserProfile } from './types';
import { parseMessageText, parseUuid } from './validation';

const KEY_COLLISION_RETRIES = 5;

export type Sender = Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>;

export function newMessage(groupUuid: string, sender: Sender, text: string): Message {
  return {
    message_group_uuid: groupUuid,
    message_uuid: newUuid(),
    message: text,
    created_at: nextTimestamp(),
    user_uuid: sender.uuid,
    user_handle: sender.handle,
    user_display_name: sender.display_name,
  };
}

export async function createMessage(groupUuid: string, sender: Sender, text: string): Promise<Message> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const body = parseMessageText(text);
  await requireMember(group, sender.uuid);
  return putMessage(newMessage(group, sender, body));
}

/** Stores `message`, moving its timestamp forward by a microsecond on a key collision. */
export async function putMessage(message: Message): Promise<Message> {
  let candidate = message;
  for (let attempt = 0; ; attempt++) {
    try {
      await db().send(
        new PutCommand({
          TableName: tableName(),
          Item: messageItem(candidate),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return candidate;
    } catch (error) {
      if (!isConditionalCheckFailure(error) || attempt >= KEY_COLLISION_RETRIES) throw error;
      candidate = { ...candidate, created_at: bumpTimestamp(candidate.created_at) };
    }
  }
}
