import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, StreamSnapshotArchiveTable } from '../db/schema';
import { type JsonValue, type Position, parsePosition, positionToString } from '../events/event-store';
import { decodeFingerprints, encodeFingerprints } from './archive-index';
import type { ArchiveRow } from './snapshot-codec';

export interface StoredSnapshot {
  readonly revision: number;
  readonly lastHash: string | null;
  /** Position of the event at `revision` (null in a snapshot whose taker did not know it). */
  readonly position: Position | null;
  /** The hot state (snapshot-codec.ts). */
  readonly state: JsonValue;
}

/** Which archive row: an archived appointment by id, or an idempotency entry by its index key. */
export type ArchiveKey = Pick<ArchiveRow, 'kind' | 'key'>;

/**
 * Persisted state of a stream at a revision, so a cold process does not replay a long stream; and the
 * archive of what that state no longer holds in memory (snapshot-codec.ts), read key by key.
 */
export interface SnapshotStore {
  /** The newest snapshot, and whether it archived anything (its fingerprints are read separately). */
  load(streamName: string, schemaVersion: number): Promise<(StoredSnapshot & { readonly archived: boolean }) | null>;
  /**
   * Store the snapshot with what it refers to, together: the archive rows it adds and the
   * fingerprints of everything archived so far (null when nothing is). Never over a newer one.
   */
  save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot, archive: readonly ArchiveRow[], fingerprints: Uint32Array | null): Promise<void>;
  /** The archive fingerprints of the stream's newest snapshot; null when it archived nothing (or there is none). */
  loadFingerprints(streamName: string, schemaVersion: number): Promise<Uint32Array | null>;
  /** The bodies of the archive rows that exist among `keys`. */
  loadArchived(streamName: string, schemaVersion: number, keys: readonly ArchiveKey[]): Promise<Array<ArchiveKey & { readonly body: JsonValue }>>;
}

/** Archive rows written per statement (a first snapshot of a long stream archives thousands). */
const ARCHIVE_ROWS_PER_STATEMENT = 2000;

/**
 * Snapshots live in PostgreSQL next to the read models, whichever engine holds the events: a stream's
 * row in `stream_snapshots` (hot state, last hash, position, archive fingerprints) and its archive
 * rows in `stream_snapshot_archive` (migration 0005).
 */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(private readonly db: Kysely<Database>) {}

  async load(streamName: string, schemaVersion: number): Promise<(StoredSnapshot & { archived: boolean }) | null> {
    const row = await this.db
      .selectFrom('stream_snapshots')
      .select(['revision', 'state', 'last_hash', 'position'])
      // Not the fingerprints themselves: they may be large, and a cold load does not wait for them.
      .select(sql<boolean>`archive_fingerprints IS NOT NULL`.as('archived'))
      .where('stream_name', '=', streamName)
      .where('schema_version', '=', schemaVersion)
      .executeTakeFirst();
    if (!row) return null;
    return {
      revision: Number(row.revision),
      lastHash: row.last_hash,
      position: row.position === null ? null : parsePosition(row.position),
      state: row.state as JsonValue,
      archived: row.archived,
    };
  }

  async save(streamName: string, schemaVersion: number, snapshot: StoredSnapshot, archive: readonly ArchiveRow[], fingerprints: Uint32Array | null): Promise<void> {
    const row = {
      stream_name: streamName,
      revision: snapshot.revision,
      schema_version: schemaVersion,
      state: JSON.stringify(snapshot.state),
      last_hash: snapshot.lastHash,
      position: snapshot.position === null ? null : positionToString(snapshot.position),
      archive_fingerprints: fingerprints === null ? null : encodeFingerprints(fingerprints),
    };
    await this.db.transaction().execute(async (trx) => {
      // The archive first: a snapshot never names rows that are not there. An archive row only ever
      // holds an ended appointment, so a newer version of one is the one to keep. Rows go in key
      // order, so two processes saving snapshots of one stream lock them in the same order.
      const rows = archive
        .map((r): Insertable<StreamSnapshotArchiveTable> => ({ stream_name: streamName, kind: r.kind, key: r.key, revision: snapshot.revision, schema_version: schemaVersion, body: r.body }))
        .sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (let i = 0; i < rows.length; i += ARCHIVE_ROWS_PER_STATEMENT) {
        // One statement per chunk, the rows as one JSON parameter (thousands of bind parameters otherwise).
        await sql`
          INSERT INTO stream_snapshot_archive (stream_name, kind, key, revision, schema_version, body)
          SELECT r.stream_name, r.kind, r.key, r.revision, r.schema_version, r.body
            FROM json_populate_recordset(NULL::stream_snapshot_archive, ${JSON.stringify(rows.slice(i, i + ARCHIVE_ROWS_PER_STATEMENT))}::json) AS r
          ON CONFLICT (stream_name, kind, key) DO UPDATE
            SET revision = EXCLUDED.revision, schema_version = EXCLUDED.schema_version, body = EXCLUDED.body
            WHERE stream_snapshot_archive.revision < EXCLUDED.revision OR stream_snapshot_archive.schema_version <> EXCLUDED.schema_version`.execute(trx);
      }
      await trx
        .insertInto('stream_snapshots')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('stream_name')
            .doUpdateSet({ ...row, updated_at: sql`now()` })
            // Never let a slower writer replace a newer snapshot (of this version: another one's is ignored anyway).
            .where((eb) => eb.or([eb('stream_snapshots.revision', '<', snapshot.revision), eb('stream_snapshots.schema_version', '<>', schemaVersion)])),
        )
        .execute();
    });
  }

  async loadFingerprints(streamName: string, schemaVersion: number): Promise<Uint32Array | null> {
    const row = await this.db
      .selectFrom('stream_snapshots')
      .select('archive_fingerprints')
      .where('stream_name', '=', streamName)
      .where('schema_version', '=', schemaVersion)
      .executeTakeFirst();
    return row?.archive_fingerprints ? decodeFingerprints(row.archive_fingerprints) : null;
  }

  async loadArchived(streamName: string, schemaVersion: number, keys: readonly ArchiveKey[]): Promise<Array<ArchiveKey & { readonly body: JsonValue }>> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .selectFrom('stream_snapshot_archive')
      .select(['kind', 'key', 'body'])
      .where('stream_name', '=', streamName)
      .where('schema_version', '=', schemaVersion)
      .where((eb) => eb(eb.refTuple('kind', 'key'), 'in', keys.map((k) => eb.tuple(k.kind, k.key))))
      .execute();
    return rows.map((r) => ({ kind: r.kind, key: r.key, body: r.body as JsonValue }));
  }
}
