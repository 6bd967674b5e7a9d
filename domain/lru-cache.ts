/**
 * A bounded, time-limited cache for a warm Lambda container (module scope): at most
 * `maxEntries` values, each served for at most `ttlMs` after it was stored. Least recently
 * used entries go first when full. A Map keeps insertion order, so re-inserting on every hit
 * makes its first key the least recently used one: O(1) get, set and eviction.
 *
 * Nothing here is shared between containers: every container has its own copy, which is why
 * a TTL (not only invalidation) bounds how stale a value can be.
 */
export interface LruCacheOptions {
  maxEntries: number;
  ttlMs: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
}

export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private counts = { hits: 0, misses: 0, evictions: 0 };

  constructor({ maxEntries, ttlMs, now = Date.now }: LruCacheOptions) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.counts.misses++;
      return undefined;
    }
    // Most recently used goes last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits++;
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.counts.evictions++;
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): CacheStats {
    return { ...this.counts, size: this.entries.size };
  }
}
