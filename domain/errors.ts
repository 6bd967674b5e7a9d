/**
 * Typed domain errors. Each carries its HTTP status (`statusCode`), which the HTTP layer's one
 * middleware uses as is; ops functions print them. `code` is stable and machine-readable.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that can never succeed as sent. */
export class ValidationError extends DomainError {
  readonly code = 'validation_error';
  readonly statusCode = 400;
}

/** No caller identity, or one we cannot trust. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
  readonly statusCode = 401;
}

/** Unknown, or not visible to the caller: a conversation you are not in does not exist for you. */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  readonly statusCode = 404;
}

/**
 * Authenticated, and the target exists for the caller, but this action is not allowed: a
 * member's role does not allow it (a member renaming a group), or a send between two people
 * with a block between them (domain/blocks.ts; the same message whichever side blocked).
 */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  readonly statusCode = 403;
}

/** Over a per-user limit (domain/rate-limit.ts); `retryAfterSeconds` becomes `retry-after`. */
export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  readonly statusCode = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The request collides with existing state (a taken handle). */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
  readonly statusCode = 409;
}

/**
 * A dependency (DynamoDB, Cognito's signing keys) is unreachable, too slow or throttling, or
 * write contention outlasted our retries; safe to retry. Raised once, where the dependency is
 * called (domain/dynamodb.ts, domain/table.ts, handlers/http/auth.ts).
 */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'service_unavailable';
  readonly statusCode = 503;
}
