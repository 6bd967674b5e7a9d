import { ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import * as z from 'zod/mini';
import { parseHandle, parseLimit, parseMessageText, parseUuid } from '../../domain/validation';
import { pageQuery, parseRequest, route } from '../../handlers/http/validation';

describe('message text', () => {
  it('is trimmed', () => expect(parseMessageText('  hi there \n')).toBe('hi there'));
  it('accepts exactly 1024 characters, counting code points', () => {
    expect(parseMessageText('a'.repeat(1024))).toHaveLength(1024);
    expect([...parseMessageText('😀'.repeat(1024))]).toHaveLength(1024);
  });
  it.each([
    ['empty', ''],
    ['whitespace only', ' \n\t '],
    ['1025 characters', 'a'.repeat(1025)],
    ['a control character', 'bell\u0007'],
    ['a lone surrogate', 'bad\uD800text'],
    ['not a string', 42],
  ])('rejects %s', (_label, value) => expect(() => parseMessageText(value)).toThrow(ValidationError));
});

describe('key material from user input', () => {
  it.each(['../x', 'a#b', 'a/b', 'ada ', 'ädä', 'x'.repeat(33), ''])('rejects handle %j', (handle) =>
    expect(() => parseHandle(handle)).toThrow(ValidationError),
  );
  it.each(['not-a-uuid', 'MSG#5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44', '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44#x'])(
    'rejects uuid %j',
    (uuid) => expect(() => parseUuid(uuid, 'id')).toThrow(ValidationError),
  );
  it('normalises uuids to lower case', () =>
    expect(parseUuid('5A7E3C19-2F4D-4B8A-9C61-3E0D8F7B2A44', 'id')).toBe('5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44'));
  it('makes handles case-insensitive in their key', () => expect(keys.userHandle('Ada')).toEqual(keys.userHandle('ada')));
  it('builds the same pair key in both directions', () => expect(keys.pair('a', 'b')).toEqual(keys.pair('b', 'a')));
});

describe('page limit (domain)', () => {
  it('defaults when absent', () => expect(parseLimit(undefined)).toBe(50));
  it.each([1, 100, 7])('accepts %j', (value) => expect(parseLimit(value)).toBe(value));
  it.each([0, 101, -1, 1.5, Number.NaN])('rejects %j', (value) => expect(() => parseLimit(value)).toThrow(ValidationError));
});

describe('list query at the edge (?limit=&cursor=)', () => {
  const Request = route({ query: pageQuery });
  const query = (q: Record<string, string>) => parseRequest(Request, { path: {}, query: q, headers: {}, body: undefined }).query;
  it.each([
    ['1', 1],
    ['100', 100],
    ['007', 7],
  ])('parses limit=%j to the number %j', (raw, limit) => expect(query({ limit: raw }).limit).toBe(limit));
  it('treats empty values as absent', () =>
    expect(query({ limit: '', cursor: '' })).toEqual({ limit: undefined, cursor: undefined }));
  it('passes the cursor through, opaque', () => expect(query({ cursor: 'abc_-' }).cursor).toBe('abc_-'));
  it.each(['0', '101', '-1', '1.5', 'ten', ' 5', '1e2', '0x10'])('rejects limit=%j with a 400 that says why', (raw) =>
    expect(() => query({ limit: raw })).toThrow(new ValidationError('limit must be an integer from 1 to 100')),
  );
});

describe('route schemas', () => {
  const Request = route(
    { headers: z.object({ 'idempotency-key': z.optional(z.string()) }), body: z.object({ message: z.string() }) },
    'send {message}',
  );
  it('types the declared parts and leaves the rest unread', () => {
    const input = parseRequest(Request, {
      path: { x: '1' },
      query: {},
      headers: { 'idempotency-key': 'k', other: 'y' },
      body: { message: 'hi', extra: 1 },
    });
    expect(input).toEqual({ path: { x: '1' }, query: {}, headers: { 'idempotency-key': 'k' }, body: { message: 'hi' } });
  });
  it("names the failing part and the route's hint", () =>
    expect(() => parseRequest(Request, { path: {}, query: {}, headers: {}, body: { message: 3 } })).toThrow(
      new ValidationError('invalid request body: send {message}'),
    ));
});
