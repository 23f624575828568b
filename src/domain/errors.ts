/**
 * Stable error codes. They map one-to-one onto GraphQL `extensions.code`, so clients can rely on them.
 */
export type ErrorCode =
  | 'SLOT_TAKEN'
  | 'OUTSIDE_AVAILABILITY'
  | 'TOO_SOON'
  | 'TOO_FAR_AHEAD'
  | 'INVALID_TRANSITION'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONCURRENCY_CONFLICT'
  | 'RATE_LIMITED'
  | 'BOOKING_LIMIT_REACHED'
  | 'TOO_MANY_SUBSCRIPTIONS';

/** A rule of the domain refused a command. Never thrown for infrastructure failures. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail, e.g. `{ field: 'durationMinutes', value: 3 }`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (field: string, message: string, value?: unknown): DomainError =>
  new DomainError('VALIDATION_FAILED', message, value === undefined ? { field } : { field, value });

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
