import { type Kysely, sql } from 'kysely';
import { EVENT_STORE_APPEND_V2_SQL } from '../../events/postgres/schema';

/** A cheaper `es_append` (fast paths for a number and `no_stream`) and `es_append_batch`; see schema.ts. */
// Migrations are frozen in time: typed Kysely<any> on purpose, never importing today's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(EVENT_STORE_APPEND_V2_SQL).execute(db);
}
