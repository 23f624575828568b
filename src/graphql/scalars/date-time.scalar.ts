import { isAcceptedInstant } from '../../domain/accepted-instants';
import { formatInstant } from '../../domain/instant-format';
import { stringScalar, unserializable } from './string-scalar';

export { formatInstant };

/**
 * `DateTime`: an instant. Input: ISO-8601 / RFC 3339 with seconds and an explicit offset —
 * `2027-03-29T07:00:00Z`, `2027-03-29T09:00:00+02:00`, `2027-03-29T07:00:00.250Z` (a fraction of up to
 * 9 digits is cut to milliseconds). Resolvers get epoch milliseconds (UTC), like the domain.
 * Output: always UTC with `Z`; `YYYY-MM-DDTHH:mm:ssZ`, or `YYYY-MM-DDTHH:mm:ss.SSSZ` when the
 * milliseconds are not zero. Resolvers may return epoch ms, a `Date` or a valid DateTime string.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Years 0001..9999 in UTC: what the four-digit output format can write. */
const MIN_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** Epoch ms of an ISO-8601 instant with an offset, or null when malformed or not a real time. */
export function parseInstant(text: string): number | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const offsetMinutes = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (m[8] !== 'Z' && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years below 100 as they are
  utc.setUTCHours(hour, minute, second, millis);
  const ms = utc.getTime() - offsetMinutes * 60_000;
  return ms >= MIN_INSTANT && ms <= MAX_INSTANT ? ms : null;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function toEpochMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return parseInstant(value);
  return null;
}

export const DateTimeScalar = stringScalar<number>({
  name: 'DateTime',
  description: 'An instant, ISO-8601 with an offset, e.g. 2027-03-29T07:00:00Z or 2027-03-29T09:00:00+02:00. Answers are in UTC ("Z").',
  expected: 'an ISO-8601 instant with seconds and an offset, in the years 0001 to 9998, e.g. 2027-03-29T07:00:00Z',
  // Any instant the format can write is read, but only the accepted range goes in (domain/accepted-instants).
  parse: (text) => {
    const ms = parseInstant(text);
    return ms !== null && isAcceptedInstant(ms) ? ms : null;
  },
  serialize: (value) => {
    const ms = toEpochMs(value);
    if (ms === null || !(ms >= MIN_INSTANT && ms <= MAX_INSTANT)) throw unserializable('DateTime', value);
    return formatInstant(ms);
  },
});
