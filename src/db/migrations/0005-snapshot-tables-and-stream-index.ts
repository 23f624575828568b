import { type Kysely, sql } from 'kysely';

/**
 * The write side's own tables.
 *
 * Snapshots: the hot state keeps its row in `stream_snapshots`, now with the chain's last hash, the
 * position of its last event and the fingerprints of everything archived as columns of their own;
 * archived ended appointments and idempotency entries get a table keyed by (stream, kind, key), where
 * version 2 kept them all in `stream_snapshots` under suffixed stream names (`#a:`, `#k:`, `#f`).
 * Rows of versions before 3 are ignored by the code from now on, so they go.
 *
 * `stream_index`: the stream of every entity commands address by id alone (appointments). An event
 * whose metadata says it `creates` entities (the command handler's envelope writes that) indexes
 * them as it is appended, in the append's own transaction: the trigger below. With the events in
 * EventStoreDB the command handler writes the entries itself, before the append. Entities created
 * before this migration are indexed once, at start-up (src/commands/stream-index.ts).
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `DELETE FROM stream_snapshots WHERE schema_version < 3;
       ALTER TABLE stream_snapshots
         ADD COLUMN last_hash text,
         ADD COLUMN position text,
         ADD COLUMN archive_fingerprints bytea;

       CREATE TABLE stream_snapshot_archive (
         stream_name    text NOT NULL,
         kind           text NOT NULL CHECK (kind IN ('appointment', 'idempotency')),
         key            text NOT NULL,
         revision       bigint NOT NULL,
         schema_version int NOT NULL,
         body           jsonb NOT NULL,
         PRIMARY KEY (stream_name, kind, key)
       );

       CREATE TABLE stream_index (
         entity_id   text PRIMARY KEY,
         stream_name text NOT NULL
       );

       -- Per element, no set-returning function: an append pays a few microseconds per entity.
       CREATE FUNCTION stream_index_created_entities() RETURNS trigger LANGUAGE plpgsql AS $fn$
       DECLARE
         v_id text;
       BEGIN
         FOR i IN 0 .. jsonb_array_length(NEW.metadata -> 'creates') - 1 LOOP
           v_id := NEW.metadata -> 'creates' ->> i;
           IF v_id IS NOT NULL THEN
             INSERT INTO stream_index (entity_id, stream_name) VALUES (v_id, NEW.stream_name) ON CONFLICT (entity_id) DO NOTHING;
           END IF;
         END LOOP;
         RETURN NULL;
       END
       $fn$;
       CREATE TRIGGER es_events_stream_index AFTER INSERT ON es_events
         FOR EACH ROW WHEN (jsonb_typeof(NEW.metadata -> 'creates') = 'array')
         EXECUTE FUNCTION stream_index_created_entities();`,
    )
    .execute(db);
}
