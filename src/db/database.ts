import { Kysely, Migrator, PostgresDialect, type PostgresPoolClient } from 'kysely';
import { MIGRATIONS } from './migrations';
import { PgSqlPool } from './pg-pool';
import { PgliteSqlPool } from './pglite-pool';
import type { SqlPool } from './sql';
import type { Database } from './schema';

/**
 * One dialect everywhere: Kysely's PostgresDialect. On a server it gets the `pg` pool; on PGlite it
 * gets PgliteSqlPool, whose connect()/release() hold the single session exclusively — the same
 * pool-shaped interface, so every query (Kysely, event store, projections) shares one code path.
 */
export function createKysely(pool: SqlPool): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      // Kysely's destroy() must not end a pool the rest of the app still uses: the owner closes it.
      pool: { connect: () => pool.connect() as Promise<PostgresPoolClient>, end: async () => undefined },
    }),
  });
}

export class MigrationError extends Error {
  constructor(readonly migration: string | undefined, override readonly cause: unknown) {
    super(`Database migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MigrationError';
  }
}

/** Bring the schema up to date. Concurrent starters are safe: Kysely's migrator takes a lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new MigrationError(failed?.migrationName, error);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export interface OpenedDatabase {
  readonly pool: SqlPool;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/** Open PostgreSQL (`databaseUrl`) or PGlite (`dataDir`, or in memory when both are absent), migrated. */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string; poolSize?: number }): Promise<OpenedDatabase> {
  const pool: SqlPool = options.databaseUrl
    ? new PgSqlPool(options.databaseUrl, options.poolSize !== undefined ? { max: options.poolSize } : {})
    : await PgliteSqlPool.open(options.dataDir);
  const db = createKysely(pool);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return { pool, db, close: () => pool.end() };
}
