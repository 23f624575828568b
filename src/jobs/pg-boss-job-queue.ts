import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import { inTransaction, type SqlExecutor, type SqlPool } from '../db/sql';
import { type FailedJob, type JobHandler, type JobPayload, type JobQueue, type JobSpec, JobDefinitionError } from './job-queue';
import { type FetchedJob, TaskWorker } from './task-worker';

/**
 * The job queue on pg-boss 10 (docs/ARCHITECTURE.md, "Scheduled work"). pg-boss owns the jobs
 * (`pgboss.job`: states, due times, retries with exponential backoff and jitter, expiry of runs whose
 * process died, archiving); it reaches the database only through `executeSql(text, values)`, which we
 * give our own `SqlExecutor` — the pool, or the caller's transaction for enqueue and remove. That is
 * what makes the same code run on a PostgreSQL server and on PGlite's single session. Our part is the
 * key (`job_keys`, migration 0009) and the worker loop (task-worker.ts).
 */
export interface PgBossJobQueueOptions {
  /** Every task this queue will carry, with how many of its jobs may run at once in this process. */
  readonly tasks: Readonly<Record<string, { readonly concurrency?: number }>>;
  /** How often an idle worker looks for due jobs (default 2 s; `wake()` makes it look at once). */
  readonly pollIntervalSeconds?: number;
  /** How often one process expires runs whose process died and archives old jobs (default 30 s). */
  readonly maintenanceIntervalSeconds?: number;
  /** A run is declared dead this long after its timeout (default 15 s). */
  readonly expiryGraceSeconds?: number;
  /** How long `stop()` waits for running jobs before aborting them (default 10 s). */
  readonly stopGraceMs?: number;
  readonly onError?: (err: unknown) => void;
}

const SCHEMA = 'pgboss';
const WAKE_CHANNEL = 'slotstream_jobs';
const FAILED_RETENTION_SECONDS = 14 * 24 * 3600;
const DEFAULTS = { maxAttempts: 5, retryBaseSeconds: 30, timeoutSeconds: 60 } as const;
const TASK_NAME = /^[a-z][a-z0-9._-]{0,59}$/;
const MAX_KEY_LENGTH = 200;

/** What a pg-boss job's `data` holds: the run's own deadline travels with it, whoever runs it. */
interface Envelope {
  readonly payload: JobPayload;
  readonly timeoutSeconds: number;
}

/** pg-boss's only view of the database. */
function bossDb(sql: SqlExecutor): PgBoss.Db {
  return { executeSql: (text, values) => sql.query(text, values ?? []) };
}

/** What pg-boss's job commands answer at run time (its type declarations say void). */
function affectedRows(result: unknown): number {
  const affected = (result as { affected?: unknown } | undefined)?.affected;
  return typeof affected === 'number' ? affected : 0;
}

export class PgBossJobQueue implements JobQueue {
  private readonly boss: PgBoss;
  private readonly workers = new Map<string, TaskWorker>();
  private unlisten: (() => Promise<void>) | null = null;
  private readonly pollIntervalMs: number;
  private readonly expiryGraceSeconds: number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly pool: SqlPool,
    private readonly options: PgBossJobQueueOptions,
  ) {
    for (const task of Object.keys(options.tasks)) {
      if (!TASK_NAME.test(task)) throw new JobDefinitionError(`task name "${task}" must match ${TASK_NAME}`);
    }
    this.pollIntervalMs = (options.pollIntervalSeconds ?? 2) * 1000;
    this.expiryGraceSeconds = options.expiryGraceSeconds ?? 15;
    this.onError = options.onError ?? (() => undefined);
    this.boss = new PgBoss({
      db: bossDb(pool),
      schema: SCHEMA,
      migrate: false,
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
      archiveFailedAfterSeconds: FAILED_RETENTION_SECONDS,
    });
    this.boss.on('error', (err) => this.onError(err));
  }

  /**
   * Install or upgrade pg-boss's schema with pg-boss's own migrator, and create our queues. Idempotent
   * and safe for concurrent starters (pg-boss takes an advisory lock); every process calls it once
   * after the database is migrated, before enqueueing.
   */
  async install(): Promise<void> {
    const installer = new PgBoss({ db: bossDb(this.pool), schema: SCHEMA, migrate: true, supervise: false, schedule: false });
    installer.on('error', (err) => this.onError(err));
    await installer.start();
    try {
      for (const task of Object.keys(this.options.tasks)) await installer.createQueue(task, { name: task, policy: 'standard' });
    } finally {
      await installer.stop({ graceful: false, close: false });
    }
  }

  async enqueue(tx: SqlExecutor, job: JobSpec): Promise<void> {
    this.checkTask(job.task);
    checkKey(job.key);
    const maxAttempts = job.maxAttempts ?? DEFAULTS.maxAttempts;
    const timeoutSeconds = job.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new JobDefinitionError(`maxAttempts must be a positive integer (got ${maxAttempts})`);
    if (!(timeoutSeconds > 0)) throw new JobDefinitionError(`timeoutSeconds must be positive (got ${timeoutSeconds})`);
    const id = randomUUID();
    // Claim the key, or lock its row and learn which job holds it now (`SET key = key` changes nothing).
    // A concurrent enqueue of the same key waits here for our commit, then replaces our job in turn.
    const { rows } = await tx.query<{ queue: string; job_id: string }>(
      `INSERT INTO job_keys (key, queue, job_id) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
       RETURNING queue, job_id`,
      [job.key, job.task, id],
    );
    const holder = rows[0];
    if (holder && holder.job_id !== id) {
      // A new job id rather than an update in place: a run of the old job still in flight then reports
      // to a row that no longer exists, and cannot complete or fail its replacement.
      await this.boss.deleteJob(holder.queue, holder.job_id, { db: bossDb(tx) });
      await tx.query('UPDATE job_keys SET queue = $2, job_id = $3 WHERE key = $1', [job.key, job.task, id]);
    }
    const envelope: Envelope = { payload: job.payload, timeoutSeconds };
    const created = await this.boss.send(job.task, envelope, {
      id,
      db: bossDb(tx),
      singletonKey: job.key,
      ...(job.runAt ? { startAfter: job.runAt } : {}),
      retryLimit: maxAttempts - 1,
      retryDelay: Math.max(1, Math.round(job.retryBaseSeconds ?? DEFAULTS.retryBaseSeconds)),
      retryBackoff: true,
      expireInSeconds: Math.ceil(timeoutSeconds + this.expiryGraceSeconds),
    });
    // pg-boss answers null instead of failing when the queue does not exist.
    if (created !== id) throw new JobDefinitionError(`the job queue has no queue "${job.task}": call install() first`);
  }

  async remove(tx: SqlExecutor, key: string): Promise<boolean> {
    const { rows } = await tx.query<{ queue: string; job_id: string }>('DELETE FROM job_keys WHERE key = $1 RETURNING queue, job_id', [key]);
    const holder = rows[0];
    if (!holder) return false;
    const result: unknown = await this.boss.deleteJob(holder.queue, holder.job_id, { db: bossDb(tx) });
    return affectedRows(result) > 0;
  }

  async start(handlers: Readonly<Record<string, JobHandler>>): Promise<void> {
    if (this.workers.size > 0) throw new JobDefinitionError('the job queue is already started');
    for (const task of Object.keys(handlers)) this.checkTask(task);
    await this.install();
    await this.boss.start();
    for (const [task, handler] of Object.entries(handlers)) {
      const worker = new TaskWorker(
        {
          fetch: (limit) => this.fetch(task, limit),
          complete: (job) => this.complete(task, job),
          fail: (job, error) => this.fail(task, job, error),
        },
        (job, signal) => handler(job.payload, { key: job.key, task, attempt: job.attempt, maxAttempts: job.maxAttempts, signal }),
        { concurrency: this.options.tasks[task]?.concurrency ?? 4, pollIntervalMs: this.pollIntervalMs, onError: this.onError },
      );
      this.workers.set(task, worker);
    }
    this.unlisten = await this.pool.listen(WAKE_CHANNEL, () => {
      for (const worker of this.workers.values()) worker.wake();
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.stop(this.options.stopGraceMs ?? 10_000)));
    await this.boss.stop({ graceful: false, close: false });
  }

  async wake(): Promise<void> {
    await this.pool.notify(WAKE_CHANNEL, '');
  }

  async listFailed(options: { readonly task?: string; readonly limit?: number } = {}): Promise<FailedJob[]> {
    const { rows } = await this.pool.query<{ key: string; task: string; data: JobPayload; retry_count: number; last_error: string | null; completed_on: Date }>(
      `SELECT k.key, j.name AS task, j.data->'payload' AS data, j.retry_count, j.output->>'message' AS last_error, j.completed_on
         FROM job_keys k JOIN ${SCHEMA}.job j ON j.name = k.queue AND j.id = k.job_id
        WHERE j.state = 'failed' AND ($1::text IS NULL OR j.name = $1)
        ORDER BY j.completed_on DESC, k.key
        LIMIT $2`,
      [options.task ?? null, options.limit ?? 100],
    );
    return rows.map((r) => ({
      key: r.key,
      task: r.task,
      payload: r.data,
      attempts: Number(r.retry_count) + 1,
      lastError: r.last_error,
      failedAt: new Date(r.completed_on),
    }));
  }

  async retry(key: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ queue: string; job_id: string }>('SELECT queue, job_id FROM job_keys WHERE key = $1', [key]);
    const holder = rows[0];
    if (!holder) return false;
    // pg-boss grants a failed job one more attempt, due at once.
    const retried = affectedRows(await this.boss.retry(holder.queue, holder.job_id)) > 0;
    if (retried) await this.wake();
    return retried;
  }

  private checkTask(task: string): void {
    if (!Object.hasOwn(this.options.tasks, task)) throw new JobDefinitionError(`unknown task "${task}"`);
  }

  private async fetch(task: string, limit: number): Promise<FetchedJob[]> {
    const jobs = await this.boss.fetch<Envelope>(task, { batchSize: limit, includeMetadata: true });
    return jobs.map((job) => ({
      id: job.id,
      key: job.singletonKey ?? '',
      payload: job.data.payload,
      // pg-boss counts retries; a run that was expired after its process died is one of them.
      attempt: job.retryCount + 1,
      maxAttempts: job.retryLimit + 1,
      timeoutMs: job.data.timeoutSeconds * 1000,
    }));
  }

  private async complete(task: string, job: FetchedJob): Promise<void> {
    // The key is released with the job's completion, so a later enqueue of it starts afresh.
    await inTransaction(this.pool, async (tx) => {
      await this.boss.complete(task, job.id, {}, { db: bossDb(tx) });
      await tx.query('DELETE FROM job_keys WHERE key = $1 AND job_id = $2', [job.key, job.id]);
    });
  }

  private async fail(task: string, job: FetchedJob, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.boss.fail(task, job.id, { message: message.slice(0, 1000) });
  }
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new JobDefinitionError(`a job key must have 1 to ${MAX_KEY_LENGTH} characters`);
}
