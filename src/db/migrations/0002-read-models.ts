import { type Kysely, sql } from 'kysely';

/**
 * Read models of the projections in src/projections, plus the projection checkpoints.
 *
 * Plain SQL valid on PostgreSQL 15 and PGlite (PostgreSQL 18). Indexes and constraints are left
 * unnamed on purpose: a rebuild copies each table with `LIKE ... INCLUDING ALL`, which names the
 * copies the way PostgreSQL names unnamed ones, so a rebuilt table carries exactly these names.
 * Read-model tables have no foreign keys: they are derived data, rebuilt and swapped table by table.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE EXTENSION IF NOT EXISTS btree_gist;

       CREATE TABLE projection_checkpoints (
         name       text PRIMARY KEY,
         position   text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       );

       -- ---- projection "schedule": providers, services, hours, overrides, appointments, busy intervals ----

       CREATE TABLE rm_providers (
         id           text PRIMARY KEY,
         owner_id     text NOT NULL,
         name         text NOT NULL,
         kind         text,
         bio          text,
         time_zone    text NOT NULL,
         weekly_hours jsonb NOT NULL DEFAULT '[]'::jsonb,
         created_at   timestamptz NOT NULL,
         updated_at   timestamptz NOT NULL,
         revision     bigint NOT NULL
       );
       CREATE INDEX ON rm_providers (name, id);
       CREATE INDEX ON rm_providers (owner_id);

       CREATE TABLE rm_services (
         id                        text PRIMARY KEY,
         provider_id               text NOT NULL,
         name                      text NOT NULL,
         duration_minutes          int NOT NULL,
         buffer_before_minutes     int NOT NULL,
         buffer_after_minutes      int NOT NULL,
         slot_interval_minutes     int NOT NULL,
         min_notice_minutes        int NOT NULL,
         max_advance_days          int NOT NULL,
         cancellation_window_hours int NOT NULL,
         capacity                  int NOT NULL,
         requires_confirmation     boolean NOT NULL,
         virtual                   boolean NOT NULL,
         price_amount_minor        bigint,
         price_currency            text,
         active                    boolean NOT NULL,
         offered_revision          bigint NOT NULL
       );
       CREATE INDEX ON rm_services (provider_id, offered_revision);

       CREATE TABLE rm_schedule_overrides (
         id          text PRIMARY KEY,
         provider_id text NOT NULL,
         date        date NOT NULL,
         blocked     boolean NOT NULL,
         windows     jsonb NOT NULL,
         reason      text
       );
       CREATE INDEX ON rm_schedule_overrides (provider_id, date, id);

       CREATE TABLE rm_appointments (
         id                        text PRIMARY KEY,
         provider_id               text NOT NULL,
         owner_id                  text NOT NULL,
         service_id                text NOT NULL,
         customer_id               text NOT NULL,
         start_at                  timestamptz NOT NULL,
         end_at                    timestamptz NOT NULL,
         status                    text NOT NULL,
         notes                     text,
         buffer_before_minutes     int NOT NULL,
         buffer_after_minutes      int NOT NULL,
         capacity                  int NOT NULL,
         cancellation_window_hours int NOT NULL,
         price_amount_minor        bigint,
         price_currency            text,
         created_at                timestamptz NOT NULL,
         cancelled_at              timestamptz,
         cancelled_by              text,
         cancelled_by_role         text,
         cancellation_reason       text,
         late_cancellation         boolean NOT NULL DEFAULT false,
         updated_at                timestamptz NOT NULL,
         revision                  bigint NOT NULL
       );
       CREATE INDEX ON rm_appointments (customer_id, start_at, id);
       CREATE INDEX ON rm_appointments (owner_id, start_at, id);
       CREATE INDEX ON rm_appointments (provider_id, start_at, id);

       -- Live (PENDING/CONFIRMED) appointments as the slot engine's busy list, with a second,
       -- independent guard against double booking that mirrors the slot engine's rules:
       -- * overlap: two occupied ranges (appointment plus its own buffers) of one provider may only
       --   meet when both are seats of one class session, i.e. the same service at the same start
       --   (session_key = service_id || '@' || start). Enforced by the exclusion constraint.
       -- * seats: a booking may join a session only while the session has a seat left by the
       --   joining booking's capacity (what the decider checked). Enforced by the trigger below.
       --   Without it a second one-to-one booking at the very same start would pass the exclusion.
       CREATE TABLE rm_busy_intervals (
         appointment_id        text PRIMARY KEY,
         provider_id           text NOT NULL,
         service_id            text NOT NULL,
         start_at              timestamptz NOT NULL,
         end_at                timestamptz NOT NULL,
         buffer_before_minutes int NOT NULL,
         buffer_after_minutes  int NOT NULL,
         capacity              int NOT NULL,
         session_key           text NOT NULL,
         occupied              tstzrange NOT NULL,
         EXCLUDE USING gist (provider_id WITH =, occupied WITH &&, session_key WITH <>)
       );
       CREATE INDEX ON rm_busy_intervals (provider_id, session_key);

       -- Works on whichever copy of the table fired it (a rebuild's shadow copy too).
       CREATE FUNCTION rm_busy_intervals_seat_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
       DECLARE
         v_taken int;
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.provider_id = OLD.provider_id AND NEW.session_key = OLD.session_key
            AND NEW.capacity >= OLD.capacity THEN
           RETURN NEW;
         END IF;
         EXECUTE format('SELECT count(*) FROM %I.%I WHERE provider_id = $1 AND session_key = $2 AND appointment_id <> $3',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME)
           INTO v_taken USING NEW.provider_id, NEW.session_key, NEW.appointment_id;
         IF v_taken + 1 > NEW.capacity THEN
           RAISE EXCEPTION 'session % of provider % is full: % seats taken, capacity %',
             NEW.session_key, NEW.provider_id, v_taken, NEW.capacity
             USING ERRCODE = 'check_violation', CONSTRAINT = 'rm_busy_intervals_seats';
         END IF;
         RETURN NEW;
       END
       $fn$;
       CREATE TRIGGER rm_busy_intervals_seats BEFORE INSERT OR UPDATE ON rm_busy_intervals
         FOR EACH ROW EXECUTE FUNCTION rm_busy_intervals_seat_guard();

       -- A recorded event the read model could not take as it is: an invariant breach (a busy
       -- interval the guards above refused) or an event whose row the database refused. The row is
       -- skipped, the breach is kept here, and the projection moves on.
       CREATE TABLE rm_invariant_breaches (
         projection      text NOT NULL,
         position        text NOT NULL,
         subject         text NOT NULL,
         kind            text NOT NULL,
         provider_id     text,
         event_type      text NOT NULL,
         stream_revision bigint NOT NULL,
         detail          text NOT NULL,
         recorded_at     timestamptz NOT NULL,
         PRIMARY KEY (projection, position, subject, kind)
       );

       -- ---- projection "analytics": per-appointment facts and their daily aggregate ----

       CREATE TABLE rm_analytics_providers (
         provider_id text PRIMARY KEY,
         time_zone   text NOT NULL
       );

       CREATE TABLE rm_analytics_appointments (
         appointment_id     text PRIMARY KEY,
         provider_id        text NOT NULL,
         service_id         text NOT NULL,
         start_at           timestamptz NOT NULL,
         local_date         date NOT NULL,
         minutes            int NOT NULL,
         status             text NOT NULL,
         late               boolean NOT NULL,
         price_amount_minor bigint,
         price_currency     text
       );
       CREATE INDEX ON rm_analytics_appointments (provider_id, local_date, service_id);

       CREATE TABLE rm_daily_stats (
         provider_id    text NOT NULL,
         date           date NOT NULL,
         service_id     text NOT NULL,
         booked         int NOT NULL,
         cancelled      int NOT NULL,
         late_cancelled int NOT NULL,
         no_shows       int NOT NULL,
         completed      int NOT NULL,
         booked_minutes bigint NOT NULL,
         revenue        jsonb NOT NULL DEFAULT '{}'::jsonb,
         PRIMARY KEY (provider_id, date, service_id)
       );`,
    )
    .execute(db);
}
