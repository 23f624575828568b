import { type Kysely, sql } from 'kysely';

/**
 * Migration 0004: a cheaper `es_append` (same arguments, same outcomes) and `es_append_batch`.
 *
 * - Fast paths for the two expected revisions command handlers send. A number: one
 *   `UPDATE ... WHERE revision = expected` checks, locks and moves the stream in one statement
 *   (a concurrent writer makes it match nothing after waiting for the row, as READ COMMITTED
 *   re-checks the updated row). `no_stream`: one `INSERT ... ON CONFLICT DO NOTHING` of the final
 *   revision. When a fast path matches nothing, the general path below decides exactly as before:
 *   lock, compare, idempotent re-append or wrong expected version.
 * - OUT parameters instead of RETURNS TABLE, and a plain INSERT for a single event: no tuplestore,
 *   no set-returning wrapper around one row.
 * - `es_append_batch`: several appends (to any streams) in one call, hence one transaction and one
 *   commit; each keeps its own outcome, exactly what `es_append` would have answered had the appends
 *   run one after another in the order given. The caller orders them by stream name, so two batches
 *   lock stream rows in the same order and cannot deadlock.
 *
 * Frozen: the SQL as it was first released, character for character.
 */
const FASTER_APPEND_SQL = `
DROP FUNCTION es_append(text, text, bigint, jsonb);

CREATE FUNCTION es_append(p_stream text, p_expected_kind text, p_expected bigint, p_events jsonb,
  OUT outcome text, OUT revision bigint, OUT commit_position text, OUT prepare_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_current bigint;
  v_count   int := jsonb_array_length(p_events);
  v_first   bigint;
  v_matched int;
  v_ok      boolean;
  v_done    boolean := false;
  v_event   jsonb;
BEGIN
  IF p_expected_kind = 'revision' THEN
    UPDATE es_streams s SET revision = p_expected + v_count WHERE s.stream_name = p_stream AND s.revision = p_expected;
    v_done := FOUND;
    v_current := p_expected;
  ELSIF p_expected_kind = 'no_stream' THEN
    INSERT INTO es_streams (stream_name, revision) VALUES (p_stream, v_count - 1) ON CONFLICT (stream_name) DO NOTHING;
    v_done := FOUND;
    v_current := -1;
  END IF;

  IF NOT v_done THEN
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
          outcome := 'idempotent';
          SELECT e.stream_revision, e.transaction_id::text, e.global_position
            INTO revision, commit_position, prepare_position
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
      outcome := 'wrong_expected_version';
      revision := v_current;
      RETURN;
    END IF;

    UPDATE es_streams s SET revision = v_current + v_count WHERE s.stream_name = p_stream;
  END IF;

  outcome := 'appended';
  revision := v_current + v_count;
  IF v_count = 1 THEN
    v_event := p_events -> 0;
    INSERT INTO es_events (stream_name, stream_revision, event_id, event_type, data, metadata)
    VALUES (p_stream, v_current + 1, (v_event ->> 'id')::uuid, v_event ->> 'type', v_event -> 'data',
            COALESCE(v_event -> 'metadata', '{}'::jsonb))
    RETURNING es_events.transaction_id::text, es_events.global_position INTO commit_position, prepare_position;
  ELSE
    WITH inserted AS (
      INSERT INTO es_events (stream_name, stream_revision, event_id, event_type, data, metadata)
      SELECT p_stream, v_current + u.ord, (u.ev ->> 'id')::uuid, u.ev ->> 'type', u.ev -> 'data',
             COALESCE(u.ev -> 'metadata', '{}'::jsonb)
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS u(ev, ord)
      RETURNING es_events.stream_revision, es_events.transaction_id, es_events.global_position
    )
    SELECT i.transaction_id::text, i.global_position INTO commit_position, prepare_position
      FROM inserted i ORDER BY i.stream_revision DESC LIMIT 1;
  END IF;
END
$fn$;

-- p_appends: [{"s": stream, "k": kind, "e": expected or null, "ev": [events as for es_append]}, ...]
CREATE FUNCTION es_append_batch(p_appends jsonb)
RETURNS TABLE (ord int, outcome text, revision bigint, commit_position text, prepare_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_append jsonb;
  v_i      int := 0;
BEGIN
  FOR v_append IN SELECT a FROM jsonb_array_elements(p_appends) AS a LOOP
    ord := v_i;
    SELECT r.outcome, r.revision, r.commit_position, r.prepare_position
      INTO outcome, revision, commit_position, prepare_position
      FROM es_append(v_append ->> 's', v_append ->> 'k', (v_append ->> 'e')::bigint, v_append -> 'ev') AS r;
    RETURN NEXT;
    v_i := v_i + 1;
  END LOOP;
END
$fn$;
`;

// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(FASTER_APPEND_SQL).execute(db);
}
