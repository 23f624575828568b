/**
 * The job queue against real databases: a fresh PostgreSQL database and an in-memory PGlite, the same
 * tests on each. Jobs are enqueued in real transactions, run by the real worker loop, and the crash
 * test SIGKILLs a real child process in the middle of a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { type OpenedDatabase, openDatabase } from '../db/database';
import { inTransaction } from '../db/sql';
import { type Backend, createTestPostgres, openTestDatabase, testBackends } from '../../test/support/test-database';
import { waitUntil } from '../../test/fakes/wait-until';
import { type JobHandler, type JobPayload, JobDefinitionError } from './job-queue';
import { CRASH_KEY, CRASH_QUEUE_OPTIONS, CRASH_TASK } from './job-worker-process-fixtures';
import { PgBossJobQueue } from './pg-boss-job-queue';

const TASK = 'test-task';
const QUICK = { pollIntervalSeconds: 0.2, maintenanceIntervalSeconds: 1, expiryGraceSeconds: 1, stopGraceMs: 2_000 } as const;

interface Run {
  readonly key: string;
  readonly payload: JobPayload;
  readonly attempt: number;
  readonly at: number;
}

/** A handler that records every run and fails the keys the test puts in `failing`. */
function recorder(): { runs: Run[]; failing: Set<string>; handler: JobHandler; runsOf(key: string): Run[] } {
  const runs: Run[] = [];
  const failing = new Set<string>();
  const handler: JobHandler = async (payload, context) => {
    runs.push({ key: context.key, payload, attempt: context.attempt, at: Date.now() });
    if (failing.has(context.key)) throw new Error(`refused ${context.key} on attempt ${context.attempt}`);
  };
  return { runs, failing, handler, runsOf: (key) => runs.filter((r) => r.key === key) };
}

describe.each(testBackends())('job queue on %s', (backend: Backend) => {
  let database: OpenedDatabase;
  let queue: PgBossJobQueue;
  let rec: ReturnType<typeof recorder>;
  let seq = 0;
  const uniqueKey = (name: string): string => `${name}:${++seq}`;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    rec = recorder();
    queue = new PgBossJobQueue(database.pool, { tasks: { [TASK]: { concurrency: 1 } }, ...QUICK });
    await queue.install();
  });
  afterEach(async () => {
    await queue.stop();
  });

  const enqueue = (key: string, options: { payload?: JobPayload; runAt?: Date; maxAttempts?: number; retryBaseSeconds?: number } = {}) =>
    inTransaction(database.pool, (tx) => queue.enqueue(tx, { key, task: TASK, payload: options.payload ?? { key }, ...options }));

  /**
   * Everything enqueued before the sentinel and due before it has been run once the sentinel has
   * (one worker slot, due jobs taken oldest first): how a test proves that a job did NOT run.
   */
  async function drainUpTo(dueAt: Date): Promise<void> {
    const sentinel = uniqueKey('sentinel');
    await enqueue(sentinel, { runAt: dueAt });
    await queue.wake();
    await waitUntil(() => rec.runsOf(sentinel).length > 0, 'the sentinel job to run');
  }

  const jobRows = async (key: string) =>
    (await database.pool.query<{ state: string; start_after: Date }>('SELECT state, start_after FROM pgboss.job WHERE singleton_key = $1', [key])).rows;

  it('given an enqueue in a transaction that rolls back, then no job exists and nothing runs', async () => {
    const key = uniqueKey('rolled-back');
    await expect(
      inTransaction(database.pool, async (tx) => {
        await queue.enqueue(tx, { key, task: TASK, payload: { key } });
        throw new Error('the reactor batch fails');
      }),
    ).rejects.toThrow('the reactor batch fails');
    expect(await jobRows(key)).toEqual([]);
    expect((await database.pool.query('SELECT 1 FROM job_keys WHERE key = $1', [key])).rows).toEqual([]);

    await queue.start({ [TASK]: rec.handler });
    await drainUpTo(new Date());
    expect(rec.runsOf(key)).toEqual([]);
  });

  it('given an enqueue that commits, then the job runs once with its payload and releases its key', async () => {
    const key = uniqueKey('committed');
    await enqueue(key, { payload: { appointmentId: 'a-1', kind: 'REMINDER_48H' } });
    await queue.start({ [TASK]: rec.handler });
    await queue.wake();
    await waitUntil(async () => (await jobRows(key))[0]?.state === 'completed', 'the job to complete');
    await drainUpTo(new Date());

    expect(rec.runsOf(key)).toEqual([{ key, payload: { appointmentId: 'a-1', kind: 'REMINDER_48H' }, attempt: 1, at: expect.any(Number) }]);
    expect((await database.pool.query('SELECT 1 FROM job_keys WHERE key = $1', [key])).rows).toEqual([]);
  });

  it('given a job an hour away, when the same key is enqueued sooner, then it runs once, at the new time, with the new payload', async () => {
    const key = uniqueKey('reminder');
    await enqueue(key, { runAt: new Date(Date.now() + 3_600_000), payload: { version: 1 } });
    const moved = new Date(Date.now() + 1_500);
    await enqueue(key, { runAt: moved, payload: { version: 2 } });
    expect((await jobRows(key)).map((r) => r.state)).toEqual(['created']);

    await queue.start({ [TASK]: rec.handler });
    await waitUntil(() => rec.runsOf(key).length > 0, 'the moved job to run');
    await drainUpTo(new Date());

    const runs = rec.runsOf(key);
    expect(runs.map((r) => r.payload)).toEqual([{ version: 2 }]);
    expect(runs[0]!.at).toBeGreaterThanOrEqual(moved.getTime() - 5);
  });

  it('given a job due soon, when the same key is enqueued for later, then it does not run at the old time', async () => {
    const key = uniqueKey('postponed');
    await enqueue(key, { runAt: new Date(Date.now() + 500) });
    const later = new Date(Date.now() + 3_600_000);
    await enqueue(key, { runAt: later });

    await queue.start({ [TASK]: rec.handler });
    await drainUpTo(new Date(Date.now() + 1_500));
    expect(rec.runsOf(key)).toEqual([]);
    const rows = await jobRows(key);
    expect(rows).toHaveLength(1);
    expect(new Date(rows[0]!.start_after).getTime()).toBe(later.getTime());
  });

  it('given a pending job, when its key is removed, then it never runs; removing it again finds nothing', async () => {
    const key = uniqueKey('cancelled');
    await enqueue(key, { runAt: new Date(Date.now() + 500) });
    expect(await inTransaction(database.pool, (tx) => queue.remove(tx, key))).toBe(true);
    expect(await inTransaction(database.pool, (tx) => queue.remove(tx, key))).toBe(false);

    await queue.start({ [TASK]: rec.handler });
    await drainUpTo(new Date(Date.now() + 1_500));
    expect(rec.runsOf(key)).toEqual([]);
    expect(await jobRows(key)).toEqual([]);
  });

  it('given a handler that keeps failing, then the job is retried with growing backoff, then FAILED and listed; a retry runs it again', async () => {
    const key = uniqueKey('doomed');
    rec.failing.add(key);
    await enqueue(key, { maxAttempts: 3, retryBaseSeconds: 1, payload: { to: 'someone@example.com' } });
    await queue.start({ [TASK]: rec.handler });
    await queue.wake();

    const failed = await waitUntil(async () => (await queue.listFailed({ task: TASK })).find((f) => f.key === key), 'the job to fail for good');
    expect(failed).toEqual({
      key,
      task: TASK,
      payload: { to: 'someone@example.com' },
      attempts: 3,
      lastError: `refused ${key} on attempt 3`,
      failedAt: expect.any(Date),
    });
    const runs = rec.runsOf(key);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // Backoff with jitter: the wait after attempt n is between base·2^(n-1) and twice that.
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(1_000 - 50);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(2_000 - 50);

    rec.failing.delete(key);
    expect(await queue.retry(key)).toBe(true);
    await waitUntil(() => rec.runsOf(key).length === 4, 'the replayed run');
    await waitUntil(async () => (await jobRows(key))[0]?.state === 'completed', 'the replayed job to complete');
    expect(rec.runsOf(key)[3]!.attempt).toBe(4);
    expect((await queue.listFailed()).map((f) => f.key)).not.toContain(key);
    expect(await queue.retry(key)).toBe(false);
  });

  it('refuses a task it was not created with and a key it cannot store, changing nothing', async () => {
    await expect(inTransaction(database.pool, (tx) => queue.enqueue(tx, { key: 'k', task: 'no-such-task', payload: {} }))).rejects.toThrow(JobDefinitionError);
    await expect(enqueue('')).rejects.toThrow(JobDefinitionError);
    await expect(enqueue('x'.repeat(201))).rejects.toThrow(JobDefinitionError);
    expect((await database.pool.query("SELECT 1 FROM job_keys WHERE key IN ('k', '')")).rows).toEqual([]);
  });
});

// Two sessions at once exist only on a server: PGlite hands its one session to one transaction at a time.
describe.each(testBackends().filter((b) => b === 'postgres'))('job queue on %s, two transactions replacing one key', (backend: Backend) => {
  let database: OpenedDatabase;
  let queue: PgBossJobQueue;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    queue = new PgBossJobQueue(database.pool, { tasks: { [TASK]: {} }, ...QUICK });
    await queue.install();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('given a transaction that enqueued a key, when another enqueues it meanwhile, then it waits and its job replaces the first: one job', async () => {
    const first = await database.pool.connect();
    const second = await database.pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await queue.enqueue(first, { key: 'race', task: TASK, payload: { from: 'first' } });
      const replacing = queue.enqueue(second, { key: 'race', task: TASK, payload: { from: 'second' } });
      // The second waits on the key's row lock until the first commits.
      await waitUntil(
        async () => (await database.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows.length > 0,
        'the second transaction to wait for the key',
      );
      await first.query('COMMIT');
      await replacing;
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    const jobs = await database.pool.query<{ data: { payload: JobPayload } }>("SELECT data FROM pgboss.job WHERE singleton_key = 'race'");
    expect(jobs.rows.map((r) => r.data.payload)).toEqual([{ from: 'second' }]);
  });
});

describe.each(testBackends())('job queue on %s, across a crash', (backend: Backend) => {
  const HOOK = path.join(__dirname, '..', '..', 'test', 'torture', 'support', 'ts-register.js');
  const FIXTURE = path.join(__dirname, 'job-worker-process-fixtures.ts');
  let child: ChildProcess | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    child?.kill('SIGKILL');
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // A child process boots TypeScript and a database from nothing: tens of seconds on a busy machine.
  it('given a job running when its process is SIGKILLed, then after a restart it runs again, as its second attempt', async () => {
    const env: Record<string, string> = {};
    let reopen: () => Promise<OpenedDatabase>;
    if (backend === 'postgres') {
      const pgdb = await createTestPostgres();
      cleanups.push(() => pgdb.drop());
      env.DATABASE_URL = pgdb.url;
      reopen = () => openDatabase({ databaseUrl: pgdb.url });
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotstream-jobs-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      env.DATA_DIR = dir;
      reopen = () => openDatabase({ dataDir: dir });
    }

    const proc = spawn(process.execPath, ['-r', HOOK, FIXTURE], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
    const lines = readline.createInterface({ input: proc.stdout! });
    cleanups.push(async () => lines.close());
    const running = await new Promise<{ attempt: number }>((resolve, reject) => {
      lines.on('line', (line) => resolve(JSON.parse(line) as { attempt: number }));
      void exited.then(() => reject(new Error(`the worker process exited before running the job:\n${stderr}`)));
    });
    expect(running.attempt).toBe(1);
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const database = await reopen();
    cleanups.push(() => database.close());
    const queue = new PgBossJobQueue(database.pool, { ...CRASH_QUEUE_OPTIONS, stopGraceMs: 2_000 });
    cleanups.push(() => queue.stop());
    const rec = recorder();
    await queue.start({ [CRASH_TASK]: rec.handler });

    await waitUntil(() => rec.runsOf(CRASH_KEY).length > 0, 'the interrupted job to run again', { timeoutMs: 60_000 });
    await waitUntil(
      async () => (await database.pool.query<{ state: string }>('SELECT state FROM pgboss.job WHERE singleton_key = $1', [CRASH_KEY])).rows[0]?.state === 'completed',
      'the job to complete',
    );
    expect(rec.runsOf(CRASH_KEY).map((r) => [r.attempt, r.payload])).toEqual([[2, { step: 'first' }]]);
  }, 240_000);
});
