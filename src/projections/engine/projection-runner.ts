/**
 * The worker of one projection: take the lease, subscribe to `$all` (provider streams) from the stored
 * checkpoint, group what the subscription has ready into batches, apply each batch in one transaction
 * with its checkpoint, repeat. The subscription catches up, then is woken by the event store's
 * notifications. A failed batch (database down, connection killed) is retried with backoff from the
 * stored checkpoint, which it never advanced.
 */
import type { Logger } from '../../logger';
import type { SqlPool } from '../../db/sql';
import {
  type EventStore,
  type Position,
  type RecordedEvent,
  START,
  type SubscriptionMessage,
  comparePositions,
  positionToString,
} from '../../events/event-store';
import { PROVIDER_STREAM_PREFIX } from '../../events/provider-events';
import { type BatchHooks, type BatchResult, applyCheckpointedBatch } from './apply-batch';
import { readCheckpoint } from './checkpoints';
import { type Lease, acquireLease, leaseKey } from './lease';
import type { Projection } from './projection';
import { type BackoffOptions, backoffDelay, sleep } from './timing';

export const PROVIDER_FILTER = { streamNamePrefixes: [PROVIDER_STREAM_PREFIX] } as const;

export interface RunnerOptions {
  /** Most events per batch (and per read while catching up). */
  readonly batchSize: number;
  /** How often a standby retries the lease, ms. */
  readonly leaseRetryMs: number;
  /** Backoff of failed batches. */
  readonly retry: BackoffOptions;
  readonly hooks?: BatchHooks;
}

export interface RunnerListener {
  /** After each committed batch, before the next one starts. Must not throw. */
  committed(projection: string, result: BatchResult): void;
  /** A batch failed; it will be retried after `retryInMs`. */
  failed?(projection: string, err: unknown, retryInMs: number): void;
}

const IDLE = Symbol('idle');
/** Resolves after the current turn's I/O: whatever the subscription already holds arrives before it. */
const nextTurn = (): Promise<typeof IDLE> => new Promise((resolve) => setImmediate(() => resolve(IDLE)));

export class ProjectionRunner {
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;
  private lease: Lease | null = null;
  private failures = 0;
  private lastApplied: { position: Position; created: Date } | null = null;
  private leadWaiters: Array<() => void> = [];
  private standbyWaiters: Array<() => void> = [];

  constructor(
    private readonly pool: SqlPool,
    private readonly store: EventStore,
    readonly projection: Projection,
    private readonly logger: Logger,
    private readonly options: RunnerOptions,
    private readonly listener: RunnerListener,
  ) {}

  get name(): string {
    return this.projection.name;
  }

  /** True while this worker holds the projection's lease. */
  get leading(): boolean {
    return this.lease !== null;
  }

  /** Position and time of the newest event this worker applied (null before its first batch). */
  get applied(): { readonly position: Position; readonly created: Date } | null {
    return this.lastApplied;
  }

  /** Resolves once this worker holds the lease (at once when it already does). */
  whenLeading(): Promise<void> {
    if (this.lease !== null) return Promise.resolve();
    return new Promise((resolve) => this.leadWaiters.push(resolve));
  }

  /** Resolves once this worker does not hold the lease (at once when it does not). */
  whenStandingBy(): Promise<void> {
    if (this.lease === null) return Promise.resolve();
    return new Promise((resolve) => this.standbyWaiters.push(resolve));
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const lease = await acquireLease(this.pool, leaseKey(this.name), { signal, retryMs: this.options.leaseRetryMs, logger: this.logger });
      if (lease === null) return;
      this.lease = lease;
      this.logger.info({ projection: this.name }, 'projection worker leads');
      for (const resolve of this.leadWaiters.splice(0)) resolve();
      try {
        await this.lead(lease, signal);
      } finally {
        this.lease = null;
        for (const resolve of this.standbyWaiters.splice(0)) resolve();
        await lease.release();
      }
      if (!signal.aborted) this.logger.warn({ projection: this.name }, 'projection lease lost; standing by');
    }
  }

  /** Apply batches until the lease is lost or the runner stops. */
  private async lead(lease: Lease, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if ((await this.follow(lease, signal)) === 'lease-lost') return;
      } catch (err) {
        if (signal.aborted) return;
        this.failures++;
        const delay = backoffDelay(this.failures, this.options.retry);
        this.logger.error({ err, projection: this.name, attempt: this.failures, retryInMs: delay }, 'projection batch failed; retrying from the checkpoint');
        this.listener.failed?.(this.name, err, delay);
        await sleep(delay, signal);
      }
    }
  }

  /** Subscribe from the stored checkpoint and apply what arrives; returns why it stopped following. */
  private async follow(lease: Lease, signal: AbortSignal): Promise<'lease-lost' | 'moved' | 'stopped'> {
    const checkpoint = await readCheckpoint(this.pool, this.name);
    // Checked after the await: a stop that came while reading must not leave a subscription running.
    if (signal.aborted) return 'stopped';
    const subscription = new AbortController();
    const stop = (): void => subscription.abort();
    signal.addEventListener('abort', stop);
    const iterator = this.store
      .subscribeToAll({
        fromPosition: comparePositions(checkpoint, START) === 0 ? 'start' : checkpoint,
        filter: PROVIDER_FILTER,
        signal: subscription.signal,
        batchSize: this.options.batchSize,
      })
      [Symbol.asyncIterator]();
    const next = (): Promise<IteratorResult<SubscriptionMessage>> => {
      const p = iterator.next();
      p.catch(() => undefined); // awaited below; this only keeps an abandoned one from being "unhandled"
      return p;
    };
    let cursor = checkpoint;
    let pending = next();
    try {
      for (;;) {
        const first = await pending;
        if (first.done) return 'stopped';
        pending = next();
        if (first.value.kind === 'caughtUp') continue;
        const batch: RecordedEvent[] = [first.value.event];
        while (batch.length < this.options.batchSize) {
          const ready = await Promise.race([pending, nextTurn()]);
          if (ready === IDLE || ready.done) break;
          pending = next();
          if (ready.value.kind === 'caughtUp') break;
          batch.push(ready.value.event);
        }
        const outcome = await applyCheckpointedBatch(this.pool, this.projection, batch, cursor, {
          leasePid: lease.pid,
          logger: this.logger,
          ...(this.options.hooks ? { hooks: this.options.hooks } : {}),
        });
        if (outcome.kind === 'lease-lost') return 'lease-lost';
        if (outcome.kind === 'moved') {
          this.logger.info({ projection: this.name, checkpoint: positionToString(outcome.checkpoint) }, 'checkpoint moved elsewhere; re-reading from it');
          return 'moved';
        }
        const last = batch[batch.length - 1] as RecordedEvent;
        cursor = last.position;
        this.failures = 0;
        this.lastApplied = { position: outcome.position, created: last.created };
        this.logger.debug({ projection: this.name, events: batch.length, applied: outcome.applied, position: positionToString(outcome.position) }, 'batch committed');
        this.listener.committed(this.name, outcome);
      }
    } finally {
      subscription.abort();
      signal.removeEventListener('abort', stop);
      void iterator.return?.().catch(() => undefined);
    }
  }
}
