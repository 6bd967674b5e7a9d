/**
 * Idempotent sends. A client may attach a key to a send (HTTP: `Idempotency-Key` header);
 * the first request with that key stores its result in an item written in the SAME
 * transaction as the message, so "message stored" and "result remembered" commit together.
 * A retry with the same key and the same request gets the remembered result back and
 * writes nothing; the same key with a different request is a conflict.
 *
 * Item: pk = IDEMPOTENCY#<user_uuid>#<key>, sk = IDEMPOTENCY — scoped per user, so one
 * user's keys can never collide with another's. `expires_at` (epoch seconds) is the
 * table's TTL attribute: keys are remembered for 24 hours.
 *
 * What is remembered may be less than the result (`stored`): a send's record keeps the
 * message's key and sender, never its text (#17), so deleting the message leaves no copy of the
 * text here; its replay reads the message item (domain/create-message.ts `replayMessage`).
 */
import { createHash } from 'node:crypto';
import { ConflictError } from './errors';
import { keys, type Key } from './keys';
import { nowMs } from './time';
import { getItem, putIfAction, type TransactAction, type TransactionCancelledError } from './table';
import type { Message } from './types';
import { parseIdempotencyKey } from './validation';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const nowSeconds = () => Math.floor(nowMs() / 1000);

/** The name of the idempotency record's action in the transactions of patterns C and D. */
export const IDEMPOTENCY_ACTION = 'idempotency';

export interface Idempotency<T = Message, S = T> {
  /** The key's item. */
  key: Key;
  /** sha256 of the request: the same key with another request is a conflict. */
  requestHash: string;
  /** The transaction action that remembers `result` (as `stored` keeps it) under this key (fails if the key is used). */
  record(result: T): TransactAction;
  /**
   * The remembered result when the transaction was cancelled because this same request used
   * the key already; a ConflictError when another request did.
   */
  replay(cancelled: TransactionCancelledError<string>): S | undefined;
  /** The remembered result read directly (1 consistent GetItem), as `replay` judges it. */
  lookup(): Promise<S | undefined>;
}

export function idempotencyFor<T = Message, S = T>(
  userUuid: string,
  rawKey: string,
  request: Record<string, unknown>,
  stored: (result: T) => S = (result) => result as unknown as S,
): Idempotency<T, S> {
  const key = keys.idempotency(userUuid, parseIdempotencyKey(rawKey));
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
  return {
    key,
    requestHash,
    record: (result) => {
      const now = nowSeconds();
      return putIfAction(
        { ...key, request_hash: requestHash, result: stored(result), expires_at: now + IDEMPOTENCY_TTL_SECONDS },
        // TTL deletes expired items late (up to days): an expired record counts as absent.
        { if: 'attribute_not_exists(pk) OR expires_at <= :now', values: { ':now': now } },
      );
    },
    replay: (cancelled) => judge(cancelled.item(IDEMPOTENCY_ACTION)),
    lookup: async () => {
      const used = await getItem(key, { consistent: true });
      return used && Number(used.expires_at) > nowSeconds() ? judge(used) : undefined;
    },
  };
  function judge(used: Record<string, unknown> | undefined): S | undefined {
    if (!used) return undefined;
    if (used.request_hash !== requestHash) {
      throw new ConflictError('this Idempotency-Key was already used for a different request');
    }
    return used.result as S;
  }
}
