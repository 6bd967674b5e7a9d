/**
 * Rules for the human text we store and show to other people: message bodies and display
 * names. Text must be valid Unicode a reader can see, and must not be able to reorder or hide
 * what surrounds it (bidi overrides), forge lines in a log or a terminal (controls, ESC), or
 * pass for empty (zero-width, blank Braille, Hangul fillers, tag characters).
 *
 * | rule                                                      | message | display name |
 * |-----------------------------------------------------------|---------|--------------|
 * | trimmed; 1..max code points                               | 1024    | 100          |
 * | no C0/C1 control characters                               | tab, LF, CR allowed | none  |
 * | no lone surrogates, no noncharacters (U+FDD0–FDEF, U+xFFFE/F) | ✓   | ✓            |
 * | no bidi embedding/override/isolate (U+202A–202E, U+2066–2069) | ✓   | ✓            |
 * | at least one visible character                            | ✓       | ✓            |
 * | at most 8 combining marks on one base character           | ✓       | ✓            |
 * | no `<` or `>` (a name is never markup)                     |         | ✓            |
 *
 * Bidi controls are rejected rather than stripped: silently changing what a user sent is
 * worse than telling them. Eight combining marks cover real orthographies (Vietnamese,
 * Devanagari, Hebrew and Arabic pointing use two to four) and stop "Zalgo" towers.
 */
import { ValidationError } from './errors';

export const MESSAGE_MAX_CHARS = 1024;
export const DISPLAY_NAME_MAX_CHARS = 100;
export const COMBINING_MARKS_MAX = 8;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this rule's job
const CONTROL_EXCEPT_TAB_LF_CR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this rule's job
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NONCHARACTER =
  /[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{3FFFE}\u{3FFFF}\u{4FFFE}\u{4FFFF}\u{5FFFE}\u{5FFFF}\u{6FFFE}\u{6FFFF}\u{7FFFE}\u{7FFFF}\u{8FFFE}\u{8FFFF}\u{9FFFE}\u{9FFFF}\u{AFFFE}\u{AFFFF}\u{BFFFE}\u{BFFFF}\u{CFFFE}\u{CFFFF}\u{DFFFE}\u{DFFFF}\u{EFFFE}\u{EFFFF}\u{FFFFE}\u{FFFFF}\u{10FFFE}\u{10FFFF}]/u;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * A character someone can see: not white space, not a default-ignorable code point (zero-width
 * characters, variation selectors, tag characters, Hangul fillers U+115F/U+1160/U+3164/U+FFA0),
 * not a control, format, private-use or unassigned code point, not a combining mark on its own,
 * and not the blank Braille pattern U+2800 (a symbol that renders as nothing).
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{M}\u2800]/u;
const TOO_MANY_MARKS = new RegExp(`\\p{M}{${COMBINING_MARKS_MAX + 1},}`, 'u');
const MARKUP = /[<>]/;

interface TextRules {
  field: string;
  maxChars: number;
  allowLineBreaks: boolean;
  allowMarkup: boolean;
}

function parseText(value: unknown, rules: TextRules): string {
  const { field, maxChars } = rules;
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`);
  const text = value.trim();
  const length = [...text].length;
  if (length === 0) throw new ValidationError(`${field} must not be empty`);
  if (length > maxChars) throw new ValidationError(`${field} must be at most ${maxChars} characters`);
  if ((rules.allowLineBreaks ? CONTROL_EXCEPT_TAB_LF_CR : CONTROL).test(text)) {
    throw new ValidationError(`${field} must not contain control characters`);
  }
  if (LONE_SURROGATE.test(text) || NONCHARACTER.test(text)) throw new ValidationError(`${field} must be valid Unicode text`);
  if (BIDI_CONTROL.test(text)) throw new ValidationError(`${field} must not contain bidirectional control characters`);
  if (!VISIBLE.test(text)) throw new ValidationError(`${field} must contain at least one visible character`);
  if (TOO_MANY_MARKS.test(text)) {
    throw new ValidationError(`${field} must not stack more than ${COMBINING_MARKS_MAX} combining marks on one character`);
  }
  if (!rules.allowMarkup && MARKUP.test(text)) throw new ValidationError(`${field} must not contain "<" or ">"`);
  return text;
}

/** A message body as stored and shown: see the table above. */
export function parseMessageText(value: unknown): string {
  return parseText(value, { field: 'message', maxChars: MESSAGE_MAX_CHARS, allowLineBreaks: true, allowMarkup: true });
}

/** A display name as stored and shown next to every message: see the table above. */
export function parseDisplayName(value: unknown): string {
  return parseText(value, {
    field: 'display_name',
    maxChars: DISPLAY_NAME_MAX_CHARS,
    allowLineBreaks: false,
    allowMarkup: false,
  });
}

export const GROUP_TITLE_MAX_CHARS = 100;

/** A group's title: the display-name rules (one line, no markup, 1-100 code points). */
export function parseGroupTitle(value: unknown): string {
  return parseText(value, { field: 'title', maxChars: GROUP_TITLE_MAX_CHARS, allowLineBreaks: false, allowMarkup: false });
}

/**
 * Text for a log line or a terminal: every control, format, bidi, separator (other than the
 * plain space) and unpaired surrogate becomes `\u{…}`, so stored text can neither break a line
 * nor send escape sequences. Applied by the ops reports to everything they print.
 */
export function escapeForLog(text: string): string {
  return text.replace(
    /[^\P{C}]|[\p{Zl}\p{Zp}]|[^\S ]/gu,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );
}
