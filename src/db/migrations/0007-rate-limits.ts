import { type Kysely, sql } from 'kysely';

/**
 * One table for every sliding-window rate limit (logins, sign-ups, bookings), shared by every API
 * node on the database; it replaces `login_attempts`, whose scopes were fixed by a CHECK. Hits are
 * transient (minutes to an hour), so the old rows are not carried over.
 */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE rate_limit_hits (
         id bigserial PRIMARY KEY,
         scope text NOT NULL,
         key text NOT NULL,
         at timestamptz NOT NULL
       );
       CREATE INDEX rate_limit_hits_window ON rate_limit_hits (scope, key, at);
       CREATE INDEX rate_limit_hits_at ON rate_limit_hits (at);
       DROP TABLE login_attempts;`,
    )
    .execute(db);
}
