/** HTTP caching of the public profile (GET /api/users/@{handle}/short) over the offline stack. */
import { api } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

describe('public profile: Cache-Control, ETag and If-None-Match', () => {
  let ben: SignedInUser;
  let url: string;
  let tag: string;
  beforeAll(async () => {
    ben = await signedInUser('Ben Cached');
    url = `/api/users/@${ben.handle}/short`;
    const first = await api('GET', url);
    expect(first.status).toBe(200);
    tag = first.headers.get('etag') as string;
  });

  test('a 200 carries a strong ETag and Cache-Control: public, max-age=60', async () => {
    const res = await api('GET', url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ uuid: ben.profile.uuid, handle: ben.handle, display_name: 'Ben Cached' });
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(res.headers.get('etag')).toBe(tag);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
  });

  test('If-None-Match with the current tag (plain, weak, in a list, or *) is a 304 with no body and the same validators', async () => {
    for (const ifNoneMatch of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
      const res = await api('GET', url, { headers: { 'if-none-match': ifNoneMatch } });
      expect({ ifNoneMatch, status: res.status }).toEqual({ ifNoneMatch, status: 304 });
      expect(res.body).toBeUndefined();
      expect(res.headers.get('etag')).toBe(tag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    }
  });

  test('If-None-Match with another tag gets the full 200', async () => {
    const res = await api('GET', url, { headers: { 'if-none-match': '"not-the-tag"' } });
    expect(res.status).toBe(200);
    expect(res.body.handle).toBe(ben.handle);
  });

  test('the handle is matched case-insensitively and gives the same body and tag', async () => {
    const res = await api('GET', `/api/users/@${ben.handle.toUpperCase()}/short`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(tag);
  });

  test('an unknown handle is a 404 without validators, even with If-None-Match: *', async () => {
    const res = await api('GET', '/api/users/@nobody_cached_404/short', { headers: { 'if-none-match': '*' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.headers.get('etag')).toBeNull();
  });
});
