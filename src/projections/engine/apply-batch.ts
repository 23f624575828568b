/**
 * One batch, one transaction: lock the checkpoint row, apply the events after it, move it. Committed
 * together, so a batch is applied exactly once or not at all — a crash or a killed connection in the
 * middle leaves neither rows nor checkpoint behind, and the retry starts from the same place.
 *
 * Idempotent by position: events at or before the stored checkpoint are dropped, so a batch delivered
 * twice (a retry after a lost COMMIT acknowledgement, a second worker, a rebuild that swapped a newer
 * copy in) changes nothing the second time. A checkpoint *behind* the batch's start means events in
 * between were never applied here: the batch is refused ('moved') and the worker re-reads from there.
 */
import { type SqlExecutor, type SqlPool, inTransaction, sqlErrorCode } from '../../db/sql';
import { type Position, type RecordedEvent, comparePositions } from '../../events/event-store';
import { quoteIdent } from '../../db/pg-pool';
import type { Logger } from '../../logger';
import type { ReadModelChange } from '../changes/change';
import { type ProjectedEvent, decodeForProjection } from '../events';
import { lockCheckpoint, saveCheckpoint } from './checkpoints';
import { BatchContext, type Breach, type Projection } from './projection';
import { foldFrom, isDataRefusal, writeRows } from './row-store';

export interface BatchHooks {
  /**
   * Test hook, awaited inside the batch transaction after the read model was written and before the
   * checkpoint moves and the transaction commits (a place to pause a batch, or to kill its connection).
   */
  beforeCommit?(info: { readonly projection: string; readonly tx: SqlExecutor; readonly events: readonly RecordedEvent[] }): Promise<void>;
}

export interface BatchResult {
  /** Checkpoint after the batch. */
  readonly position: Position;
  /** Events applied (0 when the whole batch was at or before the checkpoint already). */
  readonly applied: number;
  readonly changes: readonly ReadModelChange[];
  /** Providers whose cached availability is stale now. */
  readonly providers: readonly string[];
  readonly breaches: ReadonlyArray<Breach & { readonly event: ProjectedEvent }>;
}

export type BatchOutcome =
  | ({ readonly kind: 'applied' } & BatchResult)
  /** The checkpoint is behind the batch: re-read from `checkpoint`. */
  | { readonly kind: 'moved'; readonly checkpoint: Position }
  /** This worker's advisory lock is gone: another worker may lead now. */
  | { readonly kind: 'lease-lost' };

const max = (a: Position, b: Position): Position => (comparePositions(a, b) >= 0 ? a : b);

export function decodeAll(events: readonly RecordedEvent[], logger: Logger): ProjectedEvent[] {
  const out: ProjectedEvent[] = [];
  for (const e of events) {
    const decoded = decodeForProjection(e, logger);
    if (decoded !== null) out.push(decoded);
  }
  return out;
}

/**
 * Fold `events` into the projection's tables through `ctx.tx`: how live batches and the careful path
 * apply events (a rebuild's shadow copy runs the same fold and writer with its rows held in memory,
 * shadow-copy.ts, and applies pages this way after the guards refused one of its flushes). Fast: the
 * batch's rows loaded, folded and written in a few statements; a row the database refuses throws. Careful: event by event, each event's writes
 * in a savepoint — an event whose rows the database refuses is skipped and recorded as
 * `event_refused`, a guarded row it refuses (overlap, seats) is left out and recorded as what it is.
 */
export async function applyEvents(projection: Projection, events: readonly ProjectedEvent[], ctx: BatchContext): Promise<void> {
  const { tx } = ctx;
  const guarded = projection.guarded;
  if (!ctx.careful) {
    const folded = await foldFrom(tx, (rows) => projection.fold(rows, events));
    await writeRows(tx, folded.rows, guarded === undefined ? null : { table: guarded.table });
    ctx.changes.merge(folded.changes);
    return;
  }
  for (const event of events) {
    await tx.query('SAVEPOINT careful_event');
    try {
      const folded = await foldFrom(tx, (rows) => projection.fold(rows, [event]));
      await writeRows(
        tx,
        folded.rows,
        guarded === undefined ? null : { table: guarded.table, refused: async (row, err) => ctx.breach(event, await guarded.describe(tx, row, err)) },
      );
      await tx.query('RELEASE SAVEPOINT careful_event');
      ctx.changes.merge(folded.changes);
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT careful_event');
      await tx.query('RELEASE SAVEPOINT careful_event');
      await ctx.breach(event, {
        subject: event.recorded.id,
        kind: 'event_refused',
        providerId: event.providerId,
        detail: `the database refused this event's rows: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
}

/**
 * Fast first; when the database refuses a row for its data (an invariant guard, a value out of range)
 * the whole batch is re-run carefully, isolating and recording the refused rows.
 */
export async function fastThenCareful<T>(logger: Logger, projection: string, run: (careful: boolean) => Promise<T>): Promise<T> {
  try {
    return await run(false);
  } catch (err) {
    if (!isDataRefusal(err)) throw err;
    logger.warn({ projection, code: sqlErrorCode(err), err }, 'the database refused a row of this batch; re-applying it event by event');
    return run(true);
  }
}

/** Apply `events` (read after `from`) to the live read model and move the checkpoint, atomically. */
export function applyCheckpointedBatch(
  pool: SqlPool,
  projection: Projection,
  events: readonly RecordedEvent[],
  from: Position,
  options: { readonly leasePid: number | null; readonly logger: Logger; readonly hooks?: BatchHooks },
): Promise<BatchOutcome> {
  const { logger, hooks } = options;
  return fastThenCareful(logger, projection.name, (careful) =>
    inTransaction(pool, async (tx): Promise<BatchOutcome> => {
      const checkpoint = await lockCheckpoint(tx, projection.name, options.leasePid);
      if (!checkpoint.leased) return { kind: 'lease-lost' };
      if (comparePositions(checkpoint.position, from) < 0) return { kind: 'moved', checkpoint: checkpoint.position };
      const fresh = events.filter((e) => comparePositions(e.position, checkpoint.position) > 0);
      const last = events[events.length - 1]?.position ?? checkpoint.position;
      const position = max(checkpoint.position, last);
      if (fresh.length === 0) return { kind: 'applied', position, applied: 0, changes: [], providers: [], breaches: [] };
      const ctx = new BatchContext(projection.name, tx, logger, careful);
      await applyEvents(projection, decodeAll(fresh, logger), ctx);
      await hooks?.beforeCommit?.({ projection: projection.name, tx, events: fresh });
      await saveCheckpoint(tx, projection.name, position);
      return { kind: 'applied', position, applied: fresh.length, changes: ctx.changes.drain(), providers: ctx.changes.providers(), breaches: ctx.breaches };
    }),
  );
}

/**
 * Apply `events` (decoded) to a rebuild's shadow copy (no checkpoint: the rebuild tracks its own
 * position), fast first and carefully after a refusal, as a live batch. `SET LOCAL search_path`
 * points the projection's unqualified table names at the copy; everything else (the shared breach
 * log, functions) still resolves in the live schema.
 */
export function applyShadowBatch(
  pool: SqlPool,
  projection: Projection,
  events: readonly ProjectedEvent[],
  schemas: { readonly shadow: string; readonly live: string },
  logger: Logger,
): Promise<{ readonly breaches: BatchContext['breaches']; readonly careful: boolean }> {
  return fastThenCareful(logger, projection.name, (careful) =>
    inTransaction(pool, async (tx) => {
      await tx.query(`SET LOCAL search_path TO ${quoteIdent(schemas.shadow)}, ${quoteIdent(schemas.live)}`);
      const ctx = new BatchContext(projection.name, tx, logger, careful);
      await applyEvents(projection, events, ctx);
      return { breaches: ctx.breaches, careful };
    }),
  );
}
