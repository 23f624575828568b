import type { SqlExecutor } from '../db/sql';

/**
 * Durable scheduled work: the port reactors and resolvers use. Every job has a key chosen by the
 * caller (`reminder:<appointment>:48h`, `email:<notification>`): enqueueing an existing key replaces
 * its job (a reschedule moves the reminder), removing a key cancels it. Jobs are enqueued and removed
 * inside the caller's transaction, so they exist exactly when the caller's other writes (a reactor's
 * checkpoint) do. A job runs at least once: a handler must be idempotent, and is told which attempt it is.
 *
 * The one implementation is `PgBossJobQueue` (pg-boss on PostgreSQL and on PGlite).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { readonly [key: string]: JsonValue };
export type JobPayload = { readonly [key: string]: JsonValue };

export interface JobSpec {
  /** Identifies the job for replace/remove/retry; at most 200 characters. */
  readonly key: string;
  /** One of the tasks the queue was created with. */
  readonly task: string;
  readonly payload: JobPayload;
  /** Not before this instant; absent = now. */
  readonly runAt?: Date;
  /** Attempts before the job gives up and stays FAILED (default 5). */
  readonly maxAttempts?: number;
  /**
   * Base of the exponential backoff between attempts, in seconds (default 30): attempt n+1 waits
   * between base·2^(n-1) and twice that (random jitter), so the first retry comes within 2·base.
   */
  readonly retryBaseSeconds?: number;
  /** A run longer than this is aborted and counts as a failed attempt (default 60). */
  readonly timeoutSeconds?: number;
}

export interface JobContext {
  readonly key: string;
  readonly task: string;
  /** 1 on the first run; a job that was running when its process died counts that run too. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the run times out or the queue stops; pass it to I/O that accepts one. */
  readonly signal: AbortSignal;
}

export type JobHandler = (payload: JobPayload, context: JobContext) => Promise<void>;

export interface FailedJob {
  readonly key: string;
  readonly task: string;
  readonly payload: JobPayload;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly failedAt: Date;
}

export interface JobQueue {
  /** Add the job, or replace the job that has this key, in the caller's transaction. */
  enqueue(tx: SqlExecutor, job: JobSpec): Promise<void>;
  /** Cancel the job with this key, in the caller's transaction. False when there was none. */
  remove(tx: SqlExecutor, key: string): Promise<boolean>;
  /** Run jobs with these handlers (one per task) until `stop()`. */
  start(handlers: Readonly<Record<string, JobHandler>>): Promise<void>;
  /** Stop taking jobs and wait for running ones (aborting them after the grace period). */
  stop(): Promise<void>;
  /**
   * Tell the workers of every process that jobs were committed, so they look now instead of at their
   * next poll. Call after the transaction that enqueued commits (a no-op for correctness: polls find them).
   */
  wake(): Promise<void>;
  /** Jobs that used up their attempts, newest first. */
  listFailed(options?: { readonly task?: string; readonly limit?: number }): Promise<FailedJob[]>;
  /** Run a FAILED job once more, now. False when the key has no failed job. */
  retry(key: string): Promise<boolean>;
}

/** A programming error in a job's definition (unknown task, bad key): the caller's bug, not bad input. */
export class JobDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobDefinitionError';
  }
}
