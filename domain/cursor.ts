/**
 * Opaque page cursors. A cursor carries only a position (the last sort key seen) and the
 * list it belongs to; the partition key is rebuilt from the authorised request, never read
 * from the cursor, so a tampered or foreign cursor can at most fail validation.
 */
import { ValidationError } from './errors';
import { isTimestamp } from './time';

export type CursorScope = { kind: 'messages'; groupUuid: string } | { kind: 'groups'; userUuid: string };

interface CursorBody {
  v: 1;
  k: 'messages' | 'groups';
  o: string; // owner: group uuid for messages, user uuid for groups
  sk: string;
}

function ownerOf(scope: CursorScope): string {
  return scope.kind === 'messages' ? scope.groupUuid : scope.userUuid;
}

export function encodeCursor(scope: CursorScope, sk: string): string {
  const body: CursorBody = { v: 1, k: scope.kind, o: ownerOf(scope), sk };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The sort key to resume after, or a ValidationError when the cursor is not one of ours for this list. */
export function decodeCursor(cursor: unknown, scope: CursorScope): string {
  const invalid = new ValidationError('cursor is invalid for this list');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid;
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const b = body as Partial<CursorBody> | null;
  if (b?.v !== 1 || b.k !== scope.kind || b.o !== ownerOf(scope) || !isTimestamp(b.sk)) throw invalid;
  return b.sk;
}

/**
 * Cursors of the lists whose sort key is not a timestamp (a user's blocks, the reports). Same
 * rules: opaque, the list (`list` + `owner`) is checked, only the sort key is carried, and it
 * must pass `valid` (the shape of that list's sort keys) before it reaches a request.
 */
export function encodeKeyCursor(list: string, owner: string, sk: string): string {
  return Buffer.from(JSON.stringify({ v: 1, k: list, o: owner, sk })).toString('base64url');
}

export function decodeKeyCursor(cursor: unknown, list: string, owner: string, valid: (sk: string) => boolean): string {
  const invalid = new ValidationError('cursor is invalid for this list');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid;
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const b = body as { v?: unknown; k?: unknown; o?: unknown; sk?: unknown } | null;
  if (b?.v !== 1 || b.k !== list || b.o !== owner || typeof b.sk !== 'string' || !valid(b.sk)) throw invalid;
  return b.sk;
}
