/**
 * A rebuild's shadow copy of one projection, folded page after page by the projection's own fold and
 * written by the one writer (row-store.ts), as live batches are — with one difference that only a
 * private copy allows: the rows live in memory across pages (`ShadowRows`). The copy starts empty and
 * nothing but this rebuild writes it, so what memory does not hold is not there: a page reads no rows
 * from the database, and its changes wait in memory until enough of them make a flush. A row a later
 * page changes again, and a busy row an appointment takes and frees between two flushes, is written
 * once or never. Memory keeps the rows written last; older ones are dropped and read back if needed.
 *
 * A flush is written while the next pages fold (one flush at a time), in two transactions side by
 * side (the table with the most changes, and the others), committed once both succeeded. The guards
 * judge a flush as they judge a batch. When they refuse it (a history the decider never writes),
 * neither transaction commits and the copy is as the last flush left it: the pages since are read
 * again and applied the live way, page by page, fast and carefully after a refusal — so every refused
 * row is recorded as a breach — and the rebuild goes on with memory that no longer knows everything
 * the copy holds.
 */
import { quoteIdent } from '../../db/pg-pool';
import { type SqlConnection, type SqlExecutor, type SqlPool, inTransaction } from '../../db/sql';
import { type EventStore, type Position, type RecordedEvent, START, comparePositions } from '../../events/event-store';
import type { Logger } from '../../logger';
import type { ProjectedEvent } from '../events';
import { applyShadowBatch, decodeAll } from './apply-batch';
import type { Projection } from './projection';
import { PROVIDER_FILTER } from './projection-runner';
import { LoadedRows, foldLoading, isDataRefusal, writeRows } from './row-store';
import { type ReadModelTable, type Row, RowChanges, type RowKey, type Rows } from './rows';

/** How much a shadow copy holds in memory. */
export interface ShadowLimits {
  /** Rows folded and not written yet that make a flush (default 200,000). */
  readonly flushRows?: number;
  /** Rows of one table memory keeps after a flush, the ones written last (default 200,000). */
  readonly keptRows?: number;
}

/** The rows of a shadow copy as memory knows them, plus what was folded and not written yet. */
export class ShadowRows implements Rows {
  /** As the copy holds them (null: not there). */
  private readonly known = new Map<ReadModelTable, Map<RowKey, object | null>>();
  /** Rows written to the copy and dropped from memory since. */
  private readonly dropped = new Map<ReadModelTable, Set<RowKey>>();
  /** What the current page read from the copy. */
  page = new LoadedRows();
  /** Folded, not written yet. */
  pending = new RowChanges();
  /** Being written by the flush in flight. */
  private writing: RowChanges | null = null;
  /** A `where` was asked: the copy answers it, so it must hold everything first. */
  wantsFlush = false;

  constructor(
    private readonly guarded: ReadModelTable | undefined,
    /** Memory knows every row the copy holds, or dropped it knowingly. */
    private readonly complete: boolean,
    private readonly keptRows: number,
  ) {}

  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null {
    // null: gone in the changes not written yet (a row they removed), undefined: not among them.
    const pending = this.pending.get(table, key);
    if (pending !== undefined) return pending;
    const writing = this.writing?.get(table, key);
    if (writing !== undefined) return writing;
    const known = this.known.get(table)?.get(key);
    if (known !== undefined) return known as Row<T> | null;
    if (this.complete && this.dropped.get(table)?.has(key) !== true) return null;
    return this.page.get(table, key);
  }

  where<T extends ReadModelTable, C extends keyof Row<T> & string>(table: T, column: C, value: Row<T>[C]): Array<Row<T>> {
    if (this.pending.size > 0 || this.writing !== null) this.wantsFlush = true;
    return this.page.where(table, column, value);
  }

  /** A page folded: its changes wait for the next flush, what it read is known. */
  folded(changes: RowChanges): void {
    for (const [table, key, row] of this.page.loaded()) this.remember(table, key, row);
    this.page = new LoadedRows();
    this.pending.merge(changes);
  }

  /** The pending changes go to be written; later pages fold into new ones. */
  startWriting(): RowChanges {
    this.writing = this.pending;
    this.pending = new RowChanges();
    return this.writing;
  }

  /** The changes being written were: memory knows them as the copy's, and keeps the rows written last. */
  written(): void {
    const writing = this.writing ?? new RowChanges();
    for (const table of writing.changedTables) {
      // The fold never reads a guarded table's rows: memory need not hold them.
      if (table !== this.guarded) for (const [key, row] of writing.of(table)) this.remember(table, key, row);
    }
    this.writing = null;
    for (const [table, rows] of this.known) this.drop(table, rows);
  }

  private remember(table: ReadModelTable, key: RowKey, row: object | null): void {
    let rows = this.known.get(table);
    if (rows === undefined) this.known.set(table, (rows = new Map()));
    rows.delete(key); // to the end: the rows written last are the last to be dropped
    rows.set(key, row);
  }

  private drop(table: ReadModelTable, rows: Map<RowKey, object | null>): void {
    if (rows.size <= this.keptRows) return;
    let dropped = this.dropped.get(table);
    if (dropped === undefined) this.dropped.set(table, (dropped = new Set()));
    for (const key of rows.keys()) {
      if (rows.size <= this.keptRows / 2) return;
      rows.delete(key);
      dropped.add(key);
    }
  }
}

export class ShadowCopy {
  private rows: ShadowRows;
  /** The copy holds every event up to here; the pages folded so far end there. */
  private flushedAt: Position = START;
  private foldedTo: Position = START;
  /** The flush being written while later pages fold; how it ended. */
  private inFlight: Promise<'written' | 'refused'> | null = null;
  /** Pages applied carefully (after the guards refused a flush and its pages were applied the live way). */
  carefulPages = 0;

  constructor(
    readonly projection: Projection,
    readonly schemas: { readonly shadow: string; readonly live: string },
    private readonly deps: { readonly pool: SqlPool; readonly eventStore: EventStore; readonly logger: Logger; readonly pageSize: number },
    private readonly limits: ShadowLimits = {},
  ) {
    this.rows = this.memory(true);
  }

  private memory(complete: boolean): ShadowRows {
    return new ShadowRows(this.projection.guarded?.table, complete, this.limits.keptRows ?? 200_000);
  }

  /** Fold a page (its last event at `end`), and start a flush when enough waits to be written. */
  async fold(events: readonly ProjectedEvent[], end: Position): Promise<void> {
    const folded = await foldLoading(
      () => this.rows,
      async () => {
        const { page, wantsFlush } = this.rows;
        if (wantsFlush) {
          this.rows.wantsFlush = false;
          await this.flush();
          return true; // fold again, over what memory knows after the flush
        }
        return page.missing && this.inCopy((tx) => page.load(tx));
      },
      (rows) => this.projection.fold(rows, events),
    );
    this.rows.folded(folded.rows);
    this.foldedTo = end;
    if (this.rows.pending.size >= (this.limits.flushRows ?? 200_000)) await this.startFlush();
  }

  /** Write everything folded so far. */
  async flush(): Promise<void> {
    await this.startFlush();
    await this.settle();
  }

  /** Start writing what is pending, once the flush before it ended; later pages fold meanwhile. */
  private async startFlush(): Promise<void> {
    await this.settle();
    if (this.rows.pending.size === 0) return;
    const end = this.foldedTo;
    const writing = this.sideBySide(this.rows.startWriting()).then(
      () => {
        this.rows.written();
        this.flushedAt = end;
        return 'written' as const;
      },
      (err: unknown) => {
        if (!isDataRefusal(err)) throw err;
        this.deps.logger.warn({ projection: this.projection.name, err }, 'rebuild: the database refused a row of a flush; applying its pages again, the live way');
        return 'refused' as const;
      },
    );
    writing.catch(() => undefined); // awaited by `settle`; this only keeps it from being "unhandled" meanwhile
    this.inFlight = writing;
  }

  /** Wait for the flush in flight; when the guards refused it, its pages and all folded since are applied the live way. */
  private async settle(): Promise<void> {
    const outcome = await this.inFlight;
    this.inFlight = null;
    if (outcome === 'refused') await this.replay(this.foldedTo);
  }

  /** The table with the most changes in one transaction, the others in another, committed once both succeeded. */
  private async sideBySide(pending: RowChanges): Promise<void> {
    const guarded = this.projection.guarded;
    const write = (changes: RowChanges) => (tx: SqlExecutor) => writeRows(tx, changes, guarded === undefined ? null : { table: guarded.table });
    const tables = pending.changedTables.sort((a, b) => pending.of(b).size - pending.of(a).size);
    if (!this.deps.pool.concurrentSessions || tables.length < 2) return this.inCopy(write(pending));
    const parts = [pending.only(tables.slice(0, 1)), pending.only(tables.slice(1))];
    const conns: SqlConnection[] = [];
    let broken = false;
    try {
      for (const _ of parts) conns.push(await this.deps.pool.connect());
      await Promise.all(conns.map((c) => this.begin(c)));
      const outcomes = await Promise.allSettled(parts.map((part, i) => write(part)(conns[i] as SqlConnection)));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(conns.map((c) => c.query('ROLLBACK')));
        throw failed.reason;
      }
      for (const c of conns) await c.query('COMMIT');
    } catch (err) {
      broken = !isDataRefusal(err);
      throw err;
    } finally {
      for (const c of conns) c.release(broken);
    }
  }

  /** The pages after the last flush up to `end`, read again and applied as live batches are; memory starts over. */
  private async replay(end: Position): Promise<void> {
    const { pool, eventStore, logger, pageSize } = this.deps;
    for (let from = this.flushedAt; comparePositions(from, end) < 0; ) {
      const page = (await eventStore.readAll({ fromPosition: from, maxCount: pageSize, filter: PROVIDER_FILTER })).filter((e) => comparePositions(e.position, end) <= 0);
      if (page.length === 0) break;
      const { careful } = await applyShadowBatch(pool, this.projection, decodeAll(page, logger), this.schemas, logger);
      if (careful) this.carefulPages++;
      from = (page[page.length - 1] as RecordedEvent).position;
    }
    this.rows = this.memory(false);
    this.flushedAt = end;
  }

  /** The copy's tables first: the writer's unqualified names mean them; the rest resolves in the live schema. */
  private get searchPath(): string {
    return `SET LOCAL search_path TO ${quoteIdent(this.schemas.shadow)}, ${quoteIdent(this.schemas.live)}`;
  }

  private async begin(tx: SqlExecutor): Promise<void> {
    await tx.query('BEGIN');
    await tx.query(this.searchPath);
  }

  private inCopy<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return inTransaction(this.deps.pool, async (tx) => {
      await tx.query(this.searchPath);
      return work(tx);
    });
  }
}
