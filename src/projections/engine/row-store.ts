/**
 * The one loader and writer of every projection's rows: set-based, so a batch costs a few statements
 * whatever it holds, and written once for every table (a table is known by its Kysely type and its
 * primary key, src/db/schema.ts).
 *
 * Loading: which rows a batch needs is whatever its fold reads. `foldFrom` runs the fold over the rows
 * loaded so far (`LoadedRows`); every row it asked for and nobody loaded yet is a miss; the misses are
 * loaded in one statement and the fold runs again, until it asks for nothing new (one load for most
 * batches, two when what it reads depends on what it read). Only the last run counts.
 *
 * Writing (`writeRows`): one statement deletes the rows that went and upserts the rows that stayed; a
 * guarded table (one the database's own guards watch, which a fold writes without reading) has all its
 * changed rows deleted first and the present ones inserted afterwards, in the order of their last
 * change — free before you take — so a history the guards accept step by step is accepted as a batch.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema';
import { READ_MODEL_KEYS } from '../../db/schema';
import { type SqlExecutor, sqlErrorCode } from '../../db/sql';
import { type ReadModelTable, type Row, type RowChanges, type RowKey, type Rows, keyColumnsOf, keyOf } from './rows';

/** Builds statements only: they run on the batch's own transaction (`SqlExecutor`), never through Kysely's pool. */
const builder = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

async function run<R>(tx: SqlExecutor, statement: RawBuilder<unknown>): Promise<R[]> {
  const compiled = statement.compile(builder);
  return (await tx.query<R>(compiled.sql, compiled.parameters)).rows;
}

/** `t`'s rows whose `columns` hold the values of one of `values` (JSON objects, typed as `table`'s records by PostgreSQL). */
const matching = (table: ReadModelTable, columns: readonly string[], values: readonly object[]): RawBuilder<unknown> =>
  sql`(${sql.join(columns.map((c) => sql.ref(`t.${c}`)))}) IN (SELECT ${sql.join(columns.map((c) => sql.ref(`k.${c}`)))} FROM json_populate_recordset(NULL::${sql.table(table)}, ${JSON.stringify(values)}::json) k)`;

/** Rows of one table asked for by key, or by the value of one column. */
interface Selection {
  readonly table: ReadModelTable;
  /** Absent: by primary key. */
  readonly column?: string;
  readonly values: Map<string, object>;
}

const selectionId = (table: ReadModelTable, column: string | undefined, value: string): string => `${table}\u0000${column ?? ''}\u0000${value}`;

/**
 * Rows loaded for one batch, read by its fold. A row nobody loaded yet reads as absent and is noted
 * as a miss, which `load` then fetches.
 */
export class LoadedRows implements Rows {
  private readonly rows = new Map<ReadModelTable, Map<RowKey, object | null>>();
  /** Keys of the rows found per `where` selection. */
  private readonly found = new Map<string, RowKey[]>();
  private misses = new Map<string, Selection>();

  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null {
    const row = this.rows.get(table)?.get(key);
    if (row === undefined) {
      this.miss(table, undefined, key, keyColumnsOf(table, key));
      return null;
    }
    return row as Row<T> | null;
  }

  where<T extends ReadModelTable, C extends keyof Row<T> & string>(table: T, column: C, value: Row<T>[C]): Array<Row<T>> {
    const text = JSON.stringify(value);
    const keys = this.found.get(selectionId(table, column, text));
    if (keys === undefined) {
      this.miss(table, column, text, { [column]: value });
      return [];
    }
    return keys.map((key) => this.rows.get(table)?.get(key)).filter((row): row is Row<T> => row !== null && row !== undefined);
  }

  /** Rows were asked for that nobody loaded yet. */
  get missing(): boolean {
    return this.misses.size > 0;
  }

  /** Fetch every miss noted since the last load, in one statement; false when there was none. */
  async load(tx: SqlExecutor): Promise<boolean> {
    const asked = [...this.misses.values()];
    this.misses = new Map();
    if (asked.length === 0) return false;
    const columns = asked.map(({ table, column, values }, i) => {
      const on = column === undefined ? READ_MODEL_KEYS[table] : [column];
      return sql`(SELECT COALESCE(json_agg(to_jsonb(t)), '[]'::json) FROM ${sql.table(table)} t WHERE ${matching(table, on, [...values.values()])}) AS ${sql.ref(`r${i}`)}`;
    });
    const [result] = await run<Record<string, object[]>>(tx, sql`SELECT ${sql.join(columns)}`);
    asked.forEach((selection, i) => this.fill(selection, result?.[`r${i}`] ?? []));
    return true;
  }

  /** Every row loaded by key (null: asked for, not there). */
  *loaded(): Generator<[ReadModelTable, RowKey, object | null]> {
    for (const [table, rows] of this.rows) for (const [key, row] of rows) yield [table, key, row];
  }

  private fill({ table, column, values }: Selection, found: readonly object[]): void {
    let rows = this.rows.get(table);
    if (rows === undefined) this.rows.set(table, (rows = new Map()));
    const keyed = found.map((row) => [keyOf(table, row as Readonly<Record<string, unknown>>), row] as const);
    if (column === undefined) for (const key of values.keys()) rows.set(key, null);
    for (const [key, row] of keyed) rows.set(key, row);
    if (column === undefined) return;
    for (const value of values.keys()) this.found.set(selectionId(table, column, value), []);
    for (const [key, row] of keyed) this.found.get(selectionId(table, column, JSON.stringify((row as Record<string, unknown>)[column])))?.push(key);
  }

  private miss(table: ReadModelTable, column: string | undefined, value: string, match: object): void {
    const id = selectionId(table, column, '');
    let selection = this.misses.get(id);
    if (selection === undefined) this.misses.set(id, (selection = { table, ...(column === undefined ? {} : { column }), values: new Map() }));
    selection.values.set(value, match);
  }
}

/**
 * `fold` run over `rows` until it reads nothing they were missing: `load` fetches what the last run
 * missed (false: nothing was). Each round loads rows the fold had not seen; one still asking after
 * this many rounds is broken.
 */
export async function foldLoading<R>(rows: () => Rows, load: () => Promise<boolean>, fold: (rows: Rows) => R): Promise<R> {
  for (let round = 1; ; round++) {
    const result = fold(rows());
    if (!(await load())) return result;
    if (round >= 8) throw new Error('a projection fold kept asking for more rows');
  }
}

/** `fold` over the rows it reads, loaded through `tx` (see the header). */
export function foldFrom<R>(tx: SqlExecutor, fold: (rows: Rows) => R): Promise<R> {
  const rows = new LoadedRows();
  return foldLoading(() => rows, () => rows.load(tx), fold);
}

/** A statement the database refused because of the data: SQLSTATE class 22 (data) or 23 (constraint). */
export const isDataRefusal = (err: unknown): boolean => /^2[23]/.test(sqlErrorCode(err) ?? '');

/** A guarded table, and in careful mode what to do with a row its guards refuse instead of failing the batch. */
export interface GuardedWrites<T extends ReadModelTable = ReadModelTable> {
  readonly table: T;
  /** Careful mode: each insert runs alone and a row the database refuses goes here (the write goes on). */
  readonly refused?: (row: Row<T>, err: unknown) => Promise<void>;
}

function deleteOf(table: ReadModelTable, keys: readonly RowKey[]): RawBuilder<unknown> {
  return sql`DELETE FROM ${sql.table(table)} t WHERE ${matching(table, READ_MODEL_KEYS[table], keys.map((k) => keyColumnsOf(table, k)))}`;
}

function insertOf(table: ReadModelTable, rows: readonly object[], upsert: boolean): RawBuilder<unknown> {
  const columns = Object.keys(rows[0] as object);
  const list = sql.join(columns.map((c) => sql.ref(c)));
  const from = sql`json_populate_recordset(NULL::${sql.table(table)}, ${JSON.stringify(rows)}::json) WITH ORDINALITY AS k`;
  const selected = sql.join(columns.map((c) => sql.ref(`k.${c}`)));
  if (!upsert) return sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${selected} FROM ${from} ORDER BY k.ordinality`;
  const key: readonly string[] = READ_MODEL_KEYS[table];
  const set = sql.join(columns.filter((c) => !key.includes(c)).map((c) => sql`${sql.ref(c)} = EXCLUDED.${sql.ref(c)}`));
  return sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${selected} FROM ${from} ON CONFLICT (${sql.join(key.map((c) => sql.ref(c)))}) DO UPDATE SET ${set}`;
}

/** Writes that touch different rows, as one statement (data-modifying CTEs all see the snapshot from before it). */
async function together(tx: SqlExecutor, writes: ReadonlyArray<RawBuilder<unknown>>): Promise<void> {
  if (writes.length === 0) return;
  if (writes.length === 1) {
    await run(tx, writes[0] as RawBuilder<unknown>);
    return;
  }
  await run(tx, sql`WITH ${sql.join(writes.map((w, i) => sql`${sql.ref(`w${i}`)} AS (${w})`))} SELECT 1`);
}

/** Write what a fold changed (see the header): one statement, and one more when a guarded row is inserted. */
export async function writeRows(tx: SqlExecutor, changes: RowChanges, guarded: GuardedWrites | null): Promise<void> {
  const first: Array<RawBuilder<unknown>> = [];
  for (const table of changes.changedTables) {
    if (table === guarded?.table) continue;
    const gone: RowKey[] = [];
    const present: object[] = [];
    for (const [key, row] of changes.of(table)) {
      if (row === null) gone.push(key);
      else present.push(row);
    }
    if (gone.length > 0) first.push(deleteOf(table, gone));
    if (present.length > 0) first.push(insertOf(table, present, true));
  }
  // Every changed guarded row goes first, whatever becomes of it; the present ones come back below.
  const guardedRows = guarded === null ? new Map<RowKey, null>() : changes.of(guarded.table);
  if (guarded !== null && guardedRows.size > 0) first.push(deleteOf(guarded.table, [...guardedRows.keys()]));
  await together(tx, first);
  const inserts = [...guardedRows.values()].filter((row) => row !== null);
  if (guarded === null || inserts.length === 0) return;
  if (guarded.refused === undefined) {
    await run(tx, insertOf(guarded.table, inserts, false));
    return;
  }
  for (const row of inserts) {
    await tx.query('SAVEPOINT guarded_row');
    try {
      await run(tx, insertOf(guarded.table, [row], false));
      await tx.query('RELEASE SAVEPOINT guarded_row');
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT guarded_row');
      await tx.query('RELEASE SAVEPOINT guarded_row');
      await guarded.refused(row, err);
    }
  }
}
