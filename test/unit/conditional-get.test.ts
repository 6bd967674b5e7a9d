import { conditionalGet, entityTag, matchesIfNoneMatch } from '../../handlers/http/conditional-get';

const body = { uuid: 'u', handle: 'ada', display_name: 'Ada' };

test('the ETag is a strong quoted tag that depends on every byte of the body, and only on it', () => {
  const tag = entityTag(body);
  expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  expect(entityTag({ ...body })).toBe(tag);
  expect(entityTag({ ...body, display_name: 'Ada L' })).not.toBe(tag);
});

test('If-None-Match uses the weak comparison, lists and *; anything else does not match', () => {
  const tag = entityTag(body);
  expect(matchesIfNoneMatch(tag, tag)).toBe(true);
  expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
  expect(matchesIfNoneMatch(`"a", ${tag} , "b"`, tag)).toBe(true);
  expect(matchesIfNoneMatch('*', tag)).toBe(true);
  expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
  expect(matchesIfNoneMatch('', tag)).toBe(false);
  expect(matchesIfNoneMatch(tag.slice(1, -1), tag)).toBe(false);
  expect(matchesIfNoneMatch(`${tag.slice(0, -2)}x"`, tag)).toBe(false);
});

test('conditionalGet: 304 without a body when current, else the body; validators on both', () => {
  const tag = entityTag(body);
  expect(conditionalGet(body, tag, 'public, max-age=60')).toEqual({
    statusCode: 304,
    headers: { etag: tag, 'cache-control': 'public, max-age=60' },
  });
  expect(conditionalGet(body, '"old"', 'public, max-age=60')).toEqual({
    body,
    headers: { etag: tag, 'cache-control': 'public, max-age=60' },
  });
});
