/**
 * Per-user send rate limit (issue #20): a FIXED WINDOW counted in the table.
 *
 * Each send adds 1 to the sender's counter item for the current window
 * (`RATE#<user>#<window start>` / `SENDS`), as one more action of the send's own
 * TransactWriteItems, conditioned on the counter being below the limit. So:
 * - over the limit, the whole transaction is cancelled: the message, the counter and any
 *   idempotency record are not written, and the caller gets `429` with `retry-after` (the
 *   seconds to the window's end);
 * - every accepted message counted exactly once (a cancelled attempt counts nothing), and a
 *   refused request (400, 403, 404) never reaches the transaction, so counts nothing either;
 * - one user's counter is one item of theirs: other users are never slowed down by it.
 *
 * Why in the table and not in the warm Lambda: a container's memory is per container. N warm
 * containers would allow N times the limit, and every cold start would reset it. The table is
 * shared by all of them and the check is atomic with the write it limits. A fixed window
 * lets a user send up to twice the limit across a window boundary (the end of one and the start
 * of the next); accepted as the price of one conditional update, against a token bucket's
 * read-then-write. The cost: 1 more action in the send's transaction (2 write units), and
 * pattern C's plain PutItem becomes a transaction (2 write units instead of 1); round trips unchanged.
 * Old counters carry `expires_at` (the table's TTL attribute) and disappear by themselves.
 *
 * Limit and window: stage parameters `sendRateLimit` and `sendRateWindowSeconds` (domain/config.ts).
 */
import { safetyConfig } from './config';
import { RateLimitedError } from './errors';
import { keys } from './keys';
import { type TransactAction, updateAction } from './table';
import { nowMs } from './time';

/** The name of the counter's action in the send transactions of patterns C and D. */
export const SEND_RATE_ACTION = 'sendRate';

export interface SendAllowance {
  /** The transaction action that counts this send, failing when the window is full. */
  action: TransactAction;
  /** The error for a send the action refused. */
  exceeded(): RateLimitedError;
}

export function sendAllowance(userUuid: string): SendAllowance {
  const { sendRateLimit, sendRateWindowSeconds } = safetyConfig();
  const now = nowMs() / 1000;
  const windowStart = Math.floor(now / sendRateWindowSeconds) * sendRateWindowSeconds;
  const windowEnd = windowStart + sendRateWindowSeconds;
  return {
    action: updateAction(keys.sendWindow(userUuid, windowStart), 'ADD sends :one SET expires_at = :expires', {
      if: 'attribute_not_exists(pk) OR sends < :limit',
      values: { ':one': 1, ':limit': sendRateLimit, ':expires': windowEnd + sendRateWindowSeconds },
    }),
    exceeded: () =>
      new RateLimitedError(
        `at most ${sendRateLimit} messages per ${sendRateWindowSeconds} s; retry later`,
        Math.max(1, Math.ceil(windowEnd - nowMs() / 1000)),
      ),
  };
}
