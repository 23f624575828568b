import { GraphQLScalarType, Kind } from 'graphql';
import { invalidScalarValue, literalValue } from './invalid-scalar';

/**
 * A scalar written as a string on the wire. `parse` turns a well-formed string into the value the
 * resolvers get (or null when malformed); `serialize` turns a resolver's value back into the string.
 */
export function stringScalar<T>(spec: {
  name: string;
  description: string;
  /** What a valid value looks like, for error messages: "… expected <expected>". */
  expected: string;
  parse(text: string): T | null;
  /** Resolver value → wire string; throws on a value the scalar cannot represent (a server bug). */
  serialize(value: unknown): string;
}): GraphQLScalarType<T, string> {
  const parseText = (value: unknown): T => {
    const parsed = typeof value === 'string' ? spec.parse(value) : null;
    if (parsed === null) throw invalidScalarValue(spec.name, value, spec.expected);
    return parsed;
  };
  return new GraphQLScalarType<T, string>({
    name: spec.name,
    description: spec.description,
    serialize: spec.serialize,
    parseValue: parseText,
    parseLiteral: (node) => {
      const parsed = node.kind === Kind.STRING ? spec.parse(node.value) : null;
      if (parsed === null) throw invalidScalarValue(spec.name, literalValue(node), spec.expected, node);
      return parsed;
    },
  });
}

/** For `serialize`: a resolver returned something the scalar cannot send. Not a client error. */
export function unserializable(scalar: string, value: unknown): TypeError {
  return new TypeError(`${scalar} cannot represent ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
}
