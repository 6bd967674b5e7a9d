/**
 * Ids. New ids come from here so tests can make them predictable.
 *
 * Message uuids (#17) are UUIDv7 (RFC 9562) that carry the message's exact `created_at`: the
 * 48-bit `unix_ts_ms` is its millisecond and the 12-bit `rand_a` its microsecond within that
 * millisecond (0..999; RFC 9562 §6.2 method 3 allows sub-millisecond precision there). So the
 * route's `message_uuid` names the message's sort key: a message is found by ONE consistent
 * GetItem, and the lookup costs 0 extra write units per message (no index, no pointer item).
 * The other 62 bits are random. Older messages (the original backend's, and ours before #17)
 * have v4 uuids, which carry nothing: `createdAtOfMessageUuid` answers undefined for them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { formatMicros, parseTimestampMicros } from './time';

let generate: () => string = randomUUID;

export function newUuid(): string {
  return generate();
}

export function setUuidGeneratorForTests(next: (() => string) | undefined): void {
  generate = next ?? randomUUID;
}

const MAX_MS = 2 ** 48 - 1;
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7([0-9a-f]{3})-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fresh UUIDv7 whose timestamp and `rand_a` encode `createdAt` to the microsecond. */
export function messageUuidAt(createdAt: string): string {
  const micros = parseTimestampMicros(createdAt);
  const ms = Math.floor(micros / 1000);
  if (ms < 0 || ms > MAX_MS) throw new Error(`no UUIDv7 for ${createdAt}`);
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  const subMs = micros % 1000;
  bytes[6] = 0x70 | (subMs >> 8);
  bytes[7] = subMs & 0xff;
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The canonical `created_at` a message uuid carries, or undefined when it carries none (not a
 * UUIDv7, or a v7 whose `rand_a` is no microsecond: made elsewhere).
 */
export function createdAtOfMessageUuid(uuid: string): string | undefined {
  const match = V7.exec(uuid.toLowerCase());
  if (!match) return undefined;
  const [, high = '', mid = '', randA = ''] = match;
  const subMs = Number.parseInt(randA, 16);
  if (subMs > 999) return undefined;
  const ms = Number.parseInt(high + mid, 16);
  // Past 9999-12-31 an ISO stamp needs a six-digit year: no message of ours is there.
  if (ms > LAST_FOUR_DIGIT_YEAR_MS) return undefined;
  return formatMicros(ms * 1000 + subMs);
}
