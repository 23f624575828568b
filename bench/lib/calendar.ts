/** The benchmarks' providers: open every day around the clock, in UTC, with 30-minute slots. */

export const DAY_MS = 86_400_000;
export const HALF_HOUR_MS = 30 * 60_000;

const EVERY_DAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** Weekly hours 00:00–24:00 on every weekday, as both SetWeeklyHours and the GraphQL input take them. */
export const ALL_DAY_EVERY_DAY = EVERY_DAY.map((weekday) => ({ weekday, windows: [{ start: '00:00', end: '24:00' }] }));

/** First midnight (UTC) at least `days` days from now. */
export function midnightAfter(days: number, now = Date.now()): number {
  return Math.ceil((now + days * DAY_MS) / DAY_MS) * DAY_MS;
}
