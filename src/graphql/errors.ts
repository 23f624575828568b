import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDomainError } from '../domain/errors';

/**
 * Every error leaves with a stable `extensions.code`. Domain errors keep their code and details;
 * anything unexpected becomes INTERNAL_SERVER_ERROR without stack traces or SQL, except in development.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, options: { development: boolean }): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isDomainError(original)) {
    return {
      message: original.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: original.code, ...original.details },
    };
  }
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : 'INTERNAL_SERVER_ERROR';
  if (code === 'INTERNAL_SERVER_ERROR' && !options.development) {
    return { message: 'Internal server error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code } };
  }
  if (options.development) return formatted;
  const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code } };
}
