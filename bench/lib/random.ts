/** Seeded, deterministic data: the same seed gives the same ids, handles and texts every run. */

/** mulberry32: small, fast, good enough for test data (not for anything secret). */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Generator {
  uuid(): string;
  int(maxExclusive: number): number;
  text(minWords: number, maxWords: number): string;
}

const WORDS =
  'tide moon harbour sensor reading table query page cursor lunch coffee tomorrow ship bug fix deploy stream row message kettle rain'.split(
    ' ',
  );

export function generator(seed: number): Generator {
  const next = rng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    // RFC 4122 shape (version 4, variant 10xx) so the domain's UUID guard accepts it.
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    text(minWords, maxWords) {
      const count = minWords + Math.floor(next() * (maxWords - minWords + 1));
      return Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    },
  };
}
