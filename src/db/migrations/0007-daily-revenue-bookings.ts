import { type Kysely, sql } from 'kysely';

/**
 * `rm_daily_stats.revenue_bookings`: per currency, how many of the day's bookings `revenue` sums. The
 * analytics fold adds and takes out one booking at a time, and a currency stays in `revenue` exactly
 * while some booking carries it (a price of 0 included), which a sum alone cannot tell. Existing rows
 * are filled from the facts.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `ALTER TABLE rm_daily_stats ADD COLUMN revenue_bookings jsonb NOT NULL DEFAULT '{}'::jsonb;

       UPDATE rm_daily_stats s SET revenue_bookings = c.counts
         FROM (SELECT provider_id, local_date, service_id, jsonb_object_agg(currency, n) AS counts
                 FROM (SELECT provider_id, local_date, service_id, price_currency AS currency, count(*) AS n
                         FROM rm_analytics_appointments
                        WHERE status <> 'CANCELLED' AND price_currency IS NOT NULL
                        GROUP BY provider_id, local_date, service_id, price_currency) per_currency
                GROUP BY provider_id, local_date, service_id) c
        WHERE s.provider_id = c.provider_id AND s.date = c.local_date AND s.service_id = c.service_id;`,
    )
    .execute(db);
}
