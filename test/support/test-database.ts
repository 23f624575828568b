import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type OpenedDatabase, openDatabase } from '../../src/db/database';
import { serverUrl } from './test-environment';

/**
 * Every test file gets a database of its own on the server named by DATABASE_URL (CI creates a fresh
 * one per run), so parallel workers never share event tables or NOTIFY channels.
 */
export const SERVER_URL = serverUrl();

export interface TestPostgres {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestPostgres(): Promise<TestPostgres> {
  const base = new URL(SERVER_URL);
  const baseName = base.pathname.replace(/^\//, '') || 'postgres';
  const name = `${baseName}_t${randomBytes(5).toString('hex')}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export type Backend = 'postgres' | 'pglite';

/** Backends a suite runs on: both by default; `TEST_BACKENDS=pglite` (or `postgres`) narrows it. */
export function testBackends(): Backend[] {
  const wanted = (process.env.TEST_BACKENDS ?? 'postgres,pglite').split(',').map((s) => s.trim());
  return (['postgres', 'pglite'] as const).filter((b) => wanted.includes(b));
}

/** A migrated database on the given backend; `close()` also drops a server database. */
export async function openTestDatabase(backend: Backend, options: { poolSize?: number } = {}): Promise<OpenedDatabase & { url?: string }> {
  if (backend === 'pglite') return openDatabase({});
  const pgdb = await createTestPostgres();
  const opened = await openDatabase({ databaseUrl: pgdb.url, ...options });
  return {
    ...opened,
    url: pgdb.url,
    close: async () => {
      await opened.close();
      await pgdb.drop();
    },
  };
}
