/**
 * Rebuild a projection from zero without ever showing an empty or half-built read model:
 *
 * 1. Copy the structure of each table the projection owns into a shadow schema
 *    (`CREATE TABLE shadow.t (LIKE live.t INCLUDING ALL)` plus the projection's triggers).
 * 2. Fold all of `$all` into the copies, batch by batch, with the projection's own code
 *    (`SET LOCAL search_path` points its unqualified table names at the shadow schema).
 * 3. Swap in one transaction: lock the checkpoint row (which waits for a running batch of the live
 *    worker and keeps the next one out), check the shadow copy is at least as far as the live one
 *    (otherwise catch up further and try again), drop the live tables, move the copies into the live
 *    schema, and set the checkpoint to the copy's position.
 *
 * Readers see the old tables until the swap commits and the new ones after it. The live worker, in
 * this process or another, finds the checkpoint moved past its batch and simply continues after it
 * (apply-batch.ts). Unnamed indexes and constraints get the same generated names in the copy, so a
 * rebuilt table is indistinguishable from a migrated one. A failed rebuild drops its shadow schema and
 * leaves the live read model as it was.
 */
import type { Logger } from '../../logger';
import { quoteIdent } from '../../db/pg-pool';
import { type SqlConnection, type SqlPool, inTransaction } from '../../db/sql';
import { type EventStore, type Position, START, comparePositions, positionToString } from '../../events/event-store';
import { applyShadowBatch } from './apply-batch';
import { lockCheckpoint, saveCheckpoint } from './checkpoints';
import type { Projection } from './projection';
import { PROVIDER_FILTER } from './projection-runner';

export interface RebuildReport {
  readonly projection: string;
  /** Provider events folded into the new copy. */
  readonly events: number;
  /** The checkpoint the swapped-in copy starts from. */
  readonly position: Position;
  readonly durationMs: number;
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`A rebuild of projection ${projection} is already running`);
    this.name = 'RebuildInProgressError';
  }
}

const SWAP_ATTEMPTS = 20;

export async function rebuildProjection(
  deps: { readonly pool: SqlPool; readonly eventStore: EventStore; readonly logger: Logger },
  projection: Projection,
  options: { readonly batchSize: number },
): Promise<RebuildReport> {
  const { pool, eventStore, logger } = deps;
  const started = Date.now();
  const shadow = `rm_rebuild_${projection.name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
  const release = await lockRebuild(pool, projection.name);
  try {
    const live = (await pool.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
    const schemas = { shadow, live };
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(shadow)} CASCADE`);
    await pool.query(
      [
        `CREATE SCHEMA ${quoteIdent(shadow)}`,
        ...projection.tables.map((t) => `CREATE TABLE ${quoteIdent(shadow)}.${quoteIdent(t)} (LIKE ${quoteIdent(live)}.${quoteIdent(t)} INCLUDING ALL)`),
        projection.shadowDdl?.(shadow) ?? '',
      ].join(';\n'),
    );

    let position: Position = START;
    let events = 0;
    const catchUp = async (): Promise<void> => {
      for (;;) {
        const batch = await eventStore.readAll({ fromPosition: position, maxCount: options.batchSize, filter: PROVIDER_FILTER });
        if (batch.length === 0) return;
        await applyShadowBatch(pool, projection, batch, schemas, logger);
        position = (batch[batch.length - 1] as (typeof batch)[number]).position;
        events += batch.length;
        if (batch.length < options.batchSize) return;
      }
    };

    for (let attempt = 1; ; attempt++) {
      await catchUp();
      const swapped = await inTransaction(pool, async (tx) => {
        const current = await lockCheckpoint(tx, projection.name);
        if (comparePositions(current.position, position) > 0) return false;
        for (const t of projection.tables) {
          await tx.query(`DROP TABLE ${quoteIdent(live)}.${quoteIdent(t)}`);
          await tx.query(`ALTER TABLE ${quoteIdent(shadow)}.${quoteIdent(t)} SET SCHEMA ${quoteIdent(live)}`);
        }
        await tx.query(`DROP SCHEMA ${quoteIdent(shadow)}`);
        await saveCheckpoint(tx, projection.name, position);
        return true;
      });
      if (swapped) break;
      if (attempt >= SWAP_ATTEMPTS) throw new Error(`Rebuild of ${projection.name} could not catch up with the live worker in ${SWAP_ATTEMPTS} attempts`);
      logger.info({ projection: projection.name, attempt }, 'rebuild: the live read model moved on; catching up before the swap');
    }
    const report = { projection: projection.name, events, position, durationMs: Date.now() - started };
    logger.info({ ...report, position: positionToString(position) }, 'rebuild swapped in');
    return report;
  } catch (err) {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(shadow)} CASCADE`).catch(() => undefined);
    throw err;
  } finally {
    await release();
  }
}

/** One rebuild per projection at a time (across processes on PostgreSQL). */
async function lockRebuild(pool: SqlPool, projection: string): Promise<() => Promise<void>> {
  if (!pool.concurrentSessions) {
    const running = singleSessionRebuilds.get(pool) ?? new Set<string>();
    singleSessionRebuilds.set(pool, running);
    if (running.has(projection)) throw new RebuildInProgressError(projection);
    running.add(projection);
    return async () => {
      running.delete(projection);
    };
  }
  const key = `slotstream-rebuild:${projection}`;
  const conn: SqlConnection = await pool.connect();
  try {
    const r = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
    if (r.rows[0]?.ok !== true) throw new RebuildInProgressError(projection);
  } catch (err) {
    conn.release();
    throw err;
  }
  return async () => {
    try {
      await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      conn.release();
    } catch {
      conn.release(true);
    }
  };
}

/** PGlite is one process: an in-memory set per database is the whole lock. */
const singleSessionRebuilds = new WeakMap<SqlPool, Set<string>>();
