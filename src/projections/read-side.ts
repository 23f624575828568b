/**
 * The read side's composition root: projections, their engine, queries, availability, audit,
 * read-your-writes and the live change feed, built from what the app already has.
 *
 *   const readSide = createReadSide({ pool, db, eventStore, logger, metrics, runProjections });
 *   await readSide.start();      // listen for changes; start the workers when runProjections
 *   ...
 *   await readSide.stop();       // before closing the database
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { SqlPool } from '../db/sql';
import type { EventStore, Position } from '../events/event-store';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { analyticsProjection } from './analytics/analytics.projection';
import { AuditService } from './audit/audit';
import { AvailabilityService } from './availability/availability';
import type { ReadModelChange } from './changes/change';
import { ChangeFeed, type ChangeListener } from './changes/change-feed';
import type { BatchResult } from './engine/apply-batch';
import { readCheckpoints } from './engine/checkpoints';
import { type EngineOptions, ProjectionEngine } from './engine/engine';
import { ProgressTracker } from './engine/progress';
import type { RebuildReport } from './engine/rebuild';
import { ReadQueries } from './queries/read-queries';
import { scheduleProjection } from './schedule/schedule.projection';

export interface ReadSideOptions {
  readonly pool: SqlPool;
  readonly db: Kysely<Database>;
  readonly eventStore: EventStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Run the projection workers in this process. Safe on any number of processes: one worker per
   * projection leads (PostgreSQL advisory lock), the others stand by and take over when it dies.
   */
  readonly runProjections: boolean;
  readonly engine?: EngineOptions;
  /** Providers whose availability inputs stay cached (default 10000). */
  readonly availabilityCacheSize?: number;
}

export interface ReadSide {
  /** Listen for changes (every process) and start the workers (when runProjections). */
  start(): Promise<void>;
  /** Stop the workers and stop listening. Call before closing the pool. */
  stop(): Promise<void>;
  /**
   * Read-your-writes: true once every projection has applied everything up to `position` (a command's
   * AppendResult position), false when `timeoutMs` passes first. Null resolves true at once (a
   * command that appended nothing).
   */
  waitForPosition(position: Position | null, timeoutMs: number): Promise<boolean>;
  readonly queries: ReadQueries;
  readonly availability: AvailabilityService;
  readonly audit: AuditService;
  readonly changes: {
    /** Every change any process's projections commit from now on; returns the unsubscribe function. */
    subscribe(listener: ChangeListener): () => void;
  };
  /** Rebuild one projection (or all, in order) from zero; the live read model stays readable throughout. */
  rebuild(name?: string): Promise<RebuildReport[]>;
  /** Names of the projections: `schedule`, `analytics`. */
  readonly projections: readonly string[];
  /** The engine, for operations and tests (runners, lag sampling). */
  readonly engine: ProjectionEngine;
}

export function createReadSide(options: ReadSideOptions): ReadSide {
  const { pool, db, eventStore, logger, metrics } = options;
  const log = logger.child({ module: 'read-side' });
  const projections = [scheduleProjection(), analyticsProjection()];
  const names = projections.map((p) => p.name);
  const availability = new AvailabilityService(db, options.availabilityCacheSize === undefined ? {} : { maxProviders: options.availabilityCacheSize });

  const dropCached = (changes: readonly ReadModelChange[]): void => {
    for (const c of changes) {
      if (c.kind === 'reset') availability.invalidateAll();
      else if (c.kind === 'availability') availability.invalidate(c.providerId);
    }
  };

  // When this process leads every projection its in-memory progress is complete: no need to read it.
  const progress = new ProgressTracker(names, async () => (engine.leadsAll ? new Map() : readCheckpoints(pool, names)));
  const feed = new ChangeFeed(pool, log, {
    changed: dropCached,
    progressed: (projection, position) => progress.advance(projection, position),
  });

  // Publications of one projection go out in commit order.
  const publishing = new Map<string, Promise<void>>();
  const publish = (projection: string, position: Position, changes: readonly ReadModelChange[]): Promise<void> => {
    const next = (publishing.get(projection) ?? Promise.resolve()).then(() => feed.publish(projection, position, changes));
    publishing.set(projection, next);
    return next;
  };

  const engine = new ProjectionEngine({ pool, eventStore, logger: log, metrics }, projections, options.engine ?? {}, {
    committed: (projection: string, result: BatchResult) => {
      // Order matters: drop stale cache entries, then report progress (which releases read-your-writes
      // waiters), then tell other processes and subscribers.
      for (const providerId of result.providers) availability.invalidate(providerId);
      progress.advance(projection, result.position);
      void publish(projection, result.position, result.changes);
    },
  });

  let started = false;
  return {
    projections: names,
    engine,
    queries: new ReadQueries(db),
    availability,
    audit: new AuditService(eventStore, db),
    changes: { subscribe: (listener) => feed.subscribe(listener) },
    async start() {
      if (started) return;
      started = true;
      await feed.start();
      await progress.refresh();
      if (options.runProjections) engine.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      await engine.stop();
      await Promise.all(publishing.values());
      await feed.stop();
    },
    waitForPosition: (position, timeoutMs) => progress.waitFor(position, timeoutMs),
    async rebuild(name) {
      const reports = await engine.rebuild(name);
      for (const r of reports) {
        availability.invalidateAll();
        progress.advance(r.projection, r.position);
        await publish(r.projection, r.position, [{ kind: 'reset', projection: r.projection }]);
      }
      return reports;
    },
  };
}
