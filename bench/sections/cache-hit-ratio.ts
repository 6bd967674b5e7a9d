/**
 * (9) Caller-profile cache hit ratio under a modelled request mix — a simulation, not a
 * measurement of traffic: the real ProfileCache class (domain/profile-cache.ts, 60 s TTL,
 * 1,000 entries) on a simulated clock, one cache per simulated Lambda container.
 *
 * The mix, one simulated hour: each user opens the app about twice an hour (Poisson); a
 * session is B then A, then a geometric number of further requests (mean 12: reads and sends)
 * with exponential think times (mean 8 s). Every request holds a container for 20 ms. Routing:
 * a request takes a warm idle container at random, or a new one when all are busy; a container
 * idle for 10 minutes is reclaimed (Lambda's exact policy is not documented; random routing
 * over warm containers is the pessimistic reading for a per-container cache).
 */
import { ProfileCache } from '../../domain/profile-cache';
import type { UserProfile } from '../../domain/types';
import type { Figures } from '../lib/figures';
import { rng } from '../lib/random';

const HOUR_MS = 3_600_000;
const SESSIONS_PER_HOUR = 2;
const MEAN_FOLLOW_UPS = 12;
const MEAN_THINK_MS = 8_000;
const REQUEST_MS = 20;
const IDLE_RECLAIM_MS = 600_000;
const TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;

interface Container {
  cache: ProfileCache;
  busyUntil: number;
  lastUsed: number;
}

export async function cacheHitRatio(figures: Figures, users: number[]): Promise<void> {
  for (const count of users) {
    const result = await simulate(count, 8);
    figures.add(
      `9.profile_cache.users_${count}.hit_ratio`,
      result.hitRatio,
      undefined,
      'modelled mix, see bench/sections/cache-hit-ratio.ts',
    );
    figures.add(`9.profile_cache.users_${count}.requests_per_s`, result.requests / 3600);
    figures.add(`9.profile_cache.users_${count}.containers_count`, result.containers);
    figures.add(`9.profile_cache.users_${count}.profile_getitems_saved_per_1000_requests`, result.hitRatio * 1000);
  }
}

async function simulate(users: number, seed: number) {
  const random = rng(seed);
  const exponential = (mean: number) => -Math.log(1 - random()) * mean;
  const requests: Array<{ at: number; sub: string }> = [];
  for (let u = 0; u < users; u++) {
    const sub = `sub-${u}`;
    for (
      let start = exponential(HOUR_MS / SESSIONS_PER_HOUR);
      start < HOUR_MS;
      start += exponential(HOUR_MS / SESSIONS_PER_HOUR)
    ) {
      let at = start;
      requests.push({ at, sub }, { at: (at += 50), sub }); // B, then A
      while (random() > 1 / (MEAN_FOLLOW_UPS + 1)) {
        at += exponential(MEAN_THINK_MS);
        requests.push({ at, sub });
      }
    }
  }
  requests.sort((a, b) => a.at - b.at);

  let now = 0;
  const containers: Container[] = [];
  let created = 0;
  const load = async (sub: string): Promise<UserProfile> => ({ uuid: sub, handle: sub, display_name: sub, cognito_user_id: sub });
  let hits = 0;
  for (const request of requests) {
    now = request.at;
    for (let i = containers.length - 1; i >= 0; i--) {
      if ((containers[i] as Container).busyUntil <= now && now - (containers[i] as Container).lastUsed > IDLE_RECLAIM_MS)
        containers.splice(i, 1);
    }
    const idle = containers.filter((c) => c.busyUntil <= now);
    let container = idle[Math.floor(random() * idle.length)];
    if (!container) {
      container = {
        cache: new ProfileCache({ maxEntries: MAX_ENTRIES, ttlMs: TTL_MS, now: () => now }),
        busyUntil: 0,
        lastUsed: 0,
      };
      containers.push(container);
      created++;
    }
    const before = container.cache.stats().bySub.hits;
    await container.cache.get(request.sub, load);
    if (container.cache.stats().bySub.hits > before) hits++;
    container.busyUntil = now + REQUEST_MS;
    container.lastUsed = now;
  }
  return { hitRatio: hits / requests.length, requests: requests.length, containers: created };
}
