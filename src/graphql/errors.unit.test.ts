import { GraphQLError } from 'graphql';
import { DomainError } from '../domain/errors';
import { errorCodeOf, formatGraphQLError, isUnexpectedError, rootCauseOf } from './errors';

const located = (original: Error): GraphQLError => new GraphQLError(original.message, { path: ['bookAppointment'], originalError: original });

describe('formatGraphQLError', () => {
  it('writes the instants of a domain error’s message and extensions as answers write them', () => {
    const error = located(new DomainError('TOO_FAR_AHEAD', '2027-06-01T08:00:00.000Z is too far ahead', { start: '2027-06-01T08:00:00.000Z', maxAdvanceDays: 90 }));
    expect(formatGraphQLError(error.toJSON(), error, { development: false })).toEqual({
      message: '2027-06-01T08:00:00Z is too far ahead',
      path: ['bookAppointment'],
      extensions: { code: 'TOO_FAR_AHEAD', start: '2027-06-01T08:00:00Z', maxAdvanceDays: 90 },
    });
  });

  it('masks an unexpected error in production', () => {
    const error = located(new Error('relation "rm_providers" does not exist'));
    expect(formatGraphQLError({ ...error.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error, { development: false })).toEqual({
      message: 'Internal server error',
      path: ['bookAppointment'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});

describe('errorCodeOf', () => {
  it('tells expected refusals from unexpected failures', () => {
    const bug = new TypeError('x is undefined');
    expect(errorCodeOf(located(new DomainError('SLOT_TAKEN', 'taken')))).toBe('SLOT_TAKEN');
    expect(errorCodeOf(new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }))).toBe('GRAPHQL_PARSE_FAILED');
    expect(isUnexpectedError(located(bug))).toBe(true);
    expect(isUnexpectedError(located(new DomainError('NOT_FOUND', 'gone')))).toBe(false);
    expect(rootCauseOf(located(bug))).toBe(bug);
  });

  it('calls a request Apollo refuses with a 4xx status but no code BAD_REQUEST, and shows it unmasked', () => {
    const refused = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400, headers: new Map() } } });
    expect(errorCodeOf(refused)).toBe('BAD_REQUEST');
    expect(formatGraphQLError({ message: refused.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, refused, { development: false })).toEqual({
      message: 'provided sha does not match query',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});
