import { type Kysely, sql } from 'kysely';

/**
 * The job queue's keys (src/jobs). The queue itself is pg-boss, whose versioned schema (`pgboss.*`) is
 * installed and upgraded by pg-boss's own migrator at start-up (`PgBossJobQueue.install()`, see
 * docs/ARCHITECTURE.md "Scheduled work"); this table is ours: which pg-boss job currently carries each
 * key (`reminder:<appointment>:48h`). Replacing a key deletes its old job and points the row at the
 * new one, in the caller's transaction.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE job_keys (
         key text PRIMARY KEY,
         queue text NOT NULL,
         job_id uuid NOT NULL
       )`,
    )
    .execute(db);
}
