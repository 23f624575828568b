/**
 * `providerAnalytics(providerId, from, to)`: one row per local date in [from, to] (zero rows filled
 * in), summed over services (or one service), plus utilization over the whole range.
 *
 * openMinutes is computed at query time from the schedule read model, with the slot engine's own
 * `workingIntervals`: the working time (weekly hours and overrides, in the provider's current zone)
 * that falls inside that local day's real instants [local midnight, next local midnight) — so a DST
 * day counts its 23 or 25 hours as they are, and time running past midnight counts on the day it
 * happens. Computing it when asked means it is always right for the current hours: nothing to
 * re-project when hours change, and no dependence on the order the two projections run in.
 *
 * utilization = Σ bookedMinutes / Σ openMinutes over the range (0 when nothing was open). Booked
 * minutes count every non-cancelled booking's own duration by its start date (see
 * analytics.projection.ts), so seats of a class count once each and a full class can exceed 1.
 */
import type { Kysely } from 'kysely';
import { DomainError, validationError } from '../../domain/errors';
import { isValidLocalDate } from '../../domain/schedule/local-time';
import { workingIntervals } from '../../domain/schedule/slot-engine';
import type { ProviderSchedule } from '../../domain/schedule/types';
import { DAY_MS, ZoneClock, localDayFromIso } from '../../domain/schedule/zone-clock';
import type { Database } from '../../db/schema';
import type { Money } from '../queries/views';
import { readProviderSchedule } from '../schedule/schedule-reads';

export const MAX_ANALYTICS_DAYS = 366;

export interface DailyStatsView {
  readonly date: string;
  readonly booked: number;
  readonly cancelled: number;
  readonly lateCancelled: number;
  readonly noShows: number;
  readonly completed: number;
  readonly bookedMinutes: number;
  readonly openMinutes: number;
  /** Per currency, sorted by currency code. */
  readonly revenue: readonly Money[];
}

export interface ProviderAnalyticsView {
  readonly providerId: string;
  readonly days: readonly DailyStatsView[];
  readonly utilization: number;
}

const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export async function providerAnalytics(
  db: Kysely<Database>,
  providerId: string,
  from: string,
  to: string,
  options: { readonly serviceId?: string | null } = {},
): Promise<ProviderAnalyticsView> {
  if (!isValidLocalDate(from)) throw validationError('from', 'from must be a date (YYYY-MM-DD)', from);
  if (!isValidLocalDate(to)) throw validationError('to', 'to must be a date (YYYY-MM-DD)', to);
  const firstDay = localDayFromIso(from) as number;
  const lastDay = localDayFromIso(to) as number;
  if (lastDay < firstDay) throw validationError('to', 'to must not be before from', to);
  if (lastDay - firstDay + 1 > MAX_ANALYTICS_DAYS) throw validationError('to', `the range may span at most ${MAX_ANALYTICS_DAYS} days`, to);

  // The day before may run past midnight into the range, so its overrides matter too.
  const schedule = await readProviderSchedule(db, providerId, { from: dateOfDay(firstDay - 1), to: dateOfDay(lastDay + 1) });
  if (schedule === null) throw new DomainError('NOT_FOUND', `Provider ${providerId} not found`);

  let stats = db
    .selectFrom('rm_daily_stats')
    .select((eb) => [
      eb.fn<string>('to_char', ['date', eb.val('YYYY-MM-DD')]).as('day'),
      'booked',
      'cancelled',
      'late_cancelled',
      'no_shows',
      'completed',
      'booked_minutes',
      'revenue',
    ])
    .where('provider_id', '=', providerId)
    .where('date', '>=', from)
    .where('date', '<=', to);
  if (options.serviceId) stats = stats.where('service_id', '=', options.serviceId);
  const rows = await stats.execute();

  const open = openMinutesByDay(schedule, firstDay, lastDay);

  const byDate = new Map<string, { booked: number; cancelled: number; lateCancelled: number; noShows: number; completed: number; bookedMinutes: number; revenue: Map<string, number> }>();
  for (const r of rows) {
    const day = byDate.get(r.day) ?? { booked: 0, cancelled: 0, lateCancelled: 0, noShows: 0, completed: 0, bookedMinutes: 0, revenue: new Map<string, number>() };
    day.booked += Number(r.booked);
    day.cancelled += Number(r.cancelled);
    day.lateCancelled += Number(r.late_cancelled);
    day.noShows += Number(r.no_shows);
    day.completed += Number(r.completed);
    day.bookedMinutes += Number(r.booked_minutes);
    for (const [currency, amount] of Object.entries((r.revenue ?? {}) as Record<string, unknown>)) {
      day.revenue.set(currency, (day.revenue.get(currency) ?? 0) + Number(amount));
    }
    byDate.set(r.day, day);
  }

  const days: DailyStatsView[] = [];
  let booked = 0;
  let opened = 0;
  for (let d = firstDay; d <= lastDay; d++) {
    const date = dateOfDay(d);
    const s = byDate.get(date);
    const openMinutes = open.get(d) ?? 0;
    days.push({
      date,
      booked: s?.booked ?? 0,
      cancelled: s?.cancelled ?? 0,
      lateCancelled: s?.lateCancelled ?? 0,
      noShows: s?.noShows ?? 0,
      completed: s?.completed ?? 0,
      bookedMinutes: s?.bookedMinutes ?? 0,
      openMinutes,
      revenue: [...(s?.revenue ?? new Map<string, number>())]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([currency, amountMinor]) => ({ amountMinor, currency })),
    });
    booked += s?.bookedMinutes ?? 0;
    opened += openMinutes;
  }
  return { providerId, days, utilization: opened > 0 ? booked / opened : 0 };
}

/** Working minutes inside each local day [firstDay, lastDay] of the schedule's zone. */
export function openMinutesByDay(
  schedule: ProviderSchedule,
  firstDay: number,
  lastDay: number,
): Map<number, number> {
  const result = new Map<number, number>();
  const clock = ZoneClock.of(schedule.timeZone);
  if (clock === null) return result;
  const intervals = workingIntervals(schedule, { start: clock.startOfDay(firstDay), end: clock.startOfDay(lastDay + 1) });
  let i = 0;
  for (let d = firstDay; d <= lastDay; d++) {
    const start = clock.startOfDay(d);
    const end = clock.startOfDay(d + 1);
    let ms = 0;
    while (i < intervals.length && (intervals[i] as { end: number }).end <= start) i++;
    for (let j = i; j < intervals.length; j++) {
      const w = intervals[j] as { start: number; end: number };
      if (w.start >= end) break;
      ms += Math.min(w.end, end) - Math.max(w.start, start);
    }
    result.set(d, Math.round(ms / 60_000));
  }
  return result;
}
