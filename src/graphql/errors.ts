import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type DomainError, isDomainError } from '../domain/errors';
import { formatInstantsInText } from '../domain/instant-format';

/**
 * Every error leaves with a stable `extensions.code`. Domain errors keep their code and details;
 * anything unexpected becomes INTERNAL_SERVER_ERROR without stack traces or SQL, except in development.
 *
 * Both are looked for along the whole `originalError` chain, because graphql-js and Apollo wrap errors:
 * a resolver's DomainError arrives inside a located GraphQLError, a failed context (a bad access token)
 * inside "Context creation failed", and a malformed scalar (see graphql/scalars) inside Apollo's
 * GRAPHQL_VALIDATION_FAILED (inline literal) or graphql-js's "Variable "$x" got invalid value" (variable).
 *
 * Instants in messages and extensions are written as answers write them (domain/instant-format).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, options: { development: boolean }): GraphQLFormattedError {
  const result = formatByKind(formatted, error, options);
  return {
    ...result,
    message: formatInstantsInText(result.message),
    ...(result.extensions ? { extensions: instantsFormatted(result.extensions) as Record<string, unknown> } : {}),
  };
}

/** The `extensions.code` a client sees for `error`; INTERNAL_SERVER_ERROR when it is not one we expect. */
export function errorCodeOf(error: unknown): string {
  const domain = findDomainError(error);
  if (domain) return domain.code;
  if (findInvalidScalarValue(error)) return 'VALIDATION_FAILED';
  if (error instanceof GraphQLError) {
    if (typeof error.extensions.code === 'string') return error.extensions.code;
    // Apollo refuses a few malformed requests with an HTTP status but no code ("provided sha does not match query").
    const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return 'BAD_REQUEST';
  }
  return 'INTERNAL_SERVER_ERROR';
}

/** A failure no rule or check explains (a bug, a database outage): it is logged, and masked in production. */
export const isUnexpectedError = (error: unknown): boolean => errorCodeOf(error) === 'INTERNAL_SERVER_ERROR';

/** The error a wrapped GraphQLError started from (its stack is the one worth logging). */
export function rootCauseOf(error: unknown): unknown {
  let root = error;
  for (const e of chain(error)) root = e;
  return root;
}

function formatByKind(formatted: GraphQLFormattedError, error: unknown, options: { development: boolean }): GraphQLFormattedError {
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  const domain = findDomainError(error);
  if (domain) return { message: domain.message, ...where, extensions: { code: domain.code, ...domain.details } };
  const invalidValue = findInvalidScalarValue(error);
  if (invalidValue) {
    // Keep graphql-js's message: for a variable it names the variable and the path inside it.
    const { http: _http, ...extensions } = invalidValue.extensions;
    return { message: formatted.message, ...where, extensions: { ...extensions, code: 'VALIDATION_FAILED' } };
  }
  const given = formatted.extensions?.code;
  const code = typeof given === 'string' && given !== 'INTERNAL_SERVER_ERROR' ? given : errorCodeOf(error);
  if (code === 'INTERNAL_SERVER_ERROR' && !options.development) {
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code } };
  }
  if (options.development) return formatted;
  const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code } };
}

/** Strings (at any depth of plain objects and arrays) with their instants in the one format. */
function instantsFormatted(value: unknown): unknown {
  if (typeof value === 'string') return formatInstantsInText(value);
  if (Array.isArray(value)) return value.map(instantsFormatted);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, instantsFormatted(v)]));
  }
  return value;
}

/** The errors of `error`'s `originalError` chain, outermost first (bounded: chains are short). */
function* chain(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    yield current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
}

function findDomainError(error: unknown): DomainError | undefined {
  for (const e of chain(error)) if (isDomainError(e)) return e;
  return undefined;
}

/** A custom scalar's parse error: a GraphQLError whose own extensions say VALIDATION_FAILED. */
function findInvalidScalarValue(error: unknown): GraphQLError | undefined {
  for (const e of chain(error)) if (e instanceof GraphQLError && e.extensions.code === 'VALIDATION_FAILED') return e;
  return undefined;
}
