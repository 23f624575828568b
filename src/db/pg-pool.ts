import pg from 'pg';
import type { NotificationHandler, SqlConnection, SqlPool, SqlResult } from './sql';

/**
 * A `pg` pool plus one dedicated LISTEN connection shared by every channel of this process.
 * The listener reconnects with backoff: a dropped LISTEN must not silently end live updates.
 */
export class PgSqlPool implements SqlPool {
  readonly kind = 'postgres' as const;
  readonly concurrentSessions = true;
  readonly pool: pg.Pool;
  private listener: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private closed = false;

  constructor(readonly connectionString: string, options: { max?: number; applicationName?: string } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? 20,
      application_name: options.applicationName ?? 'slotstream',
    });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const r = await this.pool.query(text, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0, command: r.command };
  }

  async connect(): Promise<SqlConnection> {
    const client = await this.pool.connect();
    // pg-pool drops its own 'error' listener while a client is checked out, so a session the server
    // ends while we hold it idle (pg_terminate_backend, a restart) would be an unhandled 'error' event
    // and crash the process. The holder still learns of it: the client's next query fails.
    const onError = (): void => undefined;
    client.on('error', onError);
    return {
      query: async <R>(text: string, params: readonly unknown[] = []) => {
        const r = await client.query(text, params as unknown[]);
        return { rows: r.rows as R[], rowCount: r.rowCount ?? 0, command: r.command };
      },
      release: (destroy?: boolean) => {
        client.removeListener('error', onError);
        client.release(destroy === true ? true : undefined);
      },
    };
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const fresh = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    const client = await this.listenerClient();
    if (fresh) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.handlers.delete(channel);
        if (this.listener && !this.closed) await this.listener.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private listenerClient(): Promise<pg.Client> {
    if (this.listener) return Promise.resolve(this.listener);
    if (!this.connecting) {
      this.connecting = (async () => {
        const client = new pg.Client({ connectionString: this.connectionString, application_name: 'slotstream-listener' });
        await client.connect();
        client.on('notification', (msg) => {
          for (const h of this.handlers.get(msg.channel) ?? []) h(msg.payload ?? '');
        });
        client.on('error', () => this.dropListener(client));
        client.on('end', () => this.dropListener(client));
        this.listener = client;
        return client;
      })().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private dropListener(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = null;
    if (this.closed) return;
    // Re-establish every LISTEN; handlers also fall back to slow polling meanwhile, so nothing is lost.
    const retry = (delay: number): void => {
      setTimeout(() => {
        if (this.closed) return;
        this.listenerClient()
          .then(async (c) => {
            for (const ch of this.handlers.keys()) await c.query(`LISTEN ${quoteIdent(ch)}`);
            for (const set of this.handlers.values()) for (const h of set) h('');
          })
          .catch(() => retry(Math.min(delay * 2, 10_000)));
      }, delay).unref();
    };
    retry(100);
  }

  async end(): Promise<void> {
    this.closed = true;
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => undefined);
    await this.pool.end();
  }
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
