import { clipIntervals, isUsableWindow, mergeIntervals, subtractIntervals } from './intervals';
import { parseLocalTime } from './local-time';
import { WEEKDAYS, type Interval, type LocalWindow, type ProviderSchedule } from './types';
import { isoWeekdayOf, localDayFromIso, ZoneClock, type LocalDay } from './zone-clock';

/** A local window as minutes after local midnight; `end` may be 1440 (the following midnight). */
interface MinuteWindow {
  readonly start: number;
  readonly end: number;
}

/** Every override of one date folded together: several overrides on a date all apply. */
interface DayOverrides {
  readonly closed: boolean;
  readonly extra: readonly MinuteWindow[];
  readonly blocked: readonly MinuteWindow[];
}

/** Malformed windows are dropped rather than reported: validation happens before data reaches the engine. */
function toMinuteWindows(windows: readonly LocalWindow[]): MinuteWindow[] {
  const parsed: MinuteWindow[] = [];
  for (const w of windows) {
    const start = parseLocalTime(w.start);
    const end = parseLocalTime(w.end);
    if (start !== null && end !== null && end > start) parsed.push({ start, end });
  }
  return parsed;
}

/**
 * A provider's working time as real instants, one local date at a time. Each date's intervals depend on
 * that date's rules only, so any window computes the same instants for a date as any other window.
 */
export class WorkingCalendar {
  private readonly days = new Map<LocalDay, readonly Interval[]>();

  private constructor(
    readonly clock: ZoneClock,
    private readonly weekly: ReadonlyMap<number, readonly MinuteWindow[]>,
    private readonly overrides: ReadonlyMap<LocalDay, DayOverrides>,
  ) {}

  /** Null when the schedule's zone is unknown: such a schedule has no working time at all. */
  static of(schedule: ProviderSchedule): WorkingCalendar | null {
    const clock = ZoneClock.of(schedule.timeZone);
    if (clock === null) return null;

    const weekly = new Map<number, MinuteWindow[]>();
    for (const hours of schedule.weeklyHours) {
      const isoWeekday = WEEKDAYS.indexOf(hours.weekday) + 1;
      if (isoWeekday === 0) continue;
      weekly.set(isoWeekday, [...(weekly.get(isoWeekday) ?? []), ...toMinuteWindows(hours.windows)]);
    }

    const overrides = new Map<LocalDay, DayOverrides>();
    for (const o of schedule.overrides) {
      const day = localDayFromIso(o.date);
      if (day === null) continue;
      const current = overrides.get(day) ?? { closed: false, extra: [], blocked: [] };
      const windows = toMinuteWindows(o.windows);
      overrides.set(
        day,
        !o.blocked
          ? { ...current, extra: [...current.extra, ...windows] }
          : o.windows.length === 0
            ? { ...current, closed: true }
            : { ...current, blocked: [...current.blocked, ...windows] },
      );
    }
    return new WorkingCalendar(clock, weekly, overrides);
  }

  /** Merged working intervals contributed by one local date (may end after that date's last midnight). */
  day(day: LocalDay): readonly Interval[] {
    const cached = this.days.get(day);
    if (cached !== undefined) return cached;
    const computed = this.computeDay(day);
    this.days.set(day, computed);
    return computed;
  }

  /** Merged working intervals of the local dates `from`…`to` (inclusive), joined across midnights. */
  between(from: LocalDay, to: LocalDay): Interval[] {
    const all: Interval[] = [];
    for (let d = from; d <= to; d += 1) all.push(...this.day(d));
    return mergeIntervals(all);
  }

  private computeDay(day: LocalDay): readonly Interval[] {
    const override = this.overrides.get(day);
    if (override?.closed === true) return [];
    const open = [...(this.weekly.get(isoWeekdayOf(day)) ?? []), ...(override?.extra ?? [])];
    const intervals = mergeIntervals(open.map((w) => this.toInterval(day, w)));
    return override === undefined || override.blocked.length === 0
      ? intervals
      : subtractIntervals(intervals, override.blocked.map((w) => this.toInterval(day, w)));
  }

  /**
   * From the first instant showing `start` to the last instant showing `end`: a repeated hour inside a
   * window is real working time, and a skipped one simply is not there.
   */
  private toInterval(day: LocalDay, window: MinuteWindow): Interval {
    return {
      start: this.clock.instantOf(day, window.start, 'earliest'),
      end: this.clock.instantOf(day, window.end, 'latest'),
    };
  }
}

/** Real UTC intervals of working time (weekly hours + overrides applied, merged), clipped to `window`. */
export function workingIntervals(schedule: ProviderSchedule, window: Interval): Interval[] {
  const calendar = WorkingCalendar.of(schedule);
  if (calendar === null || !isUsableWindow(window)) return [];
  // A day before: the previous date's hours may run across midnight into the window.
  const from = calendar.clock.dayOf(window.start) - 1;
  const to = calendar.clock.dayOf(window.end - 1) + 1;
  return clipIntervals(calendar.between(from, to), window);
}
