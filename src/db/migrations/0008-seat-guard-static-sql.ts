import { type Kysely, sql } from 'kysely';

/**
 * The seat guard of rm_busy_intervals (migration 0002) without dynamic SQL: `EXECUTE format(...)`
 * parsed and planned its count for every row, which made inserting busy rows three times as slow. The
 * count now names the table unqualified, so it runs a cached plan on whichever copy the search path
 * points at: the live table, or a rebuild's shadow copy (the rebuild sets `search_path` to the shadow
 * schema first, and PostgreSQL re-plans a cached statement when the search path changes). Same rule,
 * same error.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION rm_busy_intervals_seat_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
