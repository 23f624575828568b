/**
 * One worker per projection across processes: a PostgreSQL session advisory lock, held on a connection
 * of its own for as long as the worker runs. When the holder dies, the server ends its session and
 * releases the lock; a standby polling `pg_try_advisory_lock` takes over within one poll interval.
 *
 * The lease is leader election, not the safety net: every batch also locks its checkpoint row and
 * checks that the checkpoint is where the worker left it (see apply-batch.ts), so even two workers that
 * both believe they lead can never both apply a batch. On PGlite (one process) the lease is trivially
 * ours and holds no connection: holding PGlite's single session would stop everyone else.
 */
import type { Logger } from '../../logger';
import type { SqlConnection, SqlPool } from '../../db/sql';
import { sleep } from './timing';

export interface Lease {
  /** Backend holding the advisory lock (checked inside each batch); null when no lock is needed. */
  readonly pid: number | null;
  release(): Promise<void>;
}

export const leaseKey = (projection: string): string => `slotstream-projection:${projection}`;

/** Waits for the lock; null when `signal` aborts first. */
export async function acquireLease(
  pool: SqlPool,
  key: string,
  options: { readonly signal: AbortSignal; readonly retryMs: number; readonly logger: Logger },
): Promise<Lease | null> {
  const { signal, retryMs, logger } = options;
  if (!pool.concurrentSessions) return signal.aborted ? null : { pid: null, release: async () => undefined };
  let reportedStandby = false;
  while (!signal.aborted) {
    let conn: SqlConnection | null = null;
    try {
      conn = await pool.connect();
      const pid = Number((await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
      while (!signal.aborted) {
        const r = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
        if (r.rows[0]?.ok === true) return heldLease(conn, pid, key, logger);
        if (!reportedStandby) {
          logger.info({ lock: key }, 'another process runs this projection; standing by');
          reportedStandby = true;
        }
        await sleep(retryMs, signal);
      }
      conn.release();
      return null;
    } catch (err) {
      logger.warn({ err, lock: key }, 'projection lease: connection failed; retrying');
      conn?.release(true);
      await sleep(retryMs, signal);
    }
  }
  return null;
}

function heldLease(conn: SqlConnection, pid: number, key: string, logger: Logger): Lease {
  let released = false;
  return {
    pid,
    release: async () => {
      if (released) return;
      released = true;
      try {
        await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
        conn.release();
      } catch (err) {
        // The session is gone (and with it the lock): drop the connection rather than reuse it.
        logger.debug({ err, lock: key }, 'projection lease: connection already gone');
        conn.release(true);
      }
    },
  };
}
