/**
 * Turns on one stream across processes. Optimistic appends alone can starve a process on a stream
 * that another process writes without pause: its retry needs two round trips (read the tail, then
 * append) and the other process's next append usually lands in between, again and again, until the
 * command gives up with CONCURRENCY_CONFLICT. So after a conflict the command handler announces the
 * stream to every process and all of them run its turns inside `hold` for a while: the processes that
 * write it then take turns instead of racing. (Holding alone would not do: a process that never lost
 * a race has no reason to hold, and keeps winning them.) Nothing depends on it for correctness (the
 * expected revision still guards every append); it only makes a contended stream fair.
 */
import pg from 'pg';
import type { PgSqlPool } from '../db/pg-pool';

export interface StreamTurns {
  /** Run `turn` while no other process runs a turn of `stream` through its own StreamTurns. */
  hold<T>(stream: string, turn: () => Promise<T>): Promise<T>;
  /** Tell every process sharing these turns, this one included, that `stream` is contended. */
  announce(stream: string): Promise<void>;
  /** Hear every announcement, whichever process made it; resolves once listening. */
  listen(listener: (stream: string) => void): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL = 'slotstream_stream_turns';

/**
 * PostgreSQL session advisory locks, on a small pool of their own: a turn holds one connection while
 * its statements run on the main pool, so sharing that pool could leave every connection holding a
 * lock and none free for the work. Turns beyond `connections` wait for one.
 */
export class AdvisoryStreamTurns implements StreamTurns {
  private readonly pool: pg.Pool;
  private readonly unlisteners: Array<() => Promise<void>> = [];

  /** `database`: the app's pool, for announcements (LISTEN/NOTIFY on its listener connection). */
  constructor(
    private readonly database: PgSqlPool,
    connections = 2,
  ) {
    this.pool = new pg.Pool({ connectionString: database.connectionString, max: connections, application_name: 'slotstream-stream-turns' });
    // An idle connection the server ended: the next `connect` opens another.
    this.pool.on('error', () => undefined);
  }

  announce(stream: string): Promise<void> {
    return this.database.notify(CHANNEL, stream);
  }

  async listen(listener: (stream: string) => void): Promise<void> {
    this.unlisteners.push(await this.database.listen(CHANNEL, listener));
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

  async close(): Promise<void> {
    for (const unlisten of this.unlisteners.splice(0)) await unlisten();
    await this.pool.end();
  }
}
