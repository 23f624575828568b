/** The provider-local calendar date of an instant, as the analytics fold files facts under it. */
import { DateTime } from 'luxon';

const HOUR_MS = 3_600_000;
/** Shifted instants whose UTC date `toISOString` writes as plain `YYYY-MM-DD`. */
const PLAIN_YEARS = { from: Date.parse('0001-01-01T00:00:00.000Z'), to: Date.parse('9999-12-31T23:59:59.999Z') };
const CACHE_LIMIT = 100_000;

/**
 * Offsets (minutes) per zone and hour, remembered when both ends of the hour have the same offset (no
 * transition lies in between: transitions are months apart); NaN when they differ. Asking the
 * time-zone database for every fact would cost a rebuild several seconds.
 */
const offsets = new Map<string, number>();

function offsetOfHour(hour: number, zone: string): number {
  const key = `${hour}|${zone}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const first = DateTime.fromMillis(hour * HOUR_MS, { zone });
    const last = DateTime.fromMillis(hour * HOUR_MS + HOUR_MS - 1, { zone });
    offset = first.isValid && last.isValid && first.offset === last.offset ? first.offset : Number.NaN;
    if (offsets.size >= CACHE_LIMIT) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** `YYYY-MM-DD` of `instant` in `timeZone`; in UTC when the runtime does not know the zone. */
export function localDateOf(instant: number, timeZone: string): string {
  const local = instant + offsetOfHour(Math.floor(instant / HOUR_MS), timeZone) * 60_000;
  if (local >= PLAIN_YEARS.from && local <= PLAIN_YEARS.to) return new Date(local).toISOString().slice(0, 10);
  // An hour with a transition in it, an unknown zone, or a year ISO text writes otherwise: ask luxon.
  const exact = DateTime.fromMillis(instant, { zone: timeZone });
  return (exact.isValid ? exact : DateTime.fromMillis(instant, { zone: 'utc' })).toISODate() ?? '1970-01-01';
}
