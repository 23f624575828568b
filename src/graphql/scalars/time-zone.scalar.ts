import { isValidTimeZone } from '../../domain/schedule/local-time';
import { stringScalar, unserializable } from './string-scalar';

/**
 * `TimeZone`: an IANA zone name the runtime knows (`Europe/Berlin`, `UTC`); fixed offsets are refused.
 * Resolvers get the name with its canonical capitals (`europe/berlin` → `Europe/Berlin`); an alias
 * stays the alias the client sent (`US/Eastern` is not rewritten).
 */
export function parseTimeZone(text: string): string | null {
  if (!isValidTimeZone(text)) return null;
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === text.toLowerCase() ? resolved : text;
}

export const TimeZoneScalar = stringScalar<string>({
  name: 'TimeZone',
  description: 'An IANA time-zone name, e.g. Europe/Berlin.',
  expected: 'an IANA time-zone name, e.g. Europe/Berlin',
  parse: parseTimeZone,
  serialize: (value) => {
    if (typeof value === 'string' && isValidTimeZone(value)) return value;
    throw unserializable('TimeZone', value);
  },
});
