import { type Kysely, sql } from 'kysely';

/**
 * `rm_services` keeps a service's definition as one jsonb document (`definition`, the fields of the
 * service's newest ServiceOffered/ServiceUpdated event), so a new service field needs no read-model
 * change. Existing rows are filled from the columns they replace, which then go.
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
         DROP COLUMN price_currency;`,
    )
    .execute(db);
}
