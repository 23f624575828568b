import { mergeIntervals } from './intervals';
import type { Interval } from './types';
import type { WorkingCalendar } from './working-time';
import { DAY_MS, isoWeekdayOf, type LocalDay } from './zone-clock';

export interface GridRules {
  readonly durationMs: number;
  readonly stepMs: number;
}

/**
 * Working time that never pauses (24/7 hours) has no start to anchor a grid on. Such a chain restarts its
 * grid at local Monday midnight once it has already run through the previous Monday midnight, i.e. only
 * chains longer than a week are affected; everything shorter keeps its own start as the anchor.
 */
const DAYS_PER_WEEK = 7;
/** Shorter than any local week (even one that lost a day to a date-line change), so never re-anchored. */
const SHORT_CHAIN_MS = 5 * DAY_MS;
/** Far enough back that the chain's true start no longer matters: it lies before the previous Monday. */
const LOOKBACK_LIMIT_MS = 15 * DAY_MS;

/**
 * Every instant at which an appointment of `rules.durationMs` may start inside working time, for starts
 * in [window.start, window.end), ascending. The grid depends on the schedule only, never on the window:
 * a single instant asked about alone gets the same answer as in a month-long listing.
 */
export function candidateStarts(calendar: WorkingCalendar, rules: GridRules, window: Interval): number[] {
  const clock = calendar.clock;
  let from = clock.dayOf(window.start) - 1;
  const to = clock.dayOf(window.end - 1 + rules.durationMs) + 1;
  let intervals = calendar.between(from, to);

  // The first interval may have begun on an earlier date (hours running across midnight); its grid is
  // anchored where it really began, so walk back until no earlier date joins it.
  for (;;) {
    const first = intervals[0];
    if (first === undefined || first.end <= window.start || first.start <= window.start - LOOKBACK_LIMIT_MS) break;
    from -= 1;
    const earlier = calendar.day(from);
    if (!earlier.some((i) => i.end >= first.start)) break;
    intervals = mergeIntervals([...earlier, ...intervals]);
  }

  const starts: number[] = [];
  for (const interval of intervals) {
    // The appointment itself must fit inside the interval; only its start must fall in the window.
    const latest = interval.end - rules.durationMs;
    let position = Math.max(interval.start, window.start);
    if (interval.end - interval.start < SHORT_CHAIN_MS) {
      pushGrid(starts, interval.start, rules.stepMs, position, window.end, latest);
      continue;
    }
    while (position < window.end && position <= latest) {
      const monday = mondayOnOrBefore(clock.dayOf(position));
      const previousCut = clock.startOfDay(monday - DAYS_PER_WEEK);
      const nextCut = clock.startOfDay(monday + DAYS_PER_WEEK);
      const anchor = interval.start <= previousCut ? clock.startOfDay(monday) : interval.start;
      pushGrid(starts, anchor, rules.stepMs, position, Math.min(window.end, nextCut), latest);
      position = nextCut;
    }
  }
  return starts;
}

function mondayOnOrBefore(day: LocalDay): LocalDay {
  return day - (isoWeekdayOf(day) - 1);
}

/** Appends anchor + k·step for every k landing in [from, until) and not after `latest`. */
function pushGrid(out: number[], anchor: number, step: number, from: number, until: number, latest: number): void {
  for (let t = anchor + Math.ceil((from - anchor) / step) * step; t < until && t <= latest; t += step) out.push(t);
}
