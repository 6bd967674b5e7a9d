import { ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { parseHandle, parseLimit, parseMessageText, parseUuid } from '../../domain/validation';

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

describe('page limit', () => {
  it('defaults when absent', () => expect(parseLimit(undefined)).toBe(50));
  it.each(['1', '100', 7])('accepts %j', (value) => expect(parseLimit(value)).toBe(Number(value)));
  it.each(['0', '101', '-1', '1.5', 'ten', '', 0, 101])('rejects %j', (value) =>
    expect(() => parseLimit(value)).toThrow(ValidationError),
  );
});
