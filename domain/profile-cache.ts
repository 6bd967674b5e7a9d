/**
 * Profiles kept per warm container, by Cognito `sub` (the caller behind a token: the one
 * request every authenticated call makes before its route's own) and by handle (the public
 * profile route). A profile changes rarely.
 *
 * Staleness bound: an entry is served for at most `ttlMs` (60 s by default). A profile written
 * in this container (created, linked, revoked) is dropped from its cache at once; a change made
 * in another container or by an ops function is seen here within the TTL. Only found profiles
 * are cached: a user whose PostConfirmation trigger finishes a moment after their first call
 * is not refused for a whole TTL.
 *
 * What is never cached: authorisation. Membership stays a consistent read on every request,
 * so a removed member is refused on the next one, whatever this cache holds.
 */
import { LruCache } from './lru-cache';
import type { UserProfile } from './types';

export interface ProfileCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

type Load = (key: string) => Promise<UserProfile | undefined>;

async function through(cache: LruCache<UserProfile>, key: string, load: Load): Promise<UserProfile | undefined> {
  const cached = cache.get(key);
  if (cached) return cached;
  const loaded = await load(key);
  if (loaded) cache.set(key, loaded);
  return loaded;
}

/** Handles are unique case-insensitively, so `@Ada` and `@ada` share one entry. */
const handleKey = (handle: string) => handle.toLowerCase();

export class ProfileCache {
  private readonly bySub: LruCache<UserProfile>;
  private readonly byHandle: LruCache<UserProfile>;

  constructor(options: ProfileCacheOptions) {
    this.bySub = new LruCache<UserProfile>(options);
    this.byHandle = new LruCache<UserProfile>(options);
  }

  /** The cached profile of `sub`, or what `load` finds (cached when found). */
  get(sub: string, load: Load): Promise<UserProfile | undefined> {
    return through(this.bySub, sub, load);
  }

  /** The cached profile with this handle, or what `load` finds (cached when found). */
  getByHandle(handle: string, load: Load): Promise<UserProfile | undefined> {
    return through(this.byHandle, handleKey(handle), () => load(handle));
  }

  /** After a write to this profile in this container: the next read of either key goes to the table. */
  forget(profile: Pick<UserProfile, 'cognito_user_id' | 'handle'>): void {
    if (profile.cognito_user_id) this.bySub.delete(profile.cognito_user_id);
    this.byHandle.delete(handleKey(profile.handle));
  }

  stats() {
    return { bySub: this.bySub.stats(), byHandle: this.byHandle.stats() };
  }

  clear(): void {
    this.bySub.clear();
    this.byHandle.clear();
  }
}
