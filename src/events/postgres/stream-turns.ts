/**
 * Fair turns on streams that several processes write, with PostgreSQL session advisory locks.
 *
 * Optimistic appends alone can starve a process on a stream that another process writes without
 * pause: its retry needs two round trips (read the tail, then append) and the other process's next
 * append usually lands in between, again and again, until the command gives up with
 * CONCURRENCY_CONFLICT. So once a process sees another writer on a stream (an append lost the race),
 * it announces the stream (`NOTIFY slotstream_stream_turns`) and every process runs that stream's
 * turns under an advisory lock per stream for a while, each turn starting from the stream's tail: the
 * processes that write it then take turns instead of racing. Announcing matters: a process that never
 * lost a race has no reason to hold and would keep winning them. The window (`contendedMs`) is renewed
 * by every sign of the other writer (a lost race, an announcement, a held turn whose tail had news),
 * so it lapses only once the other side went quiet; were it to lapse while both still write, they
 * would race again. Nothing depends on it for correctness (the expected revision still guards every
 * append); it only makes a contended stream fair.
 *
 * The locks live on a small pool of their own: a turn holds one connection while its statements run
 * on the app's pool, so sharing that pool could leave every connection holding a lock and none free
 * for the work. Turns beyond `connections` wait for one. One command handler per instance (it tracks
 * the lock of the turn each stream has running).
 */
import pg from 'pg';
import type { PgSqlPool } from '../../db/pg-pool';
import type { Logger } from '../../logger';
import type { StreamTurns } from '../stream-turns';

const CHANNEL = 'slotstream_stream_turns';
/** Streams remembered as contended before lapsed ones are swept out. */
const SWEEP_AT = 10_000;

export interface AdvisoryStreamTurnsOptions {
  readonly logger: Logger;
  /** Connections of its own, for holding locks (default 2). */
  readonly connections?: number;
  /** How long a stream's turns are held after the last sign of another writer, ms (default 5000). */
  readonly contendedMs?: number;
}

export class AdvisoryStreamTurns implements StreamTurns {
  private readonly pool: pg.Pool;
  /** Streams another process wrote lately: until when (epoch ms) their turns are held. */
  private readonly contendedUntil = new Map<string, number>();
  /** Streams whose running turn holds the lock: the connection holding it. */
  private readonly holding = new Map<string, pg.PoolClient>();
  private unlisten: (() => Promise<void>) | null = null;

  /** `database`: the app's pool, for announcements (LISTEN/NOTIFY on its listener connection). */
  private constructor(
    private readonly database: PgSqlPool,
    private readonly options: AdvisoryStreamTurnsOptions,
  ) {
    this.pool = new pg.Pool({ connectionString: database.connectionString, max: options.connections ?? 2, application_name: 'slotstream-stream-turns' });
    // An idle connection the server ended: the next `connect` opens another.
    this.pool.on('error', () => undefined);
  }

  /** Turns that hear every process's announcements from the moment this resolves. */
  static async start(database: PgSqlPool, options: AdvisoryStreamTurnsOptions): Promise<AdvisoryStreamTurns> {
    const turns = new AdvisoryStreamTurns(database, options);
    try {
      turns.unlisten = await database.listen(CHANNEL, (stream) => turns.markContended(stream));
    } catch (err) {
      options.logger.warn({ err }, 'listening for contended streams failed; turns are held only after a conflict of this process');
    }
    return turns;
  }

  async run<T>(stream: string, turn: (fromTail: boolean) => Promise<T>): Promise<T> {
    const contended = this.contended(stream);
    if (contended) await this.hold(stream);
    try {
      return await turn(contended);
    } finally {
      await this.release(stream);
    }
  }

  async otherWriter(stream: string): Promise<boolean> {
    if (!this.contended(stream)) {
      this.database.notify(CHANNEL, stream).catch((err: unknown) => {
        this.options.logger.warn({ err, stream }, 'announcing a contended stream failed; the other processes hold its turns after their own conflict');
      });
    }
    this.markContended(stream);
    if (this.holding.has(stream)) return false;
    await this.hold(stream);
    return true;
  }

  /** Whether `stream`'s turns are held now. */
  contended(stream: string): boolean {
    const until = this.contendedUntil.get(stream);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.contendedUntil.delete(stream);
    return false;
  }

  async close(): Promise<void> {
    await this.unlisten?.();
    await this.pool.end();
  }

  private markContended(stream: string): void {
    const now = Date.now();
    if (this.contendedUntil.size >= SWEEP_AT) for (const [s, until] of this.contendedUntil) if (until <= now) this.contendedUntil.delete(s);
    this.contendedUntil.set(stream, now + (this.options.contendedMs ?? 5000));
  }

  private async hold(stream: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey(stream)]);
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw err;
    }
    this.holding.set(stream, client);
  }

  private async release(stream: string): Promise<void> {
    const client = this.holding.get(stream);
    if (client === undefined) return;
    this.holding.delete(stream);
    // A connection that may still hold the lock is closed instead of reused: that releases it.
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(stream)]).then(
      () => client.release(),
      (err: unknown) => client.release(err instanceof Error ? err : true),
    );
  }
}

const lockKey = (stream: string): string => `slotstream stream turn ${stream}`;
