// The TTL sweep's expiry queue (local/dynamodb/ttl.js ExpiryQueue), against a plain sorted list as
// the model: it must hand back exactly the entries that are due, earliest first, keys intact
// (UTF-8 included), however pushes and pops interleave and however often its arena is rebuilt.
import fc from 'fast-check';

const { ExpiryQueue } = require('../../local/dynamodb/ttl');

interface Entry {
  at: number;
  key: string;
}

type Step = { push: Entry } | { popDue: number };

const key = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }), // multi-byte keys: byte and char lengths differ
  fc.string({ minLength: 200, maxLength: 600 }), // long keys force the arena to grow and compact
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ push: fc.record({ at: fc.integer({ min: 0, max: 50 }), key }) }) },
  { weight: 1, arbitrary: fc.record({ popDue: fc.integer({ min: -1, max: 55 }) }) },
);

/** The model's answer to popDue: every entry with at <= now, by time (ties in any order). */
function modelPop(model: Entry[], now: number): Entry[] {
  const due = model.filter((e) => e.at <= now);
  for (const e of due) model.splice(model.indexOf(e), 1);
  return due;
}

const sorted = (entries: Entry[]) => [...entries].sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

describe('the TTL expiry queue', () => {
  test('pops exactly the due entries, earliest first, with their keys intact, under any interleaving', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const queue = new ExpiryQueue(2, 16); // tiny start: the arrays and the arena are rebuilt many times
        const model: Entry[] = [];
        for (const s of steps) {
          if ('push' in s) {
            queue.push(s.push.at, s.push.key);
            model.push(s.push);
          } else {
            const got: Entry[] = queue.popDue(s.popDue);
            for (let i = 1; i < got.length; i++) expect(got[i]!.at).toBeGreaterThanOrEqual(got[i - 1]!.at);
            expect(sorted(got)).toEqual(sorted(modelPop(model, s.popDue)));
          }
          expect(queue.size).toBe(model.length);
        }
        expect(sorted(queue.popDue(Number.POSITIVE_INFINITY))).toEqual(sorted(model));
        expect(queue.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test('after a wave of expiries its arena shrinks to about twice the live keys, and the keys left stay intact', () => {
    const queue = new ExpiryQueue();
    const k = (i: number) => JSON.stringify({ pk: { S: `conv#${i}` }, sk: { S: `msg#${String(i).padStart(8, '0')}` } });
    let liveBytes = 0;
    for (let i = 0; i < 50_000; i++) {
      queue.push(i < 45_000 ? 1 : 2, k(i));
      if (i >= 45_000) liveBytes += Buffer.byteLength(k(i));
    }
    const before = (queue as { arena: Buffer }).arena.length;
    expect(queue.popDue(1)).toHaveLength(45_000);
    const after = (queue as { arena: Buffer }).arena.length;
    expect(before).toBeGreaterThan(8 * liveBytes);
    expect(after).toBeLessThanOrEqual(2 * liveBytes + 64 * 1024);
    for (let i = 0; i < 100; i++) queue.push(3, k(i));
    expect(
      queue
        .popDue(3)
        .map((e: Entry) => e.key)
        .sort(),
    ).toEqual([...Array.from({ length: 5_000 }, (_, j) => k(45_000 + j)), ...Array.from({ length: 100 }, (_, i) => k(i))].sort());
  });

  test('a queue drained empty gives its arena and arrays back', () => {
    const queue = new ExpiryQueue();
    for (let i = 0; i < 20_000; i++) queue.push(1, `{"pk":{"S":"item-${i}"}}`);
    expect((queue as { arena: Buffer }).arena.length).toBeGreaterThan(64 * 1024);
    expect(queue.popDue(1)).toHaveLength(20_000);
    expect((queue as { arena: Buffer }).arena.length).toBe(64 * 1024);
    expect((queue as { at: Float64Array }).at.length).toBe(1024);
    queue.push(2, 'after');
    expect(queue.popDue(2)).toEqual([{ at: 2, key: 'after' }]);
  });
});
