/**
 * Guards for everything that reaches a key or an item. Key material built from user input
 * must be exactly what we expect: uuids are uuids, handles match a strict pattern.
 */
import { ValidationError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HANDLE = /^[A-Za-z0-9_]{1,32}$/;
export const PAGE_MAX = 100;
export const PAGE_DEFAULT = 50;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function parseUuid(value: unknown, field: string): string {
  if (typeof value === 'string' && UUID.test(value.toLowerCase())) return value.toLowerCase();
  throw new ValidationError(`${field} must be a UUID`);
}

export function isHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE.test(value);
}

export function parseHandle(value: unknown, field = 'handle'): string {
  if (isHandle(value)) return value;
  throw new ValidationError(`${field} must be 1-32 characters of letters, digits or underscore`);
}

/** Message text rules live with the display-name rules in ./text. */
export { MESSAGE_MAX_CHARS, parseMessageText } from './text';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function parseIdempotencyKey(value: unknown): string {
  if (typeof value === 'string' && IDEMPOTENCY_KEY.test(value)) return value;
  throw new ValidationError('Idempotency-Key must be 1-64 characters of letters, digits, "-" or "_"');
}

/** A page size: an integer from 1 to PAGE_MAX, PAGE_DEFAULT when absent. */
export function parseLimit(value: number | undefined): number {
  if (value === undefined) return PAGE_DEFAULT;
  if (Number.isInteger(value) && value >= 1 && value <= PAGE_MAX) return value;
  throw new ValidationError(`limit must be an integer from 1 to ${PAGE_MAX}`);
}
