/**
 * The projection engine: one runner per projection, lag metrics, and rebuilds. What happens after a
 * commit (cache invalidation, read-your-writes progress, the change feed) is the caller's listener.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../logger';
import type { Metrics } from '../../metrics';
import type { SqlPool } from '../../db/sql';
import { type EventStore, START, comparePositions } from '../../events/event-store';
import type { BatchHooks, BatchResult } from './apply-batch';
import { readCheckpoints } from './checkpoints';
import type { Projection } from './projection';
import { PROVIDER_FILTER, ProjectionRunner, type RunnerListener } from './projection-runner';
import { type RebuildReport, rebuildProjections } from './rebuild';

export interface EngineOptions {
  /** Most events per batch (default 500). */
  readonly batchSize?: number;
  /** How often a standby process retries the lease, ms (default 2000). */
  readonly leaseRetryMs?: number;
  /** Backoff of failed batches: first and largest delay, ms (defaults 200 and 30000). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** How often the leader samples its lag behind the head, ms (default 5000; 0 = never). */
  readonly lagSampleMs?: number;
  /** Lag samples count at most this many events (default 10000). */
  readonly lagScanLimit?: number;
  readonly hooks?: BatchHooks;
}

export interface EngineDeps {
  readonly pool: SqlPool;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The counters the read side adds to the app's registry (once per registry). */
export interface ReadSideCounters {
  readonly breaches: Counter<'projection' | 'kind'>;
  readonly batchFailures: Counter<'projection'>;
  readonly eventsApplied: Counter<'projection'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function readSideCounters(metrics: Metrics): ReadSideCounters {
  return {
    breaches: counter(metrics.registry, 'slotstream_read_model_invariant_breaches_total', 'Recorded events a read model could not take as they are (overlap, seats, refused rows)', ['projection', 'kind']),
    batchFailures: counter(metrics.registry, 'slotstream_projection_batch_failures_total', 'Projection batches that failed and were retried', ['projection']),
    eventsApplied: counter(metrics.registry, 'slotstream_projection_events_applied_total', 'Events applied by projections', ['projection']),
  };
}

export class ProjectionEngine {
  readonly runners: readonly ProjectionRunner[];
  private readonly counters: ReadSideCounters;
  private lagTimer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> | null = null;

  constructor(
    private readonly deps: EngineDeps,
    readonly projections: readonly Projection[],
    private readonly options: EngineOptions,
    listener: RunnerListener,
  ) {
    this.counters = readSideCounters(deps.metrics);
    const runnerOptions = {
      batchSize: options.batchSize ?? 500,
      leaseRetryMs: options.leaseRetryMs ?? 2000,
      retry: { baseMs: options.retryBaseMs ?? 200, maxMs: options.retryMaxMs ?? 30_000 },
      ...(options.hooks ? { hooks: options.hooks } : {}),
    };
    this.runners = projections.map(
      (p) =>
        new ProjectionRunner(deps.pool, deps.eventStore, p, deps.logger, runnerOptions, {
          committed: (name: string, result: BatchResult) => {
            this.counters.eventsApplied.inc({ projection: name }, result.applied);
            for (const b of result.breaches) {
              this.counters.breaches.inc({ projection: name, kind: b.kind });
              deps.logger.error(
                { projection: name, kind: b.kind, subject: b.subject, providerId: b.providerId, detail: b.detail, stream: b.event.recorded.streamName, revision: b.event.recorded.revision },
                'read-model invariant breach: recorded in rm_invariant_breaches, row skipped',
              );
            }
            listener.committed(name, result);
          },
          failed: (name: string, err: unknown, retryInMs: number) => {
            this.counters.batchFailures.inc({ projection: name });
            listener.failed?.(name, err, retryInMs);
          },
        }),
    );
  }

  get names(): string[] {
    return this.projections.map((p) => p.name);
  }

  /** True when this process leads every projection (its in-memory progress is then complete). */
  get leadsAll(): boolean {
    return this.runners.length > 0 && this.runners.every((r) => r.leading);
  }

  /** Resolves once this process leads every projection. */
  async whenLeadingAll(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.whenLeading()));
  }

  start(): void {
    for (const r of this.runners) r.start();
    const every = this.options.lagSampleMs ?? 5000;
    if (every > 0 && this.lagTimer === null) {
      this.lagTimer = setInterval(() => void this.sampleLag(), every);
      this.lagTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    this.lagTimer = null;
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.sampling;
  }

  /**
   * Export each led projection's lag: events between its checkpoint and the head of `$all` (provider
   * streams; counted up to `lagScanLimit`), and milliseconds between the newest of those events and
   * the newest event it applied. Standbys export nothing (the leader does).
   */
  sampleLag(): Promise<void> {
    this.sampling ??= (async () => {
      const { metrics, eventStore, pool, logger } = this.deps;
      try {
        // The leader exports; a process that stopped leading drops its stale values.
        for (const r of this.runners.filter((x) => !x.leading)) {
          metrics.projectionLagEvents.remove({ projection: r.name });
          metrics.projectionLagMs.remove({ projection: r.name });
        }
        const led = this.runners.filter((r) => r.leading);
        if (led.length === 0) return;
        const stored = await readCheckpoints(pool, led.map((r) => r.name));
        for (const runner of led) {
          const checkpoint = stored.get(runner.name) ?? START;
          const ahead = await eventStore.readAll({ fromPosition: checkpoint, maxCount: this.options.lagScanLimit ?? 10_000, filter: PROVIDER_FILTER });
          const newest = ahead[ahead.length - 1];
          const applied = runner.applied;
          const appliedAt = applied !== null && comparePositions(applied.position, checkpoint) === 0 ? applied.created : ahead[0]?.created;
          metrics.projectionLagEvents.set({ projection: runner.name }, ahead.length);
          metrics.projectionLagMs.set({ projection: runner.name }, newest === undefined || appliedAt === undefined ? 0 : Math.max(0, newest.created.getTime() - appliedAt.getTime()));
        }
      } catch (err) {
        logger.debug({ err }, 'projection lag sample failed');
      } finally {
        this.sampling = null;
      }
    })();
    return this.sampling;
  }

  /** Rebuild one projection (or all) from zero into shadow copies and swap them in. */
  async rebuild(name?: string): Promise<RebuildReport[]> {
    const chosen = name === undefined ? this.projections : this.projections.filter((p) => p.name === name);
    if (chosen.length === 0) throw new Error(`Unknown projection ${name ?? ''}; known: ${this.names.join(', ')}`);
    // One pass over `$all` for all of them, swapped in together.
    return rebuildProjections(this.deps, chosen);
  }
}
