/**
 * Message timestamps are sort keys, so string order must be time order: UTC ISO-8601 with
 * a fixed six-digit fraction (`2026-11-24T22:49:24.123456Z`, the precision the original
 * Python backend wrote). Within one process every stamp is strictly increasing, so two
 * messages in the same millisecond get different keys; across processes the conditional
 * put in createMessage catches the rare collision and takes the next microsecond.
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

export function parseTimestampMicros(timestamp: string): number {
  const match = /^(.*)\.(\d{3})(\d{3})Z$/.exec(timestamp);
  if (!match) throw new Error(`Not a message timestamp: ${timestamp}`);
  return Date.parse(`${match[1]}.${match[2]}Z`) * 1000 + Number(match[3]);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value.slice(0, 23) + 'Z'));
}
