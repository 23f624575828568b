import { isAcceptedDate } from '../../domain/accepted-instants';
import { isValidLocalDate } from '../../domain/schedule/local-time';
import { stringScalar, unserializable } from './string-scalar';

/**
 * `Date`: a calendar date `YYYY-MM-DD` (in the provider's time zone; no instant attached).
 * Resolvers get and return the same string; `2027-02-30` is refused. A `Date` object is not accepted
 * on output on purpose: its calendar date depends on a time zone — select dates as text instead.
 */
export const DateScalar = stringScalar<string>({
  name: 'Date',
  description: 'A calendar date YYYY-MM-DD (in the provider\'s time zone).',
  expected: 'a calendar date YYYY-MM-DD in the years 0001 to 9998, e.g. 2027-03-29',
  parse: (text) => (isValidLocalDate(text) && isAcceptedDate(text) ? text : null),
  serialize: (value) => {
    if (typeof value === 'string' && isValidLocalDate(value)) return value;
    throw unserializable('Date', value);
  },
});
