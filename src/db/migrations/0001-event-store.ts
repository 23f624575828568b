import { type Kysely, sql } from 'kysely';

/**
 * Tables and the append function of the PostgreSQL event store, plus the app's settings and the
 * command handler's snapshots. Plain SQL, valid on PostgreSQL 13+ (xid8) and on PGlite.
 *
 * Global order: `(transaction_id, global_position)`. A reader only returns events whose transaction id
 * is below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`), so an
 * event that commits late with a lower sequence number can never be skipped: until it commits (or
 * aborts) nothing after it is visible either. This is the transaction-id visibility scheme of mature
 * PostgreSQL event stores (Marten, Emmett).
 *
 * Frozen: this is the SQL as it was first released, character for character, so a database migrated
 * by any version ran exactly this. Later changes are later migrations (0004 replaces `es_append`).
 */
const EVENT_STORE_SQL = `
CREATE TABLE es_streams (
  stream_name text PRIMARY KEY,
  revision    bigint NOT NULL
);

CREATE TABLE es_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_name     text NOT NULL,
  stream_revision bigint NOT NULL,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT es_events_stream_revision_key UNIQUE (stream_name, stream_revision)
);

CREATE INDEX es_events_global_order ON es_events (transaction_id, global_position);
CREATE INDEX es_events_stream_event_id ON es_events (stream_name, event_id);

-- One round trip per append: lock the stream row, check the expected revision, detect an idempotent
-- re-append of the same event ids, insert, bump the revision. Outcomes:
--   'appended' | 'idempotent'  -> revision = last revision, commit/prepare = its position
--   'wrong_expected_version'   -> revision = actual revision (-1 = no stream)
CREATE FUNCTION es_append(p_stream text, p_expected_kind text, p_expected bigint, p_events jsonb)
RETURNS TABLE (outcome text, revision bigint, commit_position text, prepare_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_current bigint;
  v_count   int := jsonb_array_length(p_events);
  v_first   bigint;
  v_matched int;
  v_ok      boolean;
BEGIN
  INSERT INTO es_streams (stream_name, revision) VALUES (p_stream, -1) ON CONFLICT (stream_name) DO NOTHING;
  SELECT s.revision INTO v_current FROM es_streams s WHERE s.stream_name = p_stream FOR UPDATE;

  v_ok := CASE p_expected_kind
            WHEN 'any' THEN true
            WHEN 'no_stream' THEN v_current = -1
            WHEN 'stream_exists' THEN v_current >= 0
            ELSE v_current = p_expected
          END;

  -- Idempotency (as EventStoreDB): the same ids already written, in order, where this append would have put them.
  IF NOT v_ok OR p_expected_kind IN ('any', 'stream_exists') THEN
    SELECT min(e.stream_revision) INTO v_first
      FROM es_events e
     WHERE e.stream_name = p_stream AND e.event_id = (p_events -> 0 ->> 'id')::uuid;
    IF v_first IS NOT NULL AND (
         p_expected_kind IN ('any', 'stream_exists')
      OR (p_expected_kind = 'no_stream' AND v_first = 0)
      OR (p_expected_kind = 'revision' AND v_first = p_expected + 1)) THEN
      SELECT count(*) INTO v_matched
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS u(ev, ord)
        JOIN es_events e
          ON e.stream_name = p_stream
         AND e.stream_revision = v_first + u.ord - 1
         AND e.event_id = (u.ev ->> 'id')::uuid;
      IF v_matched = v_count THEN
        RETURN QUERY
          SELECT 'idempotent'::text, e.stream_revision, e.transaction_id::text, e.global_position
            FROM es_events e
           WHERE e.stream_name = p_stream AND e.stream_revision = v_first + v_count - 1;
        RETURN;
      END IF;
    END IF;
  END IF;

  IF NOT v_ok THEN
    IF v_current = -1 THEN
      DELETE FROM es_streams s WHERE s.stream_name = p_stream AND s.revision = -1;
    END IF;
    RETURN QUERY SELECT 'wrong_expected_version'::text, v_current, NULL::text, NULL::bigint;
    RETURN;
  END IF;

  UPDATE es_streams s SET revision = v_current + v_count WHERE s.stream_name = p_stream;

  RETURN QUERY
    WITH inserted AS (
      INSERT INTO es_events (stream_name, stream_revision, event_id, event_type, data, metadata)
      SELECT p_stream, v_current + u.ord, (u.ev ->> 'id')::uuid, u.ev ->> 'type', u.ev -> 'data',
             COALESCE(u.ev -> 'metadata', '{}'::jsonb)
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS u(ev, ord)
      RETURNING es_events.stream_revision, es_events.transaction_id, es_events.global_position
    )
    SELECT 'appended'::text, i.stream_revision, i.transaction_id::text, i.global_position
      FROM inserted i ORDER BY i.stream_revision DESC LIMIT 1;
END
$fn$;
`;

// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(EVENT_STORE_SQL).execute(db);
  await sql
    .raw(
      `CREATE TABLE app_settings (key text PRIMARY KEY, value text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
       CREATE TABLE stream_snapshots (
         stream_name text PRIMARY KEY,
         revision bigint NOT NULL,
         schema_version int NOT NULL,
         state jsonb NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       );`,
    )
    .execute(db);
}
