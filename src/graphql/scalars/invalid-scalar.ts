import { GraphQLError, type ValueNode, valueFromASTUntyped } from 'graphql';

/**
 * The error every custom scalar throws for a malformed value, in variables and inline literals alike.
 *
 * It is a GraphQLError carrying `extensions: { code: 'VALIDATION_FAILED', scalar, value }`:
 * - from a literal, graphql-js reports it as is during validation; Apollo wraps it as
 *   GRAPHQL_VALIDATION_FAILED, and `formatGraphQLError` restores VALIDATION_FAILED from it;
 * - from a variable, graphql-js wraps it as `Variable "$x" got invalid value …` and the wrapper inherits
 *   these extensions, so Apollo does not relabel it BAD_USER_INPUT.
 */
export function invalidScalarValue(scalar: string, value: unknown, expected: string, node?: ValueNode): GraphQLError {
  return new GraphQLError(`Invalid ${scalar} ${describe(value)}: expected ${expected}`, {
    ...(node ? { nodes: node } : {}),
    // A value nested too deep to send back (JSON.stringify of the answer would overflow the stack and
    // turn a client error into a 500) is not echoed; the message still says what kind it was.
    extensions: echoable(value, 0) ? { code: 'VALIDATION_FAILED', scalar, value } : { code: 'VALIDATION_FAILED', scalar },
  });
}

const MAX_ECHO_DEPTH = 32;

function echoable(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_ECHO_DEPTH) return false;
  return Object.values(value).every((v) => echoable(v, depth + 1));
}

/** The JSON-ish value of a literal, for the error's `value` extension (e.g. `5` for `at: 5`). */
export function literalValue(node: ValueNode): unknown {
  try {
    return valueFromASTUntyped(node);
  } catch {
    return null;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'list' : typeof value;
}
