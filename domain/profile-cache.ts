/**
 * The caller's profile by Cognito `sub`, kept per warm container: it is the one request every
 * authenticated call makes before its route's own, and a profile changes rarely.
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

export class ProfileCache {
  private readonly bySub: LruCache<UserProfile>;

  constructor(options: ProfileCacheOptions) {
    this.bySub = new LruCache<UserProfile>(options);
  }

  /** The cached profile of `sub`, or what `load` finds (cached when found). */
  async get(sub: string, load: (sub: string) => Promise<UserProfile | undefined>): Promise<UserProfile | undefined> {
    const cached = this.bySub.get(sub);
    if (cached) return cached;
    const loaded = await load(sub);
    if (loaded) this.bySub.set(sub, loaded);
    return loaded;
  }

  /** After a write to this profile in this container: the next read goes to the table. */
  forget(profile: Pick<UserProfile, 'cognito_user_id'>): void {
    if (profile.cognito_user_id) this.bySub.delete(profile.cognito_user_id);
  }

  stats() {
    return this.bySub.stats();
  }

  clear(): void {
    this.bySub.clear();
  }
}
