/** Edge validation: a zod schema next to each handler, failures become a 400 ValidationError. */
import type { z } from 'zod/mini';
import { ValidationError } from '../../domain/errors';

export function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown, hint: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationError(`invalid request body: ${hint}`);
}
