import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { type DomainError, isDomainError } from '../domain/errors';

/**
 * Every error leaves with a stable `extensions.code`. Domain errors keep their code and details;
 * anything unexpected becomes INTERNAL_SERVER_ERROR without stack traces or SQL, except in development.
 *
 * Both are looked for along the whole `originalError` chain, because graphql-js and Apollo wrap errors:
 * a resolver's DomainError arrives inside a located GraphQLError, a failed context (a bad access token)
 * inside "Context creation failed", and a malformed scalar (see graphql/scalars) inside Apollo's
 * GRAPHQL_VALIDATION_FAILED (inline literal) or graphql-js's "Variable "$x" got invalid value" (variable).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, options: { development: boolean }): GraphQLFormattedError {
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
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR';
  if (code === 'INTERNAL_SERVER_ERROR' && !options.development) {
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code } };
  }
  if (options.development) return formatted;
  const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code } };
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
