import { DateTime, IANAZone } from 'luxon';
import { isValidLocalDate } from './local-time';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/**
 * A calendar date of the provider's zone, as whole days since 1970-01-01 of that local calendar.
 * Plain integers keep "the next date" and "the same date a week earlier" trivial and allocation-free.
 */
export type LocalDay = number;

/** How to resolve a wall-clock time that occurs twice (clocks back): the first or the second occurrence. */
export type Occurrence = 'earliest' | 'latest';

/** The local day named `YYYY-MM-DD`, or null when it is not a real date. */
export function localDayFromIso(value: string): LocalDay | null {
  if (!isValidLocalDate(value)) return null;
  // A real date (just checked): its day number is plain arithmetic. Parsing it with luxon cost a few
  // microseconds per schedule override on every booking decision, and overrides pile up over years.
  return Math.round(Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, Number(value.slice(8, 10))) / DAY_MS);
}

/** ISO weekday of a local day: 1 = Monday … 7 = Sunday. */
export function isoWeekdayOf(day: LocalDay): number {
  return DateTime.fromMillis(day * DAY_MS, { zone: 'utc' }).weekday;
}

/**
 * UTC offsets (ms) by zone and exact instant, shared by every engine call in the process. Asking the
 * runtime's Intl data for an offset is the slot engine's most expensive step, and successive calls ask
 * for the same instants (a day's midnights, a window's edges) again and again. Keyed by the exact
 * instant, so an answer is always the one the zone data gives; bounded by starting over when full.
 */
const OFFSET_CACHE_LIMIT = 100_000;
const offsetCache = new Map<string, Map<number, number>>();

function cachedOffset(zone: IANAZone, instant: number): number {
  let byInstant = offsetCache.get(zone.name);
  if (byInstant === undefined) {
    byInstant = new Map();
    offsetCache.set(zone.name, byInstant);
  }
  let offset = byInstant.get(instant);
  if (offset === undefined) {
    offset = zone.offset(instant) * MINUTE_MS;
    if (byInstant.size >= OFFSET_CACHE_LIMIT) byInstant.clear();
    byInstant.set(instant, offset);
  }
  return offset;
}

/**
 * Converts between real instants and wall-clock time of one IANA zone.
 * Built per engine call: it memoises offsets, and a schedule's zone can change between calls.
 */
export class ZoneClock {
  /** Offsets (ms) sampled at UTC midnights, keyed by the day number; shared by every window near that day. */
  private readonly samples = new Map<number, number>();

  private constructor(private readonly zone: IANAZone) {}

  /** Null for a zone the runtime does not know: callers then treat the schedule as having no working time. */
  static of(timeZone: string): ZoneClock | null {
    const zone = IANAZone.create(timeZone);
    return zone.isValid ? new ZoneClock(zone) : null;
  }

  /** `instant` moved by whole calendar days in this zone: the wall-clock time stays put across DST. */
  plusDays(instant: number, days: number): number {
    return DateTime.fromMillis(instant, { zone: this.zone }).plus({ days }).toMillis();
  }

  offsetAt(instant: number): number {
    return cachedOffset(this.zone, instant);
  }

  dayOf(instant: number): LocalDay {
    return Math.floor((instant + this.offsetAt(instant)) / DAY_MS);
  }

  /** The first real instant of a local day (its midnight, or the end of a gap swallowing midnight). */
  startOfDay(day: LocalDay): number {
    return this.instantOf(day, 0, 'earliest');
  }

  /**
   * The real instant at which the wall clock shows `minuteOfDay` (0…1440, 1440 = next midnight) on `day`.
   * A time skipped by clocks going forward resolves to the transition instant (the first instant after
   * the gap); a time shown twice resolves to the occurrence `pick` names.
   */
  instantOf(day: LocalDay, minuteOfDay: number, pick: Occurrence): number {
    const wall = day * DAY_MS + minuteOfDay * MINUTE_MS;
    // Every real offset lies within ±14 h, so the instant sits within a day of `wall`. Sampling a day
    // either side catches both offsets of any single transition near it.
    const wallDay = Math.floor(wall / DAY_MS);
    const before = this.sample(wallDay - 1);
    const after = this.sample(wallDay + 2);
    const matches: number[] = [];
    for (const offset of before === after ? [before] : [before, after]) {
      const instant = wall - offset;
      if (this.offsetAt(instant) === offset) matches.push(instant);
    }
    if (matches.length > 0) return pick === 'earliest' ? Math.min(...matches) : Math.max(...matches);
    return this.transitionBetween(wall - Math.max(before, after), wall - Math.min(before, after));
  }

  private sample(utcDay: number): number {
    const cached = this.samples.get(utcDay);
    if (cached !== undefined) return cached;
    const offset = this.offsetAt(utcDay * DAY_MS);
    this.samples.set(utcDay, offset);
    return offset;
  }

  /** The first instant in (lo, hi] whose offset differs from the offset at `lo`. */
  private transitionBetween(lo: number, hi: number): number {
    const offsetBefore = this.offsetAt(lo);
    let low = lo;
    let high = hi;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (this.offsetAt(mid) === offsetBefore) low = mid;
      else high = mid;
    }
    return high;
  }
}
