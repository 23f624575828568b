/**
 * Test fixture of the read side: a fresh database (PostgreSQL or PGlite), the PostgreSQL event store,
 * the real command handler (decide + evolve + hash chain) and a read side with quick timings.
 * `append` writes exact events (with a proper hash chain) for specs that need events the decider
 * would never produce, such as an overlap the read side must catch.
 */
import { type OpenedDatabase, createKysely } from '../db/database';
import type { SqlConnection, SqlPool } from '../db/sql';
import { PostgresSnapshotStore } from '../commands/snapshot-store';
import { PostgresStreamIndex } from '../commands/stream-index';
import { type CommandContext, ProviderCommandHandler } from '../commands/provider-command-handler';
import type { ProviderCommand } from '../domain/provider';
import { type AppendResult, type JsonObject, type JsonValue, type Position, type RecordedEvent, START, StreamNotFoundError, comparePositions } from '../events/event-store';
import { eventHash } from '../events/integrity';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { PROVIDER_EVENT_SCHEMA_VERSIONS, providerStreamName } from '../events/provider-events';
import type { ProviderEvent } from '../domain/provider/events';
import { createLogger, type Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { type Backend, openTestDatabase } from '../../test/support/test-database';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ReadModelChange } from './changes/change';
import { type BatchHooks, applyCheckpointedBatch } from './engine/apply-batch';
import { PROVIDER_FILTER } from './engine/projection-runner';
import { analyticsProjection } from './analytics/analytics.projection';
import { scheduleProjection } from './schedule/schedule.projection';
import { createReadSide, type ReadSide, type ReadSideOptions } from './read-side';

export const testLogger = (): Logger => createLogger(process.env.TEST_LOG ?? 'silent');

/** Quick timings for tests: short lease polls and retries, no background lag sampling. */
export const QUICK = { leaseRetryMs: 50, retryBaseMs: 20, retryMaxMs: 200, lagSampleMs: 0 } as const;

export interface Fixture {
  readonly backend: Backend;
  readonly database: OpenedDatabase & { url?: string };
  readonly store: PostgresEventStore;
  readonly handler: ProviderCommandHandler;
  readonly readSide: ReadSide;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Append exact events to a provider stream, chained to what is there, as `actor`. */
  append(providerId: string, events: readonly ProviderEvent[], actor?: CommandContext['actor']): Promise<AppendResult>;
  /** Run a command through the real command handler. */
  run(providerId: string, command: ProviderCommand, context: Omit<CommandContext, 'correlationId'> & { correlationId?: string }): Promise<Position | null>;
  /** Wait until every projection has applied everything in the store. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openFixture(
  backend: Backend,
  options: {
    readonly runProjections?: boolean;
    readonly readSide?: Partial<ReadSideOptions>;
    readonly poolSize?: number;
    /** Wrap the pool the read side uses (its Kysely too), e.g. to count its statements. */
    readonly wrapPool?: (pool: SqlPool) => SqlPool;
  } = {},
): Promise<Fixture> {
  const database = await openTestDatabase(backend, { poolSize: options.poolSize ?? 20 });
  const readPool = options.wrapPool ? options.wrapPool(database.pool) : database.pool;
  const store = new PostgresEventStore(database.pool, { pollIntervalMs: 200 });
  const logger = testLogger().child({ suite: path.basename(expect.getState().testPath ?? '') });
  const metrics = createMetrics();
  const handler = new ProviderCommandHandler(store, new PostgresSnapshotStore(database.db), new PostgresStreamIndex(database.db), logger);
  const readSide = createReadSide({
    pool: readPool,
    db: readPool === database.pool ? database.db : createKysely(readPool),
    eventStore: store,
    logger,
    metrics,
    runProjections: options.runProjections ?? true,
    engine: QUICK,
    ...options.readSide,
  });
  await readSide.start();
  // Every position this fixture appended: `headPosition` alone could lag behind them (it only shows
  // events older than every running transaction, and projection batches are transactions too).
  let appended: Position = START;
  const remember = <T extends { position: Position } | null>(result: T): T => {
    if (result !== null && comparePositions(result.position, appended) > 0) appended = result.position;
    return result;
  };
  return {
    backend,
    database,
    store,
    handler,
    readSide,
    metrics,
    logger,
    append: async (providerId, events, actor) => remember(await appendChained(store, providerId, events, actor)),
    run: async (providerId, command, context) => {
      const result = await handler.handle(providerId, command, { correlationId: randomUUID(), ...context });
      return result.position === null ? null : remember({ position: result.position }).position;
    },
    settle: async (timeoutMs = 15_000) => {
      const head = await store.headPosition();
      const target = comparePositions(head, appended) > 0 ? head : appended;
      if (!(await readSide.waitForPosition(target, timeoutMs))) throw new Error('the read side did not catch up in time');
    },
    close: async () => {
      await readSide.stop();
      await store.close();
      await database.close();
    },
  };
}

/** Append events as the command handler would: metadata with actor, schema version and the hash chain. */
export async function appendChained(
  store: PostgresEventStore,
  providerId: string,
  events: readonly ProviderEvent[],
  actor: CommandContext['actor'] = { id: 'test-actor', role: 'ADMIN' },
): Promise<AppendResult> {
  const stream = providerStreamName(providerId);
  let prevHash: string | null = null;
  let revision: number | 'no_stream' = 'no_stream';
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    if (last) {
      prevHash = typeof last.metadata.hash === 'string' ? last.metadata.hash : null;
      revision = last.revision;
    }
  } catch (err) {
    if (!(err instanceof StreamNotFoundError)) throw err;
  }
  const batch = events.map((event) => {
    const metadata: JsonObject = {
      actorId: actor.id,
      actorRole: actor.role,
      correlationId: randomUUID(),
      causationId: null,
      requestedAt: new Date().toISOString(),
      schemaVersion: PROVIDER_EVENT_SCHEMA_VERSIONS[event.type],
      prevHash,
    };
    const data = event.data as unknown as JsonValue;
    const hash = eventHash(prevHash, event.type, data, metadata);
    prevHash = hash;
    return { id: randomUUID(), type: event.type, data, metadata: { ...metadata, hash } };
  });
  return store.appendToStream(stream, batch, { expectedRevision: revision });
}

/** A pool that counts the statements run through it (and through Kysely over it). */
export function countingPool(pool: SqlPool): { pool: SqlPool; count: () => number } {
  let statements = 0;
  const counted: SqlPool = {
    kind: pool.kind,
    concurrentSessions: pool.concurrentSessions,
    query: (text, params) => {
      statements++;
      return pool.query(text, params);
    },
    connect: async () => {
      const conn = await pool.connect();
      const wrapped: SqlConnection = {
        query: (text, params) => {
          statements++;
          return conn.query(text, params);
        },
        release: (destroy) => conn.release(destroy),
      };
      return wrapped;
    },
    listen: (channel, handler) => pool.listen(channel, handler),
    notify: (channel, payload) => pool.notify(channel, payload),
    end: () => pool.end(),
  };
  return { pool: counted, count: () => statements };
}

/**
 * Every read-model table as plain, ordered rows (instants as ISO text), for comparing read models.
 * Columns that record *when* a row was projected are not part of the model and are left out.
 */
export async function readModelSnapshot(pool: SqlPool, tables: readonly string[]): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) {
    const r = await pool.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
    snapshot[table] = r.rows.map((x) => (x as { row: unknown }).row);
  }
  return snapshot;
}

export const READ_MODEL_TABLES = [
  'rm_providers',
  'rm_services',
  'rm_schedule_overrides',
  'rm_appointments',
  'rm_busy_intervals',
  'rm_invariant_breaches',
  'rm_analytics_providers',
  'rm_analytics_appointments',
  'rm_daily_stats',
] as const;

/** The first change (from now on) that `matches`. */
export function nextChange(f: Pick<Fixture, 'readSide'>, matches: (change: ReadModelChange) => boolean): Promise<ReadModelChange> {
  return new Promise((resolve) => {
    const unsubscribe = f.readSide.changes.subscribe((change) => {
      if (!matches(change)) return;
      unsubscribe();
      resolve(change);
    });
  });
}

/**
 * A gate for the engine's `beforeCommit` hook: the next batch of `projection` that reaches it pauses
 * inside its transaction (reporting its backend pid) until released — or throws instead, once.
 */
export class BatchGate {
  private armed: { readonly projection: string; readonly mode: 'pause' | 'throw' } | null = null;
  private reachedResolve: ((pid: number) => void) | null = null;
  private releaseResolve: (() => void) | null = null;
  private releasePromise: Promise<void> = Promise.resolve();
  /** Batches that went through the hook, per projection. */
  readonly passed = new Map<string, number>();

  readonly hooks: BatchHooks = {
    beforeCommit: async ({ projection, tx }) => {
      this.passed.set(projection, (this.passed.get(projection) ?? 0) + 1);
      const armed = this.armed;
      if (armed === null || armed.projection !== projection) return;
      this.armed = null;
      if (armed.mode === 'throw') throw new Error('injected batch failure');
      const r = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.reachedResolve?.(Number(r.rows[0]?.pid ?? -1));
      await this.releasePromise;
    },
  };

  /** Pause the next batch of `projection`; resolves with its backend pid once it is inside. */
  pauseNext(projection: string): Promise<number> {
    this.armed = { projection, mode: 'pause' };
    this.releasePromise = new Promise((resolve) => {
      this.releaseResolve = resolve;
    });
    return new Promise((resolve) => {
      this.reachedResolve = resolve;
    });
  }

  /** Make the next batch of `projection` fail once. */
  failNext(projection: string): void {
    this.armed = { projection, mode: 'throw' };
  }

  release(): void {
    this.releaseResolve?.();
  }
}

/**
 * "Replay twice" for checkpointed projections: deliver the whole history again to every projection,
 * as a second worker, a retry after a lost COMMIT acknowledgement or a stale subscription would, and
 * prove the read model does not change.
 */
export async function expectReplayChangesNothing(f: Fixture): Promise<void> {
  await f.settle();
  const before = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
  const events = await f.store.readAll({ fromPosition: 'start', maxCount: 100_000, filter: PROVIDER_FILTER });
  for (const projection of [scheduleProjection(), analyticsProjection()]) {
    const outcome = await applyCheckpointedBatch(f.database.pool, projection, events, START, { leasePid: null, logger: f.logger });
    expect(outcome).toMatchObject({ kind: 'applied', applied: 0 });
  }
  expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(before);
}

/**
 * Every provider event of the store up to and including the one at `position`, once that one can be
 * read: an append commits before all older transactions of the cluster (other suites) have ended, and
 * the store delivers it only after them, so this follows `$all` until the event arrives.
 */
export async function readAllUpTo(f: Pick<Fixture, 'store'>, position: Position): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  if (comparePositions(position, START) === 0) return events;
  const stop = new AbortController();
  try {
    for await (const message of f.store.subscribeToAll({ fromPosition: 'start', filter: PROVIDER_FILTER, signal: stop.signal })) {
      if (message.kind !== 'event') continue;
      events.push(message.event);
      if (comparePositions(message.event.position, position) >= 0) return events;
    }
  } finally {
    stop.abort();
  }
  throw new Error('the subscription ended before the event arrived');
}

/**
 * The busy list's guards held and every row they refused is on record: no two busy rows of a provider
 * overlap outside a class session, every busy row is a live appointment's, and every live appointment
 * without its busy row is named by a breach.
 */
export async function expectGuardsHeldAndRefusalsRecorded(f: Pick<Fixture, 'database'>): Promise<void> {
  const q = async (text: string) => (await f.database.pool.query(text)).rows;
  expect(await q(`SELECT a.appointment_id FROM rm_busy_intervals a JOIN rm_busy_intervals b
                    ON a.provider_id = b.provider_id AND a.appointment_id < b.appointment_id
                   AND a.occupied && b.occupied AND a.session_key <> b.session_key`)).toEqual([]);
  expect(await q(`SELECT b.appointment_id FROM rm_busy_intervals b LEFT JOIN rm_appointments a ON a.id = b.appointment_id
                   WHERE a.id IS NULL OR a.status NOT IN ('PENDING', 'CONFIRMED') OR a.start_at <> b.start_at`)).toEqual([]);
  expect(await q(`SELECT a.id FROM rm_appointments a
                   WHERE a.status IN ('PENDING', 'CONFIRMED')
                     AND NOT EXISTS (SELECT 1 FROM rm_busy_intervals b WHERE b.appointment_id = a.id)
                     AND NOT EXISTS (SELECT 1 FROM rm_invariant_breaches r WHERE r.projection = 'schedule' AND r.subject = a.id)`)).toEqual([]);
}
