/**
 * Pattern C: send a message into an existing conversation.
 *
 * Writes pk = MSG#<group>, sk = <created_at>; pattern E then moves both members'
 * conversation rows to it. Requests: 2 — GetItem on the sender's membership, then a PutItem
 * conditioned on the key being free (two senders in the same microsecond on different
 * containers: the loser takes the next microsecond, nothing is overwritten). With an
 * idempotency key the PutItem becomes a TransactWriteItems that also records the result.
 */
import { newUuid } from './ids';
import { IDEMPOTENCY_ACTION, idempotencyFor, type Idempotency } from './idempotency';
import { messageItem } from './items';
import { requireMember } from './membership';
import { putIfAbsent, putIfAbsentAction, TransactionCancelledError, transactWrite } from './table';
import { bumpTimestamp, nextTimestamp } from './time';
import type { Message, UserProfile } from './types';
import { parseMessageText, parseUuid } from './validation';

export const KEY_COLLISION_RETRIES = 5;

export type Sender = Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>;

export interface SendOptions {
  /** Client-chosen key that makes retries of this send return the first result. */
  idempotencyKey?: string;
}

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
      : idempotencyFor(sender.uuid, options.idempotencyKey, { pattern: 'C', group, body });
  await requireMember(group, sender.uuid);
  return putMessage(newMessage(group, sender, body), idempotency);
}

/**
 * Stores `message`, moving its timestamp forward by a microsecond on a key collision.
 * With `idempotency`, the message and the remembered result commit together, and a
 * used key returns the first result instead.
 */
export async function putMessage(message: Message, idempotency?: Idempotency): Promise<Message> {
  let candidate = message;
  for (let attempt = 0; ; attempt++) {
    if (!idempotency) {
      if (await putIfAbsent(messageItem(candidate))) return candidate;
    } else {
      try {
        await transactWrite({
          [IDEMPOTENCY_ACTION]: idempotency.record(candidate),
          message: putIfAbsentAction(messageItem(candidate)),
        });
        return candidate;
      } catch (error) {
        if (!(error instanceof TransactionCancelledError)) throw error;
        const replayed = idempotency.replay(error);
        if (replayed) return replayed;
        if (!error.failed('message')) throw error;
      }
    }
    // The key is taken (another message at this exact microsecond): take the next one.
    if (attempt >= KEY_COLLISION_RETRIES) throw new Error(`message key still taken after ${attempt + 1} attempts`);
    candidate = { ...candidate, created_at: bumpTimestamp(candidate.created_at) };
  }
}
