/**
 * Edge validation. Every route declares ONE schema (`route({ path, query, headers, body })`)
 * next to its handler; the shared middleware parses the request through it, and the handler
 * receives typed values (`limit: number`, not a query string). A failure is a 400
 * ValidationError. The domain still guards its own invariants (uuids, handles, message text).
 */
// zod/mini, imported as a namespace so esbuild can drop what is unused: the classic
// `import { z } from 'zod'` put ~430 KB of zod (locales included) in a bundle.
import * as z from 'zod/mini';
import { ValidationError } from '../../domain/errors';
import { PAGE_MAX } from '../../domain/validation';

const anything = z.optional(z.unknown());
type Anything = typeof anything;

export interface RouteSchema<S extends z.ZodMiniType = z.ZodMiniType> {
  schema: S;
  /** What a valid request looks like, for the 400's message. */
  hint: string | undefined;
  /** False when the route declares no body: then a POST may come without one. */
  expectsBody?: boolean;
}

/** One schema for a route's path, query, headers and body; a part not declared is not read. */
export function route<
  Path extends z.ZodMiniType = Anything,
  Query extends z.ZodMiniType = Anything,
  Headers extends z.ZodMiniType = Anything,
  Body extends z.ZodMiniType = Anything,
>(parts: { path?: Path; query?: Query; headers?: Headers; body?: Body }, hint?: string) {
  const schema = z.object({
    path: (parts.path ?? anything) as Path,
    query: (parts.query ?? anything) as Query,
    headers: (parts.headers ?? anything) as Headers,
    body: (parts.body ?? anything) as Body,
  });
  return { schema, hint, expectsBody: parts.body !== undefined } satisfies RouteSchema;
}

export type RouteInput<R extends RouteSchema> = z.output<R['schema']>;

/** The request as the route's schema reads it, or a 400 ValidationError saying what is wrong. */
export function parseRequest<R extends RouteSchema>(
  route: R,
  request: { path: unknown; query: unknown; headers: unknown; body: unknown },
): RouteInput<R> {
  const result = route.schema.safeParse(request);
  if (result.success) return result.data as RouteInput<R>;
  const issue = result.error.issues[0];
  // Our own checks say exactly what is wrong; zod's generic ones get the route's hint.
  if (issue?.code === 'custom') throw new ValidationError(issue.message);
  const part = String(issue?.path[0] ?? 'request');
  throw new ValidationError(`invalid request ${part}${route.hint ? `: ${route.hint}` : ''}`);
}

/** A query value where empty counts as absent (`?cursor=`). */
const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined) => (raw === undefined || raw === '' ? undefined : raw)),
);

/** `?limit=`: 1 to PAGE_MAX, digits only; absent or empty → the domain's default. */
const pageLimit = z.pipe(
  z.optional(z.string()),
  z.transform((raw: string | undefined, ctx) => {
    if (raw === undefined || raw === '') return undefined;
    const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
    if (limit >= 1 && limit <= PAGE_MAX) return limit;
    ctx.issues.push({ code: 'custom', message: `limit must be an integer from 1 to ${PAGE_MAX}`, input: raw });
    return z.NEVER;
  }),
);

/** `?limit=&cursor=` of the list routes. The cursor stays opaque here: the domain decodes it for its list. */
export const pageQuery = z.object({ limit: pageLimit, cursor: optionalText });

/** `/api/users/@ada/block`: the segment arrives as `@ada` (the `@` is optional); the domain checks the handle. */
export const handlePath = z.object({
  handle: z.pipe(
    z.string(),
    z.transform((segment: string) => segment.replace(/^(@|%40)/i, '')),
  ),
});
