/**
 * The polling loop of one task: fetch up to `concurrency` due jobs, run each with a deadline, report
 * the outcome, fetch again as soon as a slot frees up, and otherwise sleep until the next poll or a
 * wake-up. Storage is behind `TaskStore` (pg-boss in pg-boss-job-queue.ts), so this file holds only
 * the scheduling of runs in this process.
 */
import type { JobPayload } from './job-queue';

export interface FetchedJob {
  readonly id: string;
  readonly key: string;
  readonly payload: JobPayload;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export interface TaskStore {
  fetch(limit: number): Promise<FetchedJob[]>;
  complete(job: FetchedJob): Promise<void>;
  fail(job: FetchedJob, error: unknown): Promise<void>;
}

export type RunJob = (job: FetchedJob, signal: AbortSignal) => Promise<void>;

export class JobAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobAbortedError';
  }
}

export class TaskWorker {
  private readonly running = new Map<Promise<void>, AbortController>();
  private stopping = false;
  private woken = false;
  private wakeSleeper: (() => void) | null = null;
  private readonly loop: Promise<void>;

  constructor(
    private readonly store: TaskStore,
    private readonly run: RunJob,
    private readonly options: { readonly concurrency: number; readonly pollIntervalMs: number; readonly onError: (err: unknown) => void },
  ) {
    this.loop = this.poll();
  }

  /** Look for due jobs now (a wake-up that arrives mid-fetch is kept for the next sleep). */
  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  /** Take no more jobs; wait for running ones up to `graceMs`, then abort them (they fail that attempt). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    if (this.running.size === 0) return;
    const timer = setTimeout(() => {
      for (const controller of this.running.values()) controller.abort(new JobAbortedError('the job queue stopped'));
    }, graceMs);
    await Promise.allSettled([...this.running.keys()]);
    clearTimeout(timer);
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      const free = this.options.concurrency - this.running.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = await this.store.fetch(free);
          fetched = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (err) {
          this.options.onError(err);
        }
      }
      // A full batch may mean more are due: go again at once (or as soon as a run frees a slot).
      if (fetched > 0 && fetched === free) {
        if (this.running.size >= this.options.concurrency) await this.sleep(undefined);
        continue;
      }
      await this.sleep(this.options.pollIntervalMs);
    }
  }

  private launch(job: FetchedJob): void {
    const controller = new AbortController();
    const done = this.execute(job, controller).finally(() => {
      this.running.delete(done);
      this.wake();
    });
    this.running.set(done, controller);
  }

  private async execute(job: FetchedJob, controller: AbortController): Promise<void> {
    const timer = setTimeout(() => controller.abort(new JobAbortedError(`timed out after ${job.timeoutMs} ms`)), job.timeoutMs);
    try {
      // A handler that ignores the signal is abandoned at the deadline: its late result does not count.
      await Promise.race([this.run(job, controller.signal), rejectOnAbort(controller.signal)]);
    } catch (err) {
      clearTimeout(timer);
      await this.store.fail(job, err).catch(this.options.onError);
      return;
    }
    clearTimeout(timer);
    // If this write is lost (crash, database gone), the job stays active, expires and runs again.
    await this.store.complete(job).catch(this.options.onError);
  }

  /** Until `ms` elapse (undefined = no timer) or `wake()`. */
  private async sleep(ms: number | undefined): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeSleeper = null;
    this.woken = false;
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const abort = (): void => reject(signal.reason instanceof Error ? signal.reason : new JobAbortedError('aborted'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
