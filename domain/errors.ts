/**
 * Typed domain errors. The HTTP layer maps them to status codes in one middleware;
 * ops functions print them. `code` is stable and machine-readable.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that can never succeed as sent. */
export class ValidationError extends DomainError {
  readonly code = 'validation_error';
}

/** Unknown, or not visible to the caller: a conversation you are not in does not exist for you. */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

/** The request collides with existing state (a taken handle). */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

/** No caller identity, or one we cannot trust. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
}

/** A dependency (DynamoDB) is unreachable or timed out; safe to retry. */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'service_unavailable';
}
