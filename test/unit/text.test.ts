/**
 * Message and display-name text rules (domain/text.ts): invisible, spoofing and
 * log-forging text is refused; real text in every script, emoji and line breaks pass.
 */
import { ValidationError } from '../../domain/errors';
import { escapeForLog, parseDisplayName, parseMessageText } from '../../domain/text';
import { sameEmailAddress } from '../../domain/users';

const rejectedByBoth: Array<[string, string, RegExp]> = [
  ['only zero-width spaces', '\u200B\u200B\u200B', /visible character/],
  ['only blank Braille', '\u2800\u2800', /visible character/],
  ['only Hangul fillers', '\u3164\u115F\uFFA0', /visible character/],
  ['only tag characters', '\u{E0041}\u{E0042}\u{E007F}', /visible character/],
  ['only a combining mark', '\u0301', /visible character/],
  ['a right-to-left override', 'hello \u202Egnp.exe', /bidirectional/],
  ['a left-to-right isolate', 'a\u2066b\u2069', /bidirectional/],
  ['a letter with 20 combining marks', `a${'\u0301'.repeat(20)}`, /combining marks/],
  ['a noncharacter U+FFFF', 'ok\uFFFF', /valid Unicode/],
  ['a noncharacter U+FDD0', 'ok\uFDD0', /valid Unicode/],
  ['a plane-1 noncharacter', 'ok\u{1FFFE}', /valid Unicode/],
  ['a lone surrogate', 'bad\uD800text', /valid Unicode/],
  ['NUL', 'a\u0000b', /control characters/],
  ['an ESC sequence', 'red \u001b[31mtext', /control characters/],
  ['empty after trimming', ' \t ', /empty/],
];

describe.each([
  ['message', parseMessageText],
  ['display_name', parseDisplayName],
])('%s', (field, parse) => {
  test.each(rejectedByBoth)(`refuses text with %s`, (_label, value, reason) => {
    expect(() => parse(value)).toThrow(ValidationError);
    expect(() => parse(value)).toThrow(reason);
    expect(() => parse(value)).toThrow(new RegExp(`^${field} `));
  });

  test.each([
    ['Latin with accents', 'Zoë Ŋguyễn'],
    ['Devanagari with vowel signs', 'नमस्ते दुनिया'],
    ['Arabic with pointing', 'مَرْحَبًا'],
    ['Hebrew', 'שָׁלוֹם'],
    ['emoji with a zero-width joiner and skin tone', '👩🏽‍💻 dev'],
    ['a flag (regional indicators)', '🇳🇬'],
    ['a letter with 8 combining marks', `a${'\u0301'.repeat(8)}`],
    ['a zero-width joiner between letters', 'a\u200Db'],
  ])('accepts %s', (_label, value) => expect(parse(value)).toBe(value));
});

test('a message of one letter and 1,023 combining marks (1,024 code points) is refused', () => {
  expect(() => parseMessageText(`a${'\u0301'.repeat(1023)}`)).toThrow(/combining marks/);
});

test('messages keep line breaks and tabs; display names refuse them and markup', () => {
  expect(parseMessageText('line one\nline two\tend')).toBe('line one\nline two\tend');
  expect(() => parseDisplayName('Ada\nAdmin: password reset')).toThrow(/control characters/);
  expect(() => parseDisplayName('Ada\tL')).toThrow(/control characters/);
  expect(() => parseDisplayName('<img src=x onerror=alert(1)>')).toThrow(/"<" or ">"/);
  expect(parseMessageText('a <b>bold</b> claim')).toBe('a <b>bold</b> claim');
});

test('length limits count code points: 1024 for messages, 100 for display names', () => {
  expect(parseMessageText('😀'.repeat(1024))).toHaveLength(2048);
  expect(() => parseMessageText('a'.repeat(1025))).toThrow(/at most 1024/);
  expect(parseDisplayName('é'.repeat(100))).toHaveLength(100);
  expect(() => parseDisplayName('a'.repeat(101))).toThrow(/at most 100/);
});

test('escapeForLog turns controls, line separators and bidi controls into visible escapes and keeps the rest', () => {
  expect(escapeForLog('evil\u001b[2J\nINFO forged line\u2028x\u202Ey')).toBe(
    'evil\\u{1B}[2J\\u{A}INFO forged line\\u{2028}x\\u{202E}y',
  );
  expect(escapeForLog('plain text, Zoë 👩🏽‍💻')).toBe('plain text, Zoë 👩🏽\\u{200D}💻');
});

test('email addresses compare case-insensitively in ASCII only (the Kelvin sign is not a k)', () => {
  expect(sameEmailAddress('Kat@Example.com', 'kat@example.com')).toBe(true);
  expect(sameEmailAddress('\u212Aat@example.com', 'kat@example.com')).toBe(false);
  expect(sameEmailAddress('İnci@example.com', 'inci@example.com')).toBe(false);
});
