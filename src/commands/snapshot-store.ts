import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { JsonValue } from '../events/event-store';

export interface StoredSnapshot {
  readonly revision: number;
  readonly lastHash: string | null;
  readonly state: JsonValue;
}

/** Persisted state of a stream at a revision, so a cold process does not replay a long stream. */
export interface SnapshotStore {
  load(streamName: string, schemaVersion: number): Promise<StoredSnapshot | null>;
  save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot): Promise<void>;
}

/** Snapshots live in PostgreSQL next to the read models, whichever engine holds the events. */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(private readonly db: Kysely<Database>) {}

  async load(streamName: string, schemaVersion: number): Promise<StoredSnapshot | null> {
    const row = await this.db
      .selectFrom('stream_snapshots')
      .select(['revision', 'state'])
      .where('stream_name', '=', streamName)
      .where('schema_version', '=', schemaVersion)
      .executeTakeFirst();
    if (!row) return null;
    const body = row.state as { lastHash: string | null; state: JsonValue };
    return { revision: Number(row.revision), lastHash: body.lastHash, state: body.state };
  }

  async save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot): Promise<void> {
    const state = JSON.stringify({ lastHash: snapshot.lastHash, state: snapshot.state });
    await this.db
      .insertInto('stream_snapshots')
      .values({ stream_name: streamName, revision: snapshot.revision, schema_version: schemaVersion, state })
      .onConflict((oc) =>
        oc.column('stream_name').doUpdateSet({ revision: snapshot.revision, schema_version: schemaVersion, state, updated_at: new Date() })
          // Never let a slower writer replace a newer snapshot.
          .where('stream_snapshots.revision', '<', String(snapshot.revision)),
      )
      .execute();
  }
}
