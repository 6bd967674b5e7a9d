/**
 * Pattern C: send a message into an existing conversation.
 *
 * Writes pk = MSG#<group>, sk = <created_at>; pattern E then moves both members'
 * conversation rows to it. Requests: 2 — GetItem on the sender's membership (which also
 * carries a block between the two members, domain/blocks.ts), then a TransactWriteItems: the
 * message put conditioned on its key being free (two senders in the same microsecond on
 * different containers: the loser takes the next microsecond, nothing is overwritten), the
 * conversation's head moved to the message's time only if it is older (domain/unread.ts: the
 * messages of a conversation commit in created_at order; a send that lost the race to a later
 * message retries after it, +1 transaction each time) and the sender's rate-limit counter
 * (domain/rate-limit.ts); with an idempotency key, also the record of the result.
 */
import { messageUuidAt } from './ids';
import { requireSender } from './blocks';
import { IDEMPOTENCY_ACTION, idempotencyFor, type Idempotency } from './idempotency';
import { messageFromItem, messageItem } from './items';
import { keys } from './keys';
import { SEND_RATE_ACTION, sendAllowance } from './rate-limit';
import { getItem, putIfAbsentAction, TransactionCancelledError, transactWrite } from './table';
import { bumpTimestamp, nextTimestamp } from './time';
import { afterHead, HEAD_ACTION, HEAD_RETRIES, headAction, headContended } from './unread';
import type { Message, UserProfile } from './types';
import { parseMessageText, parseUuid } from './validation';

export const KEY_COLLISION_RETRIES = 5;

export type Sender = Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>;

export interface SendOptions {
  /** Client-chosen key that makes retries of this send return the first result. */
  idempotencyKey?: string;
}

export function newMessage(groupUuid: string, sender: Sender, text: string): Message {
  const createdAt = nextTimestamp();
  return {
    message_group_uuid: groupUuid,
    message_uuid: messageUuidAt(createdAt),
    message: text,
    created_at: createdAt,
    user_uuid: sender.uuid,
    user_handle: sender.handle,
    user_display_name: sender.display_name,
  };
}

/**
 * The message moved to `createdAt` (a key collision, a retry after a newer message): its uuid is
 * derived again, since a message uuid carries its created_at (domain/ids.ts). Every writer that
 * moves a message's time goes through here.
 */
export function withCreatedAt(message: Message, createdAt: string): Message {
  return { ...message, created_at: createdAt, message_uuid: messageUuidAt(createdAt) };
}

/** What a send's idempotency record keeps: the message without its text (#17; the item has it). */
export type RememberedMessage = Omit<Message, 'message'>;

export function rememberedMessage(message: Message): RememberedMessage {
  const { message: _text, ...remembered } = message;
  return remembered;
}

/**
 * A replayed send's answer: the message as its item is now (1 consistent GetItem), so an edit
 * since shows, and a deleted message answers its tombstone — the record never had the text.
 */
export async function replayMessage(remembered: RememberedMessage): Promise<Message> {
  const item = await getItem(keys.message(remembered.message_group_uuid, remembered.created_at), { consistent: true });
  if (item) return { ...messageFromItem(remembered.message_group_uuid, item), created_at: remembered.created_at };
  // The item is gone (TTL, an operator): a tombstone, as pattern E shows it.
  return { ...remembered, message: '', deleted: true };
}

/** The idempotency of a send (patterns C and D): the record keeps no text. */
export function sendIdempotency(senderUuid: string, key: string, request: Record<string, unknown>): MessageIdempotency {
  return idempotencyFor<Message, RememberedMessage>(senderUuid, key, request, rememberedMessage);
}

export type MessageIdempotency = Idempotency<Message, RememberedMessage>;

export async function createMessage(
  groupUuid: string,
  sender: Sender,
  text: string,
  options: SendOptions = {},
): Promise<Message> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const body = parseMessageText(text);
  const idempotency =
    options.idempotencyKey === undefined
      ? undefined
      : sendIdempotency(sender.uuid, options.idempotencyKey, { pattern: 'C', group, body });
  await requireSender(group, sender.uuid);
  return putMessage(newMessage(group, sender, body), idempotency);
}

/**
 * Stores `message`, moving its timestamp forward by a microsecond on a key collision (after
 * the conversation's head when a later message committed first), counted
 * by the sender's rate limit in the same transaction (over it: RateLimitedError, nothing
 * written). With `idempotency`, the message and the remembered result commit together, and a
 * used key returns the first result instead.
 */
export async function putMessage(message: Message, idempotency?: MessageIdempotency): Promise<Message> {
  let candidate = message;
  const allowance = sendAllowance(message.user_uuid);
  let collisions = 0;
  for (let overtaken = 0; ; ) {
    let later: string | undefined;
    try {
      await transactWrite({
        [IDEMPOTENCY_ACTION]: idempotency?.record(candidate),
        message: putIfAbsentAction(messageItem(candidate)),
        [HEAD_ACTION]: headAction(candidate.message_group_uuid, candidate.created_at),
        [SEND_RATE_ACTION]: allowance.action,
      });
      return candidate;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const replayed = idempotency?.replay(error);
      if (replayed) return replayMessage(replayed);
      if (error.failed(SEND_RATE_ACTION)) throw allowance.exceeded();
      later = afterHead(error);
      if (later === undefined && !error.failed('message')) throw error;
    }
    if (later !== undefined) {
      // A later message committed first: this one takes a time after it, so commits stay in order.
      if (++overtaken > HEAD_RETRIES) throw headContended(candidate.message_group_uuid);
      candidate = withCreatedAt(candidate, later);
      continue;
    }
    // The key is taken (another message at this exact microsecond): take the next one.
    if (collisions++ >= KEY_COLLISION_RETRIES) throw new Error(`message key still taken after ${collisions} attempts`);
    candidate = withCreatedAt(candidate, bumpTimestamp(candidate.created_at));
  }
}
