/**
 * A worker process for the crash test (pg-boss-job-queue.int.test.ts): it enqueues one job whose
 * handler announces itself on stdout and then never finishes, so the test can SIGKILL the process
 * while the job is running. Run through test/torture/support/ts-register.js; the database comes from
 * DATABASE_URL (a server) or DATA_DIR (PGlite).
 */
import { openDatabase } from '../db/database';
import { inTransaction } from '../db/sql';
import { PgBossJobQueue } from './pg-boss-job-queue';

export const CRASH_TASK = 'crash-test';
export const CRASH_KEY = 'crash:job';
/** Settings the test's second process shares, so the run the first one left behind expires quickly. */
export const CRASH_QUEUE_OPTIONS = {
  tasks: { [CRASH_TASK]: { concurrency: 1 } },
  pollIntervalSeconds: 0.2,
  maintenanceIntervalSeconds: 1,
  expiryGraceSeconds: 1,
} as const;

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const dataDir = process.env.DATA_DIR;
  const database = await openDatabase(databaseUrl ? { databaseUrl } : dataDir ? { dataDir } : {});
  const queue = new PgBossJobQueue(database.pool, CRASH_QUEUE_OPTIONS);
  await queue.install();
  await inTransaction(database.pool, (tx) =>
    queue.enqueue(tx, { key: CRASH_KEY, task: CRASH_TASK, payload: { step: 'first' }, maxAttempts: 3, timeoutSeconds: 3, retryBaseSeconds: 1 }),
  );
  await queue.start({
    [CRASH_TASK]: async (_payload, context) => {
      process.stdout.write(`${JSON.stringify({ event: 'running', attempt: context.attempt })}\n`);
      // Never finishes on its own: the process is killed while this run is in flight.
      await new Promise<never>(() => undefined);
    },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
