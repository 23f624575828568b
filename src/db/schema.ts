import type { ColumnType, Generated, JSONColumnType, Selectable } from 'kysely';
import type { ActorRole, AppointmentStatus } from '../domain/provider/events';
import type { ServiceDefinition } from '../domain/provider/service-definition';
import type { LocalWindow, WeeklyHours } from '../domain/schedule/types';

/**
 * Kysely table types. Read-model tables are added by the read side; the event store's own tables are
 * accessed with hand-written SQL (src/events/postgres), whose rows are typed with these (its bigint
 * columns selected as text).
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

// Write side (src/commands; migrations 0001 and 0005).

/** A stream's newest snapshot: its hot state (snapshot-codec.ts) and what identifies the point it was taken at. */
export interface StreamSnapshotsTable {
  stream_name: string;
  revision: ColumnType<string | number, string | number, string | number>;
  schema_version: number;
  state: unknown;
  /** The hash chain's last link at `revision`. */
  last_hash: string | null;
  /** `positionToString` of the event at `revision`. */
  position: string | null;
  /** Fingerprints of everything archived (archive-index.ts); null when nothing is. */
  archive_fingerprints: Uint8Array | null;
  updated_at: Generated<Date>;
}

/** An ended appointment (by id) or an idempotency entry (by index key) a snapshot archived. */
export interface StreamSnapshotArchiveTable {
  stream_name: string;
  kind: 'appointment' | 'idempotency';
  key: string;
  revision: ColumnType<string | number, string | number, string | number>;
  schema_version: number;
  body: unknown;
}

/** The stream of every entity commands address by id alone (stream-index.ts). */
export interface StreamIndexTable {
  entity_id: string;
  stream_name: string;
}

export interface Database {
  es_events: EsEventsTable;
  app_settings: AppSettingsTable;
  stream_snapshots: StreamSnapshotsTable;
  stream_snapshot_archive: StreamSnapshotArchiveTable;
  stream_index: StreamIndexTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  rate_limit_hits: RateLimitHitsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  rm_providers: RmProvidersTable;
  rm_services: RmServicesTable;
  rm_schedule_overrides: RmScheduleOverridesTable;
  rm_appointments: RmAppointmentsTable;
  rm_busy_intervals: RmBusyIntervalsTable;
  rm_invariant_breaches: RmInvariantBreachesTable;
  rm_analytics_providers: RmAnalyticsProvidersTable;
  rm_analytics_appointments: RmAnalyticsAppointmentsTable;
  rm_daily_stats: RmDailyStatsTable;
}

export type AppSettingRow = Selectable<AppSettingsTable>;

// Accounts (src/accounts).
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: 'CUSTOMER' | 'PROVIDER' | 'ADMIN' | 'AUDITOR';
  password_hash: string;
  created_at: Generated<Date>;
}

export interface RefreshTokensTable {
  /** SHA-256 hex of the token; the token itself is never stored. */
  token_hash: string;
  family_id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Sliding-window rate limits (src/accounts/rate-limiter.ts); migration 0007. */
export interface RateLimitHitsTable {
  id: Generated<string>;
  scope: string;
  key: string;
  at: Date;
}

export type UserRow = Selectable<UsersTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;

// Read side (src/projections; migrations 0002 and 0006). These types are the read models' row
// types everywhere: queries read through Kysely, and the projections' folds take and give rows of
// these types (as JSON: see src/projections/engine/rows.ts). bigint columns arrive as strings from
// `pg` and as numbers from PGlite, and `date` columns are read with to_char: convert at the edge,
// never trust the driver type. jsonb columns hold the domain's own shapes.
type BigintColumn = ColumnType<string | number, string | number, string | number>;
type LocalDateColumn = ColumnType<string, string, string>;

export interface ProjectionCheckpointsTable {
  name: string;
  /** `positionToString` of the last event the projection applied. */
  position: string;
  updated_at: Generated<Date>;
}

export interface RmProvidersTable {
  id: string;
  owner_id: string;
  name: string;
  kind: string | null;
  bio: string | null;
  time_zone: string;
  weekly_hours: JSONColumnType<WeeklyHours[]>;
  created_at: Date;
  updated_at: Date;
  revision: BigintColumn;
}

export interface RmServicesTable {
  id: string;
  provider_id: string;
  /** The service's definition as its newest ServiceOffered/ServiceUpdated event states it (migration 0006). */
  definition: JSONColumnType<ServiceDefinition>;
  active: boolean;
  offered_revision: BigintColumn;
}

export interface RmScheduleOverridesTable {
  id: string;
  provider_id: string;
  date: LocalDateColumn;
  blocked: boolean;
  windows: JSONColumnType<LocalWindow[]>;
  reason: string | null;
}

export interface RmAppointmentsTable {
  id: string;
  provider_id: string;
  owner_id: string;
  service_id: string;
  customer_id: string;
  start_at: Date;
  end_at: Date;
  status: AppointmentStatus;
  notes: string | null;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  capacity: number;
  cancellation_window_hours: number;
  price_amount_minor: BigintColumn | null;
  price_currency: string | null;
  created_at: Date;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancelled_by_role: ActorRole | null;
  cancellation_reason: string | null;
  late_cancellation: boolean;
  updated_at: Date;
  revision: BigintColumn;
}

export interface RmBusyIntervalsTable {
  appointment_id: string;
  provider_id: string;
  service_id: string;
  start_at: Date;
  end_at: Date;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  capacity: number;
  session_key: string;
  occupied: string;
}

export interface RmInvariantBreachesTable {
  projection: string;
  position: string;
  subject: string;
  kind: string;
  provider_id: string | null;
  event_type: string;
  stream_revision: BigintColumn;
  detail: string;
  recorded_at: Date;
}

export interface RmAnalyticsProvidersTable {
  provider_id: string;
  time_zone: string;
}

export interface RmAnalyticsAppointmentsTable {
  appointment_id: string;
  provider_id: string;
  service_id: string;
  start_at: Date;
  local_date: LocalDateColumn;
  minutes: number;
  status: AppointmentStatus;
  late: boolean;
  price_amount_minor: BigintColumn | null;
  price_currency: string | null;
}

export interface RmDailyStatsTable {
  provider_id: string;
  date: LocalDateColumn;
  service_id: string;
  booked: number;
  cancelled: number;
  late_cancelled: number;
  no_shows: number;
  completed: number;
  booked_minutes: BigintColumn;
  /** `{ "EUR": 12345, ... }`: minor units per currency. */
  revenue: JSONColumnType<Record<string, number>>;
  /** `{ "EUR": 3, ... }`: how many bookings `revenue` sums per currency; a currency leaves both at 0 (migration 0006). */
  revenue_bookings: JSONColumnType<Record<string, number>>;
}

/**
 * The primary key of each read-model table a projection folds (migration 0002): how the projections'
 * one loader and writer find a row (src/projections/engine/row-store.ts).
 */
export const READ_MODEL_KEYS = {
  rm_providers: ['id'],
  rm_services: ['id'],
  rm_schedule_overrides: ['id'],
  rm_appointments: ['id'],
  rm_busy_intervals: ['appointment_id'],
  rm_analytics_providers: ['provider_id'],
  rm_analytics_appointments: ['appointment_id'],
  rm_daily_stats: ['provider_id', 'date', 'service_id'],
} as const satisfies { readonly [T in keyof Database]?: ReadonlyArray<keyof Database[T] & string> };
