/**
 * A provider's schedule as the slot engine takes it (`ProviderSchedule`), read from the schedule
 * read model: zone and weekly hours from `rm_providers`, overrides sorted exactly as `scheduleOf`
 * sorts them (by date, then id, in JavaScript string order rather than a collation's).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { ProviderSchedule, ScheduleOverride } from '../../domain/schedule/types';

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Null for an unknown provider. `dates` narrows the overrides read (inclusive `YYYY-MM-DD` bounds). */
export async function readProviderSchedule(
  db: Kysely<Database>,
  providerId: string,
  dates: { readonly from?: string; readonly to?: string } = {},
): Promise<ProviderSchedule | null> {
  const provider = await db.selectFrom('rm_providers').select(['time_zone', 'weekly_hours']).where('id', '=', providerId).executeTakeFirst();
  if (provider === undefined) return null;
  let q = db
    .selectFrom('rm_schedule_overrides')
    .select(['id', 'blocked', 'windows', 'reason'])
    .select((eb) => eb.fn<string>('to_char', ['date', eb.val('YYYY-MM-DD')]).as('day'))
    .where('provider_id', '=', providerId);
  if (dates.from !== undefined) q = q.where('date', '>=', dates.from);
  if (dates.to !== undefined) q = q.where('date', '<=', dates.to);
  const overrides = await q.execute();
  return {
    timeZone: provider.time_zone,
    weeklyHours: provider.weekly_hours,
    overrides: overrides
      .map((o): ScheduleOverride => ({ id: o.id, date: o.day, blocked: o.blocked, windows: o.windows, reason: o.reason }))
      .sort((a, b) => compare(a.date, b.date) || compare(a.id, b.id)),
  };
}
