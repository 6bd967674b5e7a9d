import { decodeCursor, encodeCursor } from '../../domain/cursor';
import { ValidationError } from '../../domain/errors';
import { bumpTimestamp, formatMicros, isTimestamp, nextTimestamp, parseTimestampMicros, setClockForTests } from '../../domain/time';

const group = '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44';
const other = 'c3e8b2d5-7a1f-4e96-8d40-1b5c9a6f3e55';
const sk = '2026-01-01T00:00:00.000001Z';

describe('cursor', () => {
  it('round-trips the position for the list it was issued for', () => {
    const cursor = encodeCursor({ kind: 'messages', groupUuid: group }, sk);
    expect(decodeCursor(cursor, { kind: 'messages', groupUuid: group })).toBe(sk);
  });

  it('rejects a cursor issued for another conversation', () => {
    const cursor = encodeCursor({ kind: 'messages', groupUuid: other }, sk);
    expect(() => decodeCursor(cursor, { kind: 'messages', groupUuid: group })).toThrow(ValidationError);
  });

  it('rejects a cursor of the other list kind for the same owner id', () => {
    const cursor = encodeCursor({ kind: 'groups', userUuid: group }, sk);
    expect(() => decodeCursor(cursor, { kind: 'messages', groupUuid: group })).toThrow(ValidationError);
  });

  it.each([
    ['empty', ''],
    ['not base64url', '***'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['a sort key that is not a timestamp', Buffer.from(JSON.stringify({ v: 1, k: 'messages', o: group, sk: 'MEMBER#x' })).toString('base64url')],
    ['too long', 'A'.repeat(600)],
  ])('rejects a tampered cursor: %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor, { kind: 'messages', groupUuid: group })).toThrow(ValidationError);
  });
});

describe('message timestamps', () => {
  afterEach(() => setClockForTests(undefined));

  it('have a fixed width so string order is time order', () => {
    const stamps = [0, 1, 999, 1000, 123_456_789].map((offset) => formatMicros(1_700_000_000_000_000 + offset));
    expect(new Set(stamps.map((s) => s.length)).size).toBe(1);
    expect([...stamps].sort()).toEqual(stamps);
    stamps.forEach((s) => expect(isTimestamp(s)).toBe(true));
  });

  it('strictly increase within a process even when the clock stands still', () => {
    setClockForTests({ nowMs: () => 1_700_000_000_000 });
    const stamps = Array.from({ length: 1000 }, () => nextTimestamp());
    expect(new Set(stamps).size).toBe(1000);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it('bump to the next microsecond', () => {
    const stamp = '2026-11-24T22:49:24.123999Z';
    expect(bumpTimestamp(stamp)).toBe('2026-11-24T22:49:24.124000Z');
    expect(parseTimestampMicros(bumpTimestamp(stamp)) - parseTimestampMicros(stamp)).toBe(1);
  });
});
