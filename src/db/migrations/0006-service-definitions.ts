import { type Kysely, sql } from 'kysely';

/**
 * The read models as the projections' folds keep them (issue 12):
 * - `rm_services` keeps a service's definition as one jsonb document (`definition`, the fields of the
 *   service's newest ServiceOffered/ServiceUpdated event), so a new service field needs no read-model
 *   change. Existing rows are filled from the columns they replace, which then go.
 * - `rm_daily_stats.revenue_bookings`: per currency, how many of the day's bookings `revenue` sums.
 *   The analytics fold adds and takes out one booking at a time, and a currency stays in `revenue`
 *   exactly while some booking carries it (a price of 0 included), which a sum alone cannot tell.
 *   Existing rows are filled from the facts.
 * - The seat guard of rm_busy_intervals (migration 0002) without dynamic SQL: `EXECUTE format(...)`
 *   parsed and planned its count for every row, which made inserting busy rows three times as slow.
 *   The count now names the table unqualified, so it runs a cached plan on whichever copy the search
 *   path points at: the live table, or a rebuild's shadow copy (the rebuild sets `search_path` to the
 *   shadow schema first, and PostgreSQL re-plans a cached statement when the search path changes).
 *   Same rule, same error.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `ALTER TABLE rm_services ADD COLUMN definition jsonb;

       UPDATE rm_services SET definition = jsonb_build_object(
         'name', name,
         'durationMinutes', duration_minutes,
         'bufferBeforeMinutes', buffer_before_minutes,
         'bufferAfterMinutes', buffer_after_minutes,
         'slotIntervalMinutes', slot_interval_minutes,
         'minNoticeMinutes', min_notice_minutes,
         'maxAdvanceDays', max_advance_days,
         'cancellationWindowHours', cancellation_window_hours,
         'capacity', capacity,
         'requiresConfirmation', requires_confirmation,
         'virtual', virtual,
         'price', CASE WHEN price_currency IS NULL THEN 'null'::jsonb
                       ELSE jsonb_build_object('amountMinor', price_amount_minor, 'currency', price_currency) END);

       ALTER TABLE rm_services
         ALTER COLUMN definition SET NOT NULL,
         DROP COLUMN name,
         DROP COLUMN duration_minutes,
         DROP COLUMN buffer_before_minutes,
         DROP COLUMN buffer_after_minutes,
         DROP COLUMN slot_interval_minutes,
         DROP COLUMN min_notice_minutes,
         DROP COLUMN max_advance_days,
         DROP COLUMN cancellation_window_hours,
         DROP COLUMN capacity,
         DROP COLUMN requires_confirmation,
         DROP COLUMN virtual,
         DROP COLUMN price_amount_minor,
         DROP COLUMN price_currency;

       ALTER TABLE rm_daily_stats ADD COLUMN revenue_bookings jsonb NOT NULL DEFAULT '{}'::jsonb;

       UPDATE rm_daily_stats s SET revenue_bookings = c.counts
         FROM (SELECT provider_id, local_date, service_id, jsonb_object_agg(currency, n) AS counts
                 FROM (SELECT provider_id, local_date, service_id, price_currency AS currency, count(*) AS n
                         FROM rm_analytics_appointments
                        WHERE status <> 'CANCELLED' AND price_currency IS NOT NULL
                        GROUP BY provider_id, local_date, service_id, price_currency) per_currency
                GROUP BY provider_id, local_date, service_id) c
        WHERE s.provider_id = c.provider_id AND s.date = c.local_date AND s.service_id = c.service_id;

       CREATE OR REPLACE FUNCTION rm_busy_intervals_seat_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
       DECLARE
         v_taken int;
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.provider_id = OLD.provider_id AND NEW.session_key = OLD.session_key
            AND NEW.capacity >= OLD.capacity THEN
           RETURN NEW;
         END IF;
         SELECT count(*) INTO v_taken FROM rm_busy_intervals
          WHERE provider_id = NEW.provider_id AND session_key = NEW.session_key AND appointment_id <> NEW.appointment_id;
         IF v_taken + 1 > NEW.capacity THEN
           RAISE EXCEPTION 'session % of provider % is full: % seats taken, capacity %',
             NEW.session_key, NEW.provider_id, v_taken, NEW.capacity
             USING ERRCODE = 'check_violation', CONSTRAINT = 'rm_busy_intervals_seats';
         END IF;
         RETURN NEW;
       END
       $fn$;`,
    )
    .execute(db);
}
