import { parseLocalTime } from '../../domain/schedule/local-time';
import { stringScalar, unserializable } from './string-scalar';

/**
 * `LocalTime`: a wall-clock time `HH:mm`, 24h, `00:00`..`23:59`, plus `24:00` (the following
 * midnight, for the end of a window). Resolvers get and return the same string.
 */
export const LocalTimeScalar = stringScalar<string>({
  name: 'LocalTime',
  description: 'A wall-clock time HH:mm, 24h; 24:00 is allowed as the end of a window.',
  expected: 'a time HH:mm from 00:00 to 23:59, or 24:00',
  parse: (text) => (parseLocalTime(text) === null ? null : text),
  serialize: (value) => {
    if (typeof value === 'string' && parseLocalTime(value) !== null) return value;
    throw unserializable('LocalTime', value);
  },
});
