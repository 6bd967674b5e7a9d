import { LruCache } from '../../domain/lru-cache';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('serves a value until its TTL passes, then misses', () => {
  const time = clock();
  const cache = new LruCache<string>({ maxEntries: 10, ttlMs: 1000, now: time.now });
  cache.set('a', 'A');
  time.advance(999);
  expect(cache.get('a')).toBe('A');
  time.advance(1);
  expect(cache.get('a')).toBeUndefined();
  expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 0 });
});

test('holds at most maxEntries, evicting the least recently used', () => {
  const cache = new LruCache<number>({ maxEntries: 3, ttlMs: 60_000 });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  expect(cache.get('a')).toBe(1); // a is now the most recently used
  cache.set('d', 4); // evicts b
  expect(cache.get('b')).toBeUndefined();
  expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
  expect(cache.stats()).toMatchObject({ evictions: 1, size: 3 });
});

test('a re-set value gets a fresh TTL; delete and clear drop values', () => {
  const time = clock();
  const cache = new LruCache<string>({ maxEntries: 2, ttlMs: 100, now: time.now });
  cache.set('a', 'old');
  time.advance(90);
  cache.set('a', 'new');
  time.advance(90);
  expect(cache.get('a')).toBe('new');
  cache.delete('a');
  expect(cache.get('a')).toBeUndefined();
  cache.set('b', 'B');
  cache.clear();
  expect(cache.stats().size).toBe(0);
});

test('refuses a size or TTL that would make it unbounded or useless', () => {
  expect(() => new LruCache({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
  expect(() => new LruCache({ maxEntries: 1.5, ttlMs: 1 })).toThrow(RangeError);
  expect(() => new LruCache({ maxEntries: 1, ttlMs: 0 })).toThrow(RangeError);
});
