import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type App, startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Registry } from 'prom-client';
import { type Logger, createLogger } from '../../src/logger';
import { type Backend, createTestPostgres } from './test-database';

export interface TestApp {
  readonly app: App;
  readonly url: string;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Test suites sign up dozens of users from 127.0.0.1 and book many slots per customer: the abuse
 * limits are lifted for them (a suite that tests a limit sets its own value).
 */
export const GENEROUS_LIMITS: Readonly<Record<string, string>> = {
  REGISTRATIONS_PER_ADDRESS_PER_HOUR: '100000',
  REGISTRATIONS_PER_EMAIL_PER_HOUR: '1000',
  BOOKINGS_PER_CUSTOMER_PER_HOUR: '100000',
  LIVE_BOOKINGS_PER_CUSTOMER: '100000',
};

/** A real node on a random port: PGlite in a temp folder, or a fresh database on the PostgreSQL server. */
export async function startTestApp(backend: Backend, env: Record<string, string> = {}, options: { clock?: () => number; logger?: Logger; processMetrics?: Registry } = {}): Promise<TestApp> {
  const cleanup: Array<() => Promise<void>> = [];
  const baseEnv: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'test', ...GENEROUS_LIMITS };
  if (backend === 'postgres' && !env.DATABASE_URL) {
    const pgdb = await createTestPostgres();
    baseEnv.DATABASE_URL = pgdb.url;
    cleanup.push(() => pgdb.drop());
  } else if (backend === 'pglite' && !env.DATA_DIR) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-test-'));
    baseEnv.DATA_DIR = dir;
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const config = loadConfig({ ...baseEnv, ...env });
  const app = await startApp(config, { logger: createLogger(process.env.TEST_LOG ?? 'silent'), ...options });
  return {
    app,
    url: app.url,
    baseUrl: app.url.replace(/\/graphql$/, ''),
    stop: async () => {
      await app.stop();
      for (const c of cleanup) await c();
    },
  };
}

/** POST a GraphQL operation over real HTTP. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  return { status: res.status, ...body };
}
