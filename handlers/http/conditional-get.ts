/**
 * HTTP caching for public GET responses: a strong `ETag` over the exact body we would send,
 * `Cache-Control`, and `If-None-Match` → `304 Not Modified` with no body (RFC 9110 §13.1.2:
 * the weak comparison, a list of tags, or `*`).
 */
import { createHash } from 'node:crypto';
import type { HttpResult } from './middleware';

/** The tag of a JSON body: a digest of the bytes sent, so equal bodies get equal tags in every container. */
export function entityTag(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

/** Whether an `If-None-Match` header names `tag` (weak comparison: `W/` is ignored on both sides). */
export function matchesIfNoneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const wanted = opaque(tag);
  return header.split(',').some((candidate) => {
    const c = candidate.trim();
    return c === '*' || opaque(c) === wanted;
  });
}

/** 200 with the body and its validators, or 304 with the validators only when the client's copy is current. */
export function conditionalGet(body: unknown, ifNoneMatch: string | undefined, cacheControl: string): HttpResult {
  const tag = entityTag(body);
  const headers = { etag: tag, 'cache-control': cacheControl };
  return matchesIfNoneMatch(ifNoneMatch, tag) ? { statusCode: 304, headers } : { body, headers };
}
