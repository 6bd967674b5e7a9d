/**
 * The caller-profile cache (domain/profile-cache.ts) against the documented staleness bound:
 * a profile changed outside this container (here: in the table directly, as another
 * container or an ops function would) is served stale for at most PROFILE_CACHE_TTL_MS
 * (1.5 s on the reliability stack, test/reliability/setup.ts; 60 s deployed), never longer.
 * The sender's display name in a send's response is the cached profile's; the public profile
 * route caches by handle under the same bound, and its ETag validator follows the change.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { findUserByHandle } from '../../domain/users';
import { recordFigure } from './figures';
import { call, conversation, newClient } from './support';

const TTL_MS = Number(process.env.PROFILE_CACHE_TTL_MS);
// The send after the TTL may have been answered from a request that started just before it.
const MARGIN_MS = 500;

test('a changed profile is served stale for at most the cache TTL, then always fresh', async () => {
  expect(TTL_MS).toBeGreaterThan(0);
  const [a, b] = [await newClient('cache_a'), await newClient('cache_b')];
  const group = await conversation(a, b, 'warm the cache');
  const profile = await findUserByHandle(a.handle, true);
  const renamed = `Renamed ${a.handle}`;
  const publicBefore = await call('GET', `/api/users/@${a.handle}/short`);
  expect(publicBefore.status).toBe(200);
  const oldTag = publicBefore.headers.get('etag') as string;
  expect(oldTag).toMatch(/^"/);

  // As a profile update elsewhere would: every copy of the profile (uuid, handle and sub items).
  const changedAt = Date.now();
  for (const key of [keys.userProfile(a.uuid), keys.userHandle(a.handle), keys.userCognitoSub(profile!.cognito_user_id!)]) {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET display_name = :n',
        ExpressionAttributeValues: { ':n': renamed },
      }),
    );
  }

  let staleWithinBound = 0;
  let staleBeyondBound = 0;
  let freshAfterBound = 0;
  let longestStaleMs = 0;
  let publicStaleBeyondBound = 0;
  let publicFreshAfterBound = 0;
  let publicLongestStaleMs = 0;
  while (Date.now() - changedAt < TTL_MS + MARGIN_MS + 1500) {
    const sentAt = Date.now();
    const reply = await call('POST', '/api/messages', {
      token: a.accessToken,
      json: { message_group_uuid: group, message: 'which name?' },
    });
    expect(reply.status).toBe(200);
    const stale = reply.body.display_name !== renamed;
    const age = sentAt - changedAt;
    if (stale) {
      longestStaleMs = Math.max(longestStaleMs, age);
      if (age > TTL_MS + MARGIN_MS) staleBeyondBound++;
      else staleWithinBound++;
    } else if (age > TTL_MS + MARGIN_MS) {
      freshAfterBound++;
    }
    // The public route, revalidating with the tag of the old body: 304 means "still the old name".
    const shortAt = Date.now();
    const short = await call('GET', `/api/users/@${a.handle}/short`, { headers: { 'if-none-match': oldTag } });
    expect([200, 304]).toContain(short.status);
    const shortAge = shortAt - changedAt;
    if (short.status === 304 || short.body.display_name !== renamed) {
      publicLongestStaleMs = Math.max(publicLongestStaleMs, shortAge);
      if (shortAge > TTL_MS + MARGIN_MS) publicStaleBeyondBound++;
    } else if (shortAge > TTL_MS + MARGIN_MS) {
      expect(short.headers.get('etag')).not.toBe(oldTag);
      publicFreshAfterBound++;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }

  recordFigure({ area: 'caching', name: 'profile TTL on this stack', value: TTL_MS, unit: 'ms' });
  recordFigure({
    area: 'caching',
    name: 'longest a changed profile was served stale',
    value: longestStaleMs,
    unit: 'ms',
    max: TTL_MS + MARGIN_MS,
  });
  recordFigure({ area: 'caching', name: 'stale answers beyond the TTL', value: staleBeyondBound, max: 0 });
  recordFigure({ area: 'caching', name: 'fresh answers after the TTL', value: freshAfterBound, min: 1 });
  recordFigure({
    area: 'caching',
    name: 'longest a changed public profile was served stale (body or 304)',
    value: publicLongestStaleMs,
    unit: 'ms',
    max: TTL_MS + MARGIN_MS,
  });
  recordFigure({ area: 'caching', name: 'stale public profiles beyond the TTL', value: publicStaleBeyondBound, max: 0 });
  expect(staleBeyondBound).toBe(0);
  expect(publicStaleBeyondBound).toBe(0);
  expect(publicFreshAfterBound).toBeGreaterThan(0);
  expect(freshAfterBound).toBeGreaterThan(0);
  // The cache is really in use: right after the change the old name is still served.
  expect(staleWithinBound).toBeGreaterThan(0);
}, 60_000);
