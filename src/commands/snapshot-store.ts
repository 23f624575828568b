import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';
import type { JsonValue } from '../events/event-store';
import type { ArchiveRow } from './snapshot-codec';

export interface StoredSnapshot {
  readonly revision: number;
  readonly lastHash: string | null;
  readonly state: JsonValue;
}

/** Which archive row: an archived appointment by id, or an idempotency entry by its index key. */
export interface ArchiveKey {
  readonly kind: ArchiveRow['kind'];
  readonly key: string;
}

/**
 * Persisted state of a stream at a revision, so a cold process does not replay a long stream; and the
 * archive of what that state no longer holds in memory (snapshot-codec.ts), read key by key.
 */
export interface SnapshotStore {
  load(streamName: string, schemaVersion: number): Promise<StoredSnapshot | null>;
  /**
   * Store the snapshot with what it refers to, together: the archive rows it adds and the
   * fingerprints of everything archived so far (`filter`, when anything is).
   */
  save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot, archive?: readonly ArchiveRow[], filter?: string | null): Promise<void>;
  /** The archive fingerprints stored with the stream's snapshot (the newest one), if any. */
  loadFilter(streamName: string, schemaVersion: number): Promise<string | null>;
  /** The bodies of the archive rows that exist among `keys`. */
  loadArchived(streamName: string, schemaVersion: number, keys: readonly ArchiveKey[]): Promise<Array<ArchiveKey & { readonly body: JsonValue }>>;
}

/**
 * Snapshots live in PostgreSQL next to the read models, whichever engine holds the events: the
 * stream's row in `stream_snapshots`, and beside it in the same table its archive fingerprints under
 * `<stream>#f` and its archive rows under `<stream>#a:<digest of the appointment id>` or
 * `<stream>#k:<digest of the idempotency key>`.
 */
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

  async save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot, archive: readonly ArchiveRow[] = [], filter: string | null = null): Promise<void> {
    const state = JSON.stringify({ lastHash: snapshot.lastHash, state: snapshot.state });
    await this.db.transaction().execute(async (trx) => {
      // The archive first: a snapshot never refers to rows that are not there. An archive row only
      // ever holds an ended appointment, so a newer version of one is the one to keep. Rows go in
      // name order, so two processes saving snapshots of one stream lock them in the same order.
      const named = archive.map((r) => ({ name: archiveRowName(streamName, r), body: r.body })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (let i = 0; i < named.length; i += ARCHIVE_ROWS_PER_STATEMENT) {
        const rows = named.slice(i, i + ARCHIVE_ROWS_PER_STATEMENT).map((r) => ({
          stream_name: r.name,
          revision: snapshot.revision,
          schema_version: schemaVersion,
          state: r.body,
        }));
        await sql`
          INSERT INTO stream_snapshots (stream_name, revision, schema_version, state)
          SELECT r.stream_name, r.revision, r.schema_version, r.state
            FROM json_to_recordset(${JSON.stringify(rows)}::json) AS r(stream_name text, revision bigint, schema_version int, state jsonb)
          ON CONFLICT (stream_name) DO UPDATE
            SET revision = EXCLUDED.revision, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, updated_at = now()
            WHERE stream_snapshots.revision < EXCLUDED.revision OR stream_snapshots.schema_version <> EXCLUDED.schema_version`.execute(trx);
      }
      // Then the fingerprints and the snapshot, each only over an older version: written by every
      // save in this order, the two always come from the same (newest) snapshot.
      if (filter !== null) {
        const fingerprints = JSON.stringify(filter);
        await trx
          .insertInto('stream_snapshots')
          .values({ stream_name: filterRowName(streamName), revision: snapshot.revision, schema_version: schemaVersion, state: fingerprints })
          .onConflict((oc) =>
            oc.column('stream_name').doUpdateSet({ revision: snapshot.revision, schema_version: schemaVersion, state: fingerprints, updated_at: new Date() })
              .where('stream_snapshots.revision', '<', String(snapshot.revision)),
          )
          .execute();
      }
      await trx
        .insertInto('stream_snapshots')
        .values({ stream_name: streamName, revision: snapshot.revision, schema_version: schemaVersion, state })
        .onConflict((oc) =>
          oc.column('stream_name').doUpdateSet({ revision: snapshot.revision, schema_version: schemaVersion, state, updated_at: new Date() })
            // Never let a slower writer replace a newer snapshot.
            .where('stream_snapshots.revision', '<', String(snapshot.revision)),
        )
        .execute();
    });
  }

  async loadFilter(streamName: string, schemaVersion: number): Promise<string | null> {
    const row = await this.db
      .selectFrom('stream_snapshots')
      .select(['state'])
      .where('stream_name', '=', filterRowName(streamName))
      .where('schema_version', '=', schemaVersion)
      .executeTakeFirst();
    return typeof row?.state === 'string' ? row.state : null;
  }

  async loadArchived(streamName: string, schemaVersion: number, keys: readonly ArchiveKey[]): Promise<Array<ArchiveKey & { readonly body: JsonValue }>> {
    if (keys.length === 0) return [];
    const byName = new Map(keys.map((k) => [archiveRowName(streamName, k), k]));
    const rows = await this.db
      .selectFrom('stream_snapshots')
      .select(['stream_name', 'state'])
      .where('stream_name', 'in', [...byName.keys()])
      .where('schema_version', '=', schemaVersion)
      .execute();
    const out: Array<ArchiveKey & { body: JsonValue }> = [];
    for (const row of rows) {
      const key = byName.get(row.stream_name);
      if (key) out.push({ ...key, body: row.state as JsonValue });
    }
    return out;
  }
}

/** Archive rows written per statement (a first snapshot of a long stream archives thousands). */
const ARCHIVE_ROWS_PER_STATEMENT = 2000;

const filterRowName = (streamName: string): string => `${streamName}#f`;

/** Where an archive row lives: fixed length whatever the key (ids and idempotency keys are caller-chosen). */
function archiveRowName(streamName: string, k: ArchiveKey): string {
  const digest = createHash('sha256').update(k.key, 'utf8').digest('base64url');
  return `${streamName}#${k.kind === 'appointment' ? 'a' : 'k'}:${digest}`;
}
