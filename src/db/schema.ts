import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * Kysely table types. Read-model tables are added by the read side; the event store's own tables are
 * accessed with hand-written SQL (src/events/postgres) and are listed here only for tooling and audits.
 */
export interface EsEventsTable {
  global_position: Generated<string>;
  transaction_id: Generated<string>;
  stream_name: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: unknown;
  created_at: Generated<Date>;
}

export interface AppSettingsTable {
  key: string;
  value: string;
  created_at: Generated<Date>;
}

export interface StreamSnapshotsTable {
  stream_name: string;
  revision: ColumnType<string, string | number, string | number>;
  schema_version: number;
  state: unknown;
  updated_at: Generated<Date>;
}

export interface Database {
  es_events: EsEventsTable;
  app_settings: AppSettingsTable;
  stream_snapshots: StreamSnapshotsTable;
}

export type AppSettingRow = Selectable<AppSettingsTable>;
