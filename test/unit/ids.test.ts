/** Message uuids carry their created_at (#17, domain/ids.ts): property-tested both ways. */
import fc from 'fast-check';
import { createdAtOfMessageUuid, messageUuidAt } from '../../domain/ids';
import { formatMicros } from '../../domain/time';
import { isUuid } from '../../domain/validation';

// Any microsecond from 1970 to where microseconds stop being exact doubles (year 2255).
const micros = fc.maxSafeNat();

describe('message uuids (UUIDv7 with the microsecond in rand_a)', () => {
  test('a uuid made for a created_at gives that exact created_at back, and is a lower-case RFC 9562 v7 uuid', () => {
    fc.assert(
      fc.property(micros, (at) => {
        const createdAt = formatMicros(at);
        const uuid = messageUuidAt(createdAt);
        expect(isUuid(uuid)).toBe(true);
        expect(uuid[14]).toBe('7');
        expect('89ab').toContain(uuid[19]);
        expect(createdAtOfMessageUuid(uuid)).toBe(createdAt);
      }),
      { numRuns: 2000 },
    );
  });

  test('uuids sort as their times do, and two made for one time differ', () => {
    fc.assert(
      fc.property(micros, micros, (a, b) => {
        const [ua, ub] = [messageUuidAt(formatMicros(a)), messageUuidAt(formatMicros(b))];
        if (a < b) expect(ua < ub).toBe(true);
        if (a === b) expect(ua).not.toBe(ub);
      }),
    );
  });

  test('a v4 uuid, a v7 whose rand_a is no microsecond, and an upper-case form of ours: none / none / the time', () => {
    expect(createdAtOfMessageUuid('708e1c1e-93be-4acb-bbdc-12b4d60c1a7e')).toBeUndefined();
    expect(createdAtOfMessageUuid('0190a1b2-c3d4-7fff-8abc-0123456789ab')).toBeUndefined(); // rand_a 0xfff > 999
    expect(createdAtOfMessageUuid('ffffffff-ffff-7000-8000-000000000000')).toBeUndefined(); // past year 9999
    const createdAt = '2026-12-01T20:18:48.159123Z';
    expect(createdAtOfMessageUuid(messageUuidAt(createdAt).toUpperCase())).toBe(createdAt);
  });
});
