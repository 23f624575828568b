/**
 * The smallest SQL surface the event store, projections and Kysely share. Two implementations:
 * a `pg` pool on a PostgreSQL server and a single-session PGlite (see pglite-pool.ts).
 *
 * Everything goes through `connect()`/`release()` so PGlite's single session can be held
 * exclusively for the length of a transaction (a `BEGIN` issued through Kysely must not interleave
 * with another caller's statements on the same session).
 */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
  readonly command: string;
}

export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

export interface SqlConnection extends SqlExecutor {
  release(destroy?: boolean): void;
}

export type NotificationHandler = (payload: string) => void;

export interface SqlPool extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** True when separate connections really are separate sessions (a server), false for PGlite. */
  readonly concurrentSessions: boolean;
  connect(): Promise<SqlConnection>;
  /** LISTEN on a channel; resolves once listening. The returned function stops listening. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  end(): Promise<void>;
}

/** Run `fn` in one transaction on one connection; rolls back on any error. */
export async function inTransaction<T>(
  pool: SqlPool,
  fn: (tx: SqlExecutor) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
): Promise<T> {
  const conn = await pool.connect();
  let broken = false;
  try {
    await conn.query(isolation === 'READ COMMITTED' ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await fn(conn);
    await conn.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await conn.query('ROLLBACK');
    } catch {
      // The connection died mid-transaction; the server rolls back on its own. Do not reuse it.
      broken = true;
    }
    throw err;
  } finally {
    conn.release(broken);
  }
}

/** Postgres error code of a driver error (`23505` unique violation, ...), if any. */
export function sqlErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
