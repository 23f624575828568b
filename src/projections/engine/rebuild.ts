/**
 * Rebuild projections from zero without ever showing an empty or half-built read model:
 *
 * 1. Copy the structure of each table the projections own into a shadow schema per projection
 *    (`CREATE TABLE shadow.t (LIKE live.t INCLUDING ALL)` plus the projection's triggers).
 * 2. Fold all of `$all` into the copies with the projections' own folds and the one writer, in big
 *    pages, with `SET LOCAL search_path` pointing the unqualified table names at the shadow schema;
 *    the rows stay in memory between pages and are written in big flushes (shadow-copy.ts), and when
 *    the guards refuse a flush its pages are applied again as live batches are (fast, then carefully,
 *    recording the breaches). One pass for all projections being rebuilt: each page of `$all` is read
 *    once (the next page is read while this one is folded), decoded once, and folded into every
 *    projection's copy, side by side.
 * 3. Swap in one transaction: lock the checkpoint rows (which waits for a running batch of a live
 *    worker and keeps the next one out), check every shadow copy is at least as far as its live one
 *    (otherwise catch up further and try again), drop the live tables, move the copies into the live
 *    schema, and set the checkpoints to the copies' position.
 *
 * Readers see the old tables until the swap commits and the new ones after it. The live worker, in
 * this process or another, finds the checkpoint moved past its batch and simply continues after it
 * (apply-batch.ts). Unnamed indexes and constraints get the same generated names in the copy, so a
 * rebuilt table is indistinguishable from a migrated one. A failed rebuild drops its shadow schemas and
 * leaves the live read models as they were.
 */
import type { Logger } from '../../logger';
import { quoteIdent } from '../../db/pg-pool';
import { type SqlConnection, type SqlPool, inTransaction } from '../../db/sql';
import { type EventStore, type Position, type RecordedEvent, START, comparePositions, positionToString } from '../../events/event-store';
import { decodeAll } from './apply-batch';
import { lockCheckpoint, saveCheckpoint } from './checkpoints';
import type { ProjectedEvent } from '../events';
import type { Projection } from './projection';
import { PROVIDER_FILTER } from './projection-runner';
import { ShadowCopy, type ShadowLimits } from './shadow-copy';

export interface RebuildReport {
  readonly projection: string;
  /** Provider events folded into the new copy. */
  readonly events: number;
  /** The checkpoint the swapped-in copy starts from. */
  readonly position: Position;
  /** The whole rebuild (all projections rebuilt together share one pass over `$all`). */
  readonly durationMs: number;
  /** Pages the database refused a row of, re-applied event by event (breaches recorded). */
  readonly carefulPages: number;
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`A rebuild of projection ${projection} is already running`);
    this.name = 'RebuildInProgressError';
  }
}

const SWAP_ATTEMPTS = 20;

/** Events read from `$all` per page during a rebuild (and folded per rebuild batch). */
export const REBUILD_PAGE_SIZE = 5000;

const shadowSchemaOf = (projection: Projection): string => `rm_rebuild_${projection.name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;

/** Rebuild `projections` together in one pass over `$all` and swap them in together. */
export async function rebuildProjections(
  deps: { readonly pool: SqlPool; readonly eventStore: EventStore; readonly logger: Logger },
  projections: readonly Projection[],
  options: { readonly batchSize?: number; readonly memory?: ShadowLimits } = {},
): Promise<RebuildReport[]> {
  const { pool, eventStore, logger } = deps;
  const pageSize = options.batchSize ?? REBUILD_PAGE_SIZE;
  const started = Date.now();
  const release = await lockRebuilds(pool, projections.map((p) => p.name));
  const shadows = projections.map(shadowSchemaOf);
  try {
    const live = (await pool.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
    const copies = projections.map((projection, i) => new ShadowCopy(projection, { shadow: shadows[i] as string, live }, { pool, eventStore, logger, pageSize }, options.memory));
    for (const { projection, schemas: { shadow } } of copies) {
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(shadow)} CASCADE`);
      await pool.query(
        [
          `CREATE SCHEMA ${quoteIdent(shadow)}`,
          ...projection.tables.map((t) => `CREATE TABLE ${quoteIdent(shadow)}.${quoteIdent(t)} (LIKE ${quoteIdent(live)}.${quoteIdent(t)} INCLUDING ALL)`),
          projection.shadowDdl?.(shadow) ?? '',
        ].join(';\n'),
      );
    }

    let position: Position = START;
    let events = 0;
    // A page is read and decoded while the previous one is being applied.
    type Page = { readonly page: RecordedEvent[]; readonly decoded: ProjectedEvent[] };
    const read = (from: Position): Promise<Page> => {
      const next = eventStore.readAll({ fromPosition: from, maxCount: pageSize, filter: PROVIDER_FILTER }).then((page) => ({ page, decoded: decodeAll(page, logger) }));
      next.catch(() => undefined); // awaited below; this only keeps an abandoned read from being "unhandled"
      return next;
    };
    const catchUp = async (): Promise<void> => {
      let next: Promise<Page> | null = read(position);
      while (next !== null) {
        const { page, decoded }: Page = await next;
        if (page.length === 0) return;
        const last = (page[page.length - 1] as RecordedEvent).position;
        next = page.length < pageSize ? null : read(last);
        await Promise.all(copies.map((c) => c.fold(decoded, last)));
        position = last;
        events += page.length;
      }
    };

    for (let attempt = 1; ; attempt++) {
      await catchUp();
      await Promise.all(copies.map((c) => c.flush()));
      const swapped = await inTransaction(pool, async (tx) => {
        for (const { projection } of copies) {
          const current = await lockCheckpoint(tx, projection.name);
          if (comparePositions(current.position, position) > 0) return false;
        }
        for (const { projection, schemas: { shadow } } of copies) {
          for (const t of projection.tables) {
            await tx.query(`DROP TABLE ${quoteIdent(live)}.${quoteIdent(t)}`);
            await tx.query(`ALTER TABLE ${quoteIdent(shadow)}.${quoteIdent(t)} SET SCHEMA ${quoteIdent(live)}`);
          }
          await tx.query(`DROP SCHEMA ${quoteIdent(shadow)}`);
          await saveCheckpoint(tx, projection.name, position);
        }
        return true;
      });
      if (swapped) break;
      if (attempt >= SWAP_ATTEMPTS) throw new Error(`Rebuild of ${copies.map((c) => c.projection.name).join(', ')} could not catch up with the live workers in ${SWAP_ATTEMPTS} attempts`);
      logger.info({ projections: copies.map((c) => c.projection.name), attempt }, 'rebuild: a live read model moved on; catching up before the swap');
    }
    const durationMs = Date.now() - started;
    const reports = copies.map(({ projection, carefulPages }) => ({ projection: projection.name, events, position, durationMs, carefulPages }));
    for (const report of reports) logger.info({ ...report, position: positionToString(position) }, 'rebuild swapped in');
    return reports;
  } catch (err) {
    for (const shadow of shadows) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(shadow)} CASCADE`).catch(() => undefined);
    throw err;
  } finally {
    await release();
  }
}

/**
 * One rebuild per projection at a time (across processes on PostgreSQL): an advisory lock per
 * projection, all held on one session. Throws RebuildInProgressError naming the first one taken.
 */
async function lockRebuilds(pool: SqlPool, projections: readonly string[]): Promise<() => Promise<void>> {
  if (!pool.concurrentSessions) {
    const running = singleSessionRebuilds.get(pool) ?? new Set<string>();
    singleSessionRebuilds.set(pool, running);
    const busy = projections.find((p) => running.has(p));
    if (busy !== undefined) throw new RebuildInProgressError(busy);
    for (const p of projections) running.add(p);
    return async () => {
      for (const p of projections) running.delete(p);
    };
  }
  const keys = projections.map((p) => `slotstream-rebuild:${p}`);
  const conn: SqlConnection = await pool.connect();
  const held: string[] = [];
  const unlock = async (): Promise<void> => {
    for (const key of held.splice(0)) await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
  };
  try {
    for (const [i, key] of keys.entries()) {
      const r = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
      if (r.rows[0]?.ok !== true) throw new RebuildInProgressError(projections[i] as string);
      held.push(key);
    }
  } catch (err) {
    try {
      await unlock();
      conn.release();
    } catch {
      conn.release(true);
    }
    throw err;
  }
  return async () => {
    try {
      await unlock();
      conn.release();
    } catch {
      conn.release(true);
    }
  };
}

/** PGlite is one process: an in-memory set per database is the whole lock. */
const singleSessionRebuilds = new WeakMap<SqlPool, Set<string>>();
