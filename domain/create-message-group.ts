/**
 * Pattern D: start a conversation with someone by handle, with a first message.
 *
 * One TransactWriteItems (all or nothing) writes: the pair item (makes "one conversation
 * per pair of users" a DynamoDB condition), both membership items, both conversation rows
 * and the message. If the pair already has a conversation the transaction is cancelled on
 * the pair item, which returns the existing group id (ALL_OLD), and the message goes there
 * (pattern C) — concurrent starts between the same two people converge on one conversation.
 * Requests: 2 (GetItem handle, TransactWriteItems), or 4 when the conversation exists. The
 * conversation's head item (domain/unread.ts) is one more put of the same transaction; the
 * sender's marker starts at the first message (read), the other member's row counts it unread.
 * With an idempotency key, the key's record is one more action of the same transaction; so
 * are the checks that neither blocks the other (domain/blocks.ts, a neutral 403) and the
 * sender's rate-limit counter (domain/rate-limit.ts, 429).
 */
import { cancelledByBlock, noBlockBetween, requireSender, sendNotAllowed } from './blocks';
import {
  KEY_COLLISION_RETRIES,
  newMessage,
  putMessage,
  replayMessage,
  sendIdempotency,
  type SendOptions,
  type Sender,
  withCreatedAt,
} from './create-message';
import { ValidationError } from './errors';
import { IDEMPOTENCY_ACTION } from './idempotency';
import { newUuid } from './ids';
import { conversationItem, messageItem, type RowReadState } from './items';
import { keys } from './keys';
import { SEND_RATE_ACTION, sendAllowance } from './rate-limit';
import { putIfAbsentAction, TransactionCancelledError, transactWrite, type TransactAction } from './table';
import { bumpTimestamp } from './time';
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
      : sendIdempotency(sender.uuid, options.idempotencyKey, { pattern: 'D', handle: handle.toLowerCase(), body });
  const other = await getUserByHandle(handle);
  if (other.uuid === sender.uuid) throw new ValidationError('you cannot start a conversation with yourself');

  const groupUuid = newUuid();
  let message = newMessage(groupUuid, sender, body);
  const allowance = sendAllowance(sender.uuid);
  for (let attempt = 0; ; attempt++) {
    try {
      await transactWrite({
        // The sender has read their own first message; the other member has it unread.
        ...conversationStart(sender, other, groupUuid, message, message.created_at, {
          sender: { unread_count: 0, last_read_at: message.created_at },
          other: { unread_count: 1 },
        }),
        message: putIfAbsentAction(messageItem(message)),
        [IDEMPOTENCY_ACTION]: idempotency?.record(message),
        ...noBlockBetween(sender.uuid, other.uuid),
        [SEND_RATE_ACTION]: allowance.action,
      });
      return message;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const replayed = idempotency?.replay(error);
      if (replayed) return replayMessage(replayed);
      const existing = error.item('pair')?.group_uuid;
      if (typeof existing === 'string') {
        // Same request, same key: a retry of a start that created the conversation replays here too.
        await requireSender(existing, sender.uuid);
        return putMessage(newMessage(existing, sender, body), idempotency);
      }
      if (cancelledByBlock(error)) throw sendNotAllowed();
      if (error.failed(SEND_RATE_ACTION)) throw allowance.exceeded();
      // A member already has a row at this exact microsecond (another conversation's last
      // message): take the next microsecond rather than overwrite it.
      const rowKeyTaken = error.failed('senderRow') || error.failed('otherRow');
      if (!rowKeyTaken || attempt >= KEY_COLLISION_RETRIES) throw error;
      message = withCreatedAt(message, bumpTimestamp(message.created_at));
    }
  }
}

export type ConversationStartAction = 'pair' | 'senderMembership' | 'otherMembership' | 'senderRow' | 'otherRow' | 'head';

/**
 * The items that make a conversation between `sender` and `other`, as named transaction
 * actions, each only if its key is free: the pair item (one conversation per two people; a
 * failed condition returns the existing one), both memberships (with the read marker each
 * starts with), both members' rows at the last message `last` (with their unread counts, #17)
 * and the conversation's head at `last` (domain/unread.ts). Pattern D adds the first message;
 * the seed writes its messages first.
 */
export function conversationStart(
  sender: Sender,
  other: Sender,
  groupUuid: string,
  last: Pick<Message, 'message' | 'created_at'>,
  startedAt: string,
  read: { sender: RowReadState; other: RowReadState },
): Record<ConversationStartAction, TransactAction> {
  const marker = (state: RowReadState) => (state.last_read_at !== undefined ? { last_read_at: state.last_read_at } : {});
  return {
    pair: putIfAbsentAction(
      { ...keys.pair(sender.uuid, other.uuid), group_uuid: groupUuid, created_at: startedAt },
      { returnOld: true },
    ),
    senderMembership: putIfAbsentAction({
      ...keys.membership(groupUuid, sender.uuid),
      user_uuid: sender.uuid,
      ...marker(read.sender),
    }),
    otherMembership: putIfAbsentAction({
      ...keys.membership(groupUuid, other.uuid),
      user_uuid: other.uuid,
      ...marker(read.other),
    }),
    senderRow: putIfAbsentAction(conversationItem(sender.uuid, other, groupUuid, last.message, last.created_at, read.sender)),
    otherRow: putIfAbsentAction(conversationItem(other.uuid, sender, groupUuid, last.message, last.created_at, read.other)),
    head: putIfAbsentAction({ ...keys.conversationHead(groupUuid), last_created_at: last.created_at }),
  };
}
