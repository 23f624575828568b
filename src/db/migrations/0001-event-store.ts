import { type Kysely, sql } from 'kysely';
import { EVENT_STORE_SCHEMA_SQL } from '../../events/postgres/schema';

// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(EVENT_STORE_SCHEMA_SQL).execute(db);
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
