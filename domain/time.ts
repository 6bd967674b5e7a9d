/**
 * Message timestamps are sort keys. We write one canonical form: UTC ISO-8601 with a fixed
 * six-digit fraction and `Z` (`2026-11-24T22:49:24.123456Z`, the precision the original
 * Python backend wrote). Within one process every stamp is strictly increasing, so two
 * messages in the same millisecond get different keys; across processes the conditional
 * put in createMessage catches the rare collision and takes the next microsecond.
 *
 * We read more forms than we write: a table shared with the original Cruddur backend holds
 * its `datetime.now(timezone.utc).astimezone().isoformat()` stamps
 * (`2026-12-01T18:19:28.753263+00:00`, no fraction when the microsecond is 0), and other
 * writers use `Z` with three digits. Accepted: `YYYY-MM-DDTHH:MM:SS`, then no fraction,
 * `.ddd` or `.dddddd`, then `Z` or `+00:00`. Other offsets are refused: their string order
 * is unrelated to time order even across hours.
 *
 * Order between stored keys is by instant, ties (one instant in two forms) by the key
 * string: `compareTimestamps`. String order agrees with it whenever two keys differ in
 * their first 19 characters (the second), so a query in sort-key order is right up to
 * the keys that share one second (`timestampSecond`); see domain/table.ts queryPage.
 */

export interface Clock {
  nowMs(): number;
}

const systemClock: Clock = { nowMs: () => Date.now() };
let clock: Clock = systemClock;
let lastMicros = 0;

export function setClockForTests(next: Clock | undefined): void {
  clock = next ?? systemClock;
  lastMicros = 0;
}

/** Wall-clock milliseconds from the (test-replaceable) clock. */
export function nowMs(): number {
  return clock.nowMs();
}

export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const fraction = String(micros % 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${fraction}Z`);
}

/** Next strictly increasing timestamp of this process. */
export function nextTimestamp(): string {
  lastMicros = Math.max(clock.nowMs() * 1000, lastMicros + 1);
  return formatMicros(lastMicros);
}

/** The stamp one microsecond after `timestamp` (same format); used after a key collision. */
export function bumpTimestamp(timestamp: string): string {
  const micros = parseTimestampMicros(timestamp) + 1;
  lastMicros = Math.max(lastMicros, micros);
  return formatMicros(micros);
}

// Year, month, day, hour, minute, second; fraction of 3 or 6 digits; UTC designator.
const STORED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}|\d{6}))?(?:Z|\+00:00)$/;

/** Microseconds since the epoch of a stamp in any accepted form, or undefined. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The instant of a stored stamp in microseconds, or undefined when it is no valid stamp
 * (2026-02-30, 24:00:00, 23:59:60 are not). Field checks and one Date.UTC: this runs for every
 * item of every page (bench/profile-http-path.ts found the Date-object round trip it replaced
 * at a third of a millisecond per listed page).
 */
export function timestampMicros(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = STORED.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  const monthDays = mo === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[mo - 1];
  if (monthDays === undefined || d < 1 || d > monthDays || h > 23 || mi > 59 || s > 59) return undefined;
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear takes them as written.
  const ms =
    y >= 100 ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(0).setUTCFullYear(y, mo - 1, d) + ((h * 60 + mi) * 60 + s) * 1000;
  return ms * 1000 + Number(fraction.padEnd(6, '0'));
}

export function parseTimestampMicros(timestamp: string): number {
  const micros = timestampMicros(timestamp);
  if (micros === undefined) throw new Error(`Not a message timestamp: ${timestamp}`);
  return micros;
}

/** A message timestamp in any accepted form (see the module header). */
export function isTimestamp(value: unknown): value is string {
  return timestampMicros(value) !== undefined;
}

/** The stamp in the form we write (six digits, `Z`). */
export function canonicalTimestamp(timestamp: string): string {
  return formatMicros(parseTimestampMicros(timestamp));
}

/** Total order of stored keys: by instant, then by the key string. Both must be timestamps. */
export function compareTimestamps(a: string, b: string): number {
  return parseTimestampMicros(a) - parseTimestampMicros(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The second a stamp falls in (its first 19 characters, the same in every form). Keys of
 * different seconds sort as strings exactly as in time; only keys of one second can be out
 * of order as strings (`…:28Z` sorts after `…:28.5…`, `….753Z` after `….753263Z`).
 */
export function timestampSecond(timestamp: string): string {
  return timestamp.slice(0, 19);
}
