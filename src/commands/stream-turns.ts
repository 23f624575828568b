/**
 * Turns on one stream across processes. Optimistic appends alone can starve a process on a stream
 * that another process writes without pause: its retry needs two round trips (read the tail, then
 * append) and the other process's next append usually lands in between, again and again, until the
 * command gives up with CONCURRENCY_CONFLICT. So after a conflict the command handler runs a stream's
 * turns inside `hold` for a while: the processes that both write it then take turns instead of racing.
 * Nothing depends on it for correctness (the expected revision still guards every append); it only
 * makes a contended stream fair.
 */
import pg from 'pg';

export interface StreamTurns {
  /** Run `turn` while no other process runs a turn of `stream` through its own StreamTurns. */
  hold<T>(stream: string, turn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * PostgreSQL session advisory locks, on a small pool of their own: a turn holds one connection while
 * its statements run on the main pool, so sharing that pool could leave every connection holding a
 * lock and none free for the work. Turns beyond `connections` wait for one.
 */
export class AdvisoryStreamTurns implements StreamTurns {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, connections = 2) {
    this.pool = new pg.Pool({ connectionString, max: connections, application_name: 'slotstream-stream-turns' });
    // An idle connection the server ended: the next `connect` opens another.
    this.pool.on('error', () => undefined);
  }

  async hold<T>(stream: string, turn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = [`slotstream stream turn ${stream}`];
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', key);
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw err;
    }
    try {
      return await turn();
    } finally {
      // A connection that may still hold the lock is closed instead of reused: that releases it.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', key).then(
        () => client.release(),
        (err: unknown) => client.release(err instanceof Error ? err : true),
      );
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
