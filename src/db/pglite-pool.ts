import { type Extension, PGlite } from '@electric-sql/pglite';
import type { NotificationHandler, SqlConnection, SqlPool, SqlResult } from './sql';

/**
 * PGlite is one PostgreSQL session in this process. This pool hands that session out to one
 * holder at a time (a FIFO mutex), so a transaction begun by one caller never interleaves with
 * another caller's statements. Notifications stay in-process: nobody else can reach this database.
 */
export class PgliteSqlPool implements SqlPool {
  readonly kind = 'pglite' as const;
  readonly concurrentSessions = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly handlers = new Map<string, Set<NotificationHandler>>();

  private constructor(readonly db: PGlite) {}

  /** `dataDir` undefined = in memory (tests). */
  static async open(dataDir?: string): Promise<PgliteSqlPool> {
    // The contrib package's type entry is ESM-only, but it ships a CommonJS build: require it explicitly.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { btree_gist } = require('@electric-sql/pglite/contrib/btree_gist') as { btree_gist: Extension };
    const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { btree_gist } });
    return new PgliteSqlPool(db);
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const conn = await this.connect();
    try {
      return await conn.query<R>(text, params);
    } finally {
      conn.release();
    }
  }

  async connect(): Promise<SqlConnection> {
    let unlock: () => void = () => undefined;
    const acquired = this.tail;
    this.tail = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    await acquired;
    let released = false;
    return {
      query: (text, params = []) => this.run(text, params),
      release: () => {
        if (released) return;
        released = true;
        unlock();
      },
    };
  }

  private async run<R>(text: string, params: readonly unknown[]): Promise<SqlResult<R>> {
    if (params.length === 0 && text.includes(';')) {
      // Parameterless scripts (migrations) may hold several statements: the simple protocol runs them all.
      const results = await this.db.exec(text);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? 0, command: 'SCRIPT' };
    }
    const r = await this.db.query<R>(text, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length, command: commandOf(text) };
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return async () => {
      set?.delete(handler);
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    // Delivered asynchronously, like a real NOTIFY after commit: a handler never runs inside the notifier's call stack.
    queueMicrotask(() => {
      for (const h of this.handlers.get(channel) ?? []) h(payload);
    });
  }

  async end(): Promise<void> {
    await this.tail;
    await this.db.close();
  }
}

function commandOf(sql: string): string {
  const m = /^\s*(\w+)/.exec(sql);
  return (m?.[1] ?? '').toUpperCase();
}
