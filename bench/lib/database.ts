/**
 * Every benchmark gets fresh databases on the PostgreSQL server named by BENCH_DATABASE_URL (else
 * DATABASE_URL, else the local server), dropped afterwards, so runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const BENCH_SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BENCH_SERVER_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`.replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(BENCH_SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))) };
}

/** Run `use` against a fresh database and drop it afterwards, whatever happens. */
export async function withBenchDatabase<T>(label: string, use: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createBenchDatabase(label);
  try {
    return await use(db);
  } finally {
    await db.drop();
  }
}

/** The server's settings that decide write throughput, recorded with every result. */
export async function serverSettings(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const r = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level', 'commit_delay')`,
    );
    return Object.fromEntries(r.rows.map((row) => [row.name, row.setting]));
  });
}
