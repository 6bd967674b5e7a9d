import { ProfileCache } from '../../domain/profile-cache';
import type { UserProfile } from '../../domain/types';

const ada: UserProfile = {
  uuid: '11111111-1111-4111-8111-111111111111',
  handle: 'ada',
  display_name: 'Ada',
  cognito_user_id: 'sub-ada',
};

function setup(ttlMs = 60_000) {
  let now = 0;
  const loads: string[] = [];
  let stored: UserProfile | undefined = ada;
  const cache = new ProfileCache({ maxEntries: 100, ttlMs, now: () => now });
  const load = async (sub: string) => {
    loads.push(sub);
    return stored;
  };
  return {
    cache,
    load,
    loads,
    advance: (ms: number) => (now += ms),
    store: (profile: UserProfile | undefined) => (stored = profile),
  };
}

test('a warm hit makes no request; the first call and a call after the TTL do', async () => {
  const s = setup(1000);
  expect(await s.cache.get('sub-ada', s.load)).toEqual(ada);
  expect(await s.cache.get('sub-ada', s.load)).toEqual(ada);
  expect(s.loads).toEqual(['sub-ada']);
  s.advance(1000);
  await s.cache.get('sub-ada', s.load);
  expect(s.loads).toEqual(['sub-ada', 'sub-ada']);
});

test('a profile changed elsewhere is served stale for at most the TTL', async () => {
  const s = setup(1000);
  await s.cache.get('sub-ada', s.load);
  s.store({ ...ada, display_name: 'Ada L.' });
  s.advance(999);
  expect((await s.cache.get('sub-ada', s.load))?.display_name).toBe('Ada');
  s.advance(1);
  expect((await s.cache.get('sub-ada', s.load))?.display_name).toBe('Ada L.');
});

test('a write in this container is seen on the next call (forget)', async () => {
  const s = setup();
  await s.cache.get('sub-ada', s.load);
  s.store({ ...ada, display_name: 'Renamed' });
  s.cache.forget(ada);
  expect((await s.cache.get('sub-ada', s.load))?.display_name).toBe('Renamed');
});

test('a missing profile is not cached: it is found as soon as it exists', async () => {
  const s = setup();
  s.store(undefined);
  expect(await s.cache.get('sub-ada', s.load)).toBeUndefined();
  s.store(ada);
  expect(await s.cache.get('sub-ada', s.load)).toEqual(ada);
  expect(s.loads).toHaveLength(2);
});

test('by handle: one entry whatever the case, served until the TTL, dropped by a write here', async () => {
  const s = setup(1000);
  expect(await s.cache.getByHandle('Ada', s.load)).toEqual(ada);
  expect(await s.cache.getByHandle('ADA', s.load)).toEqual(ada);
  expect(s.loads).toEqual(['Ada']);
  s.store({ ...ada, display_name: 'Renamed' });
  s.cache.forget(ada);
  expect((await s.cache.getByHandle('ada', s.load))?.display_name).toBe('Renamed');
  s.advance(1000);
  await s.cache.getByHandle('ada', s.load);
  expect(s.loads).toHaveLength(3);
});
