import { decodeCursor, encodeCursor } from '../../domain/cursor';
import { ValidationError } from '../../domain/errors';
import {
  bumpTimestamp,
  canonicalTimestamp,
  compareTimestamps,
  formatMicros,
  isTimestamp,
  nextTimestamp,
  parseTimestampMicros,
  setClockForTests,
  timestampMicros,
  timestampSecond,
} from '../../domain/time';

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
    [
      'a sort key that is not a timestamp',
      Buffer.from(JSON.stringify({ v: 1, k: 'messages', o: group, sk: 'MEMBER#x' })).toString('base64url'),
    ],
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

describe('timestamps the original backend wrote (and other writers)', () => {
  // Python's isoformat() of datetime.now(timezone.utc).astimezone(), with and without a
  // fraction; JavaScript's toISOString(); ours.
  const forms: Array<[string, string]> = [
    ['2026-12-01T18:19:28.753263+00:00', '2026-12-01T18:19:28.753263Z'],
    ['2026-12-01T18:19:28+00:00', '2026-12-01T18:19:28.000000Z'],
    ['2026-12-01T18:19:28.753+00:00', '2026-12-01T18:19:28.753000Z'],
    ['2026-12-01T18:19:28.753Z', '2026-12-01T18:19:28.753000Z'],
    ['2026-12-01T18:19:28Z', '2026-12-01T18:19:28.000000Z'],
    ['2026-12-01T18:19:28.753263Z', '2026-12-01T18:19:28.753263Z'],
  ];

  it.each(forms)('accepts %s as the instant %s', (stored, canonical) => {
    expect(isTimestamp(stored)).toBe(true);
    expect(canonicalTimestamp(stored)).toBe(canonical);
    expect(parseTimestampMicros(stored)).toBe(parseTimestampMicros(canonical));
  });

  it.each([
    ['a naive stamp (no offset)', '2026-12-01T18:19:28.753263'],
    ['another offset', '2026-12-01T20:19:28.753263+02:00'],
    ['-00:00', '2026-12-01T18:19:28.753263-00:00'],
    ['two fraction digits', '2026-12-01T18:19:28.75Z'],
    ['seven fraction digits', '2026-12-01T18:19:28.7532631Z'],
    ['a day that does not exist', '2026-02-30T18:19:28.753263Z'],
    ['hour 24', '2026-12-01T24:00:00.000000Z'],
    ['a space for T', '2026-12-01 18:19:28.753263+00:00'],
    ['lower-case z', '2026-12-01T18:19:28.753263z'],
    ['not a string', 1764613168],
  ])('refuses %s', (_label, value) => {
    expect(isTimestamp(value)).toBe(false);
  });

  it('orders mixed forms by instant where string order gets one second wrong', () => {
    const inTimeOrder = [
      '2026-12-01T18:19:27.999999Z',
      '2026-12-01T18:19:28+00:00', // microsecond 0
      '2026-12-01T18:19:28.000001Z',
      '2026-12-01T18:19:28.250+00:00',
      '2026-12-01T18:19:28.250000Z', // same instant: ties go by the key string
      '2026-12-01T18:19:28.250100Z',
      '2026-12-01T18:19:28.251Z',
      '2026-12-01T18:19:28.753263+00:00',
      '2026-12-01T18:19:28.753263Z',
      '2026-12-01T18:19:29Z',
      '2026-12-01T18:19:29.000001Z',
    ];
    const shuffledStamps = [...inTimeOrder].reverse();
    expect([...shuffledStamps].sort()).not.toEqual(inTimeOrder); // the problem is real
    expect([...shuffledStamps].sort(compareTimestamps)).toEqual(inTimeOrder);
    for (const stamp of inTimeOrder) expect(timestampSecond(stamp)).toBe(stamp.slice(0, 19));
  });

  it('a cursor carries a legacy key exactly, so the next page resumes right after it', () => {
    const legacy = '2026-12-01T18:19:28.753263+00:00';
    const cursor = encodeCursor({ kind: 'groups', userUuid: group }, legacy);
    expect(decodeCursor(cursor, { kind: 'groups', userUuid: group })).toBe(legacy);
    const naive = Buffer.from(JSON.stringify({ v: 1, k: 'groups', o: group, sk: '2026-12-01T18:19:28.753263' })).toString(
      'base64url',
    );
    expect(() => decodeCursor(naive, { kind: 'groups', userUuid: group })).toThrow(ValidationError);
  });
});

describe('timestampMicros field checks agree with a Date round trip (the implementation it replaced)', () => {
  /** The previous implementation: build a Date, and accept only what reads back unchanged. */
  function viaDate(value: string): number | undefined {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}|\d{6}))?(?:Z|\+00:00)$/.exec(value);
    if (!match) return undefined;
    const [, year, month, day, hour, minute, second, fraction = ''] = match;
    const date = new Date(0);
    date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
    date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== value.slice(0, 19)) return undefined;
    return date.getTime() * 1000 + Number(fraction.padEnd(6, '0'));
  }

  test.each([
    '2024-02-29T12:00:00Z',
    '2026-02-29T12:00:00Z',
    '2000-02-29T00:00:00.123456Z',
    '1900-02-29T00:00:00Z',
    '0050-01-01T00:00:00Z',
    '0099-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T23:60:00Z',
    '2026-12-01T23:59:60Z',
    '2026-00-10T10:00:00Z',
    '2026-13-10T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-04-00T10:00:00Z',
    '2026-12-01T18:19:28.753263+00:00',
    '9999-12-31T23:59:59.999999Z',
  ])('%s', (stamp) => {
    expect(timestampMicros(stamp)).toBe(viaDate(stamp));
  });

  test('10,000 random field combinations, valid or not', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 10_000; i++) {
      const stamp = `${String(next(10_000)).padStart(4, '0')}-${two(next(14))}-${two(next(33))}T${two(next(25))}:${two(next(61))}:${two(next(61))}.${String(next(1_000_000)).padStart(6, '0')}Z`;
      expect([stamp, timestampMicros(stamp)]).toEqual([stamp, viaDate(stamp)]);
    }
  });
});
