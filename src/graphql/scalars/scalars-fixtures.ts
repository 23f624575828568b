import { GraphQLList, GraphQLNonNull, GraphQLObjectType, type GraphQLScalarType, GraphQLSchema, GraphQLString } from 'graphql';
import { DateScalar, DateTimeScalar, LocalTimeScalar, TimeZoneScalar } from '.';

/** For tests only: a schema with each scalar as an argument, echoing what the resolver received as JSON. */
export function echoSchema(): GraphQLSchema {
  const echo = (type: GraphQLScalarType | GraphQLList<GraphQLNonNull<GraphQLScalarType>>, required = true) => ({
    type: GraphQLString,
    args: { v: { type: required && !(type instanceof GraphQLList) ? new GraphQLNonNull(type) : type } },
    resolve: (_: unknown, args: { v: unknown }) => JSON.stringify(args.v),
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        dateTime: echo(DateTimeScalar),
        date: echo(DateScalar),
        localTime: echo(LocalTimeScalar),
        timeZone: echo(TimeZoneScalar),
        dates: echo(new GraphQLList(new GraphQLNonNull(DateScalar))),
      },
    }),
  });
}

/** [field of echoSchema, scalar, malformed value]: each must fail with VALIDATION_FAILED and the value. */
export const MALFORMED_SCALARS = [
  ['dateTime', 'DateTime', '2027-13-01T00:00:00Z'],
  ['dateTime', 'DateTime', 'tomorrow'],
  ['date', 'Date', '2027-02-30'],
  ['localTime', 'LocalTime', '25:00'],
  ['timeZone', 'TimeZone', 'Mars/Olympus'],
] as const;
