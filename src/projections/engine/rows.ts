/**
 * Rows of the read models as a projection's fold reads and writes them: the Kysely table types of
 * src/db/schema.ts, as JSON (what `to_jsonb` reads and `json_populate_recordset` writes, so a row
 * goes between the database and a fold without a column list anywhere), keyed by primary key.
 *
 * A fold reads rows through `Rows` and writes them into a `Working` copy over it; what it wrote is a
 * `RowChanges`: per table, the new row (or null: gone) of every key it changed, in the order of each
 * key's last change.
 */
import type { Selectable } from 'kysely';
import { type Database, READ_MODEL_KEYS } from '../../db/schema';

export type ReadModelTable = keyof typeof READ_MODEL_KEYS;

/** A stored value as JSON carries it: instants as ISO text, everything else as it is. */
type Json<V> = V extends Date ? string : V;

/** A row of `T`: its Kysely table type, as JSON. */
export type Row<T extends ReadModelTable> = { readonly [K in keyof Selectable<Database[T]>]: Json<Selectable<Database[T]>[K]> };

export type KeyColumn<T extends ReadModelTable> = (typeof READ_MODEL_KEYS)[T][number];

/**
 * Identifies a row within its table: the value of a one-column key, else the values joined by NUL
 * (a character PostgreSQL text never holds).
 */
export type RowKey = string;

const SEPARATOR = '\u0000';

export function keyOf<T extends ReadModelTable>(table: T, row: Row<T> | Readonly<Record<KeyColumn<T>, unknown>>): RowKey {
  const columns: readonly string[] = READ_MODEL_KEYS[table];
  const values = row as Readonly<Record<string, unknown>>;
  return columns.length === 1 ? String(values[columns[0] as string]) : columns.map((c) => String(values[c])).join(SEPARATOR);
}

/** The key columns and their values of `key`, as an object (a partial row). */
export function keyColumnsOf(table: ReadModelTable, key: RowKey): Record<string, unknown> {
  const columns: readonly string[] = READ_MODEL_KEYS[table];
  const values = columns.length === 1 ? [key] : key.split(SEPARATOR);
  return Object.fromEntries(columns.map((c, i) => [c, values[i]]));
}

/** What a fold reads. */
export interface Rows {
  /** The row of `table` with `key`; null when there is none. */
  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null;
  /** Every row of `table` whose `column` holds `value`. */
  where<T extends ReadModelTable, C extends keyof Row<T> & string>(table: T, column: C, value: Row<T>[C]): Array<Row<T>>;
}

/** Per table, the rows a fold changed: key -> new row, or null when the row is gone. */
export class RowChanges {
  private readonly tables = new Map<ReadModelTable, Map<RowKey, object | null>>();

  /** Moves `key` to the end: the order of a table's changes is the order of each key's last change. */
  set<T extends ReadModelTable>(table: T, key: RowKey, row: Row<T> | null): void {
    let rows = this.tables.get(table);
    if (rows === undefined) this.tables.set(table, (rows = new Map()));
    rows.delete(key);
    rows.set(key, row);
  }

  /** The row as changed: undefined when unchanged. */
  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null | undefined {
    return this.tables.get(table)?.get(key) as Row<T> | null | undefined;
  }

  of<T extends ReadModelTable>(table: T): ReadonlyMap<RowKey, Row<T> | null> {
    return (this.tables.get(table) ?? new Map()) as ReadonlyMap<RowKey, Row<T> | null>;
  }

  /** Take `later`'s changes on top of these, as if they had been made here after them. */
  merge(later: RowChanges): void {
    for (const table of later.changedTables) for (const [key, row] of later.of(table)) this.set(table, key, row);
  }

  /** The changes of `tables` only. */
  only(tables: readonly ReadModelTable[]): RowChanges {
    const picked = new RowChanges();
    for (const table of tables) {
      const rows = this.tables.get(table);
      if (rows !== undefined) picked.tables.set(table, rows);
    }
    return picked;
  }

  /** How many rows changed, over all tables. */
  get size(): number {
    let n = 0;
    for (const rows of this.tables.values()) n += rows.size;
    return n;
  }

  /** Tables with changes, in the order of their first change. */
  get changedTables(): ReadModelTable[] {
    return [...this.tables.keys()];
  }

  /** As plain data (tests): table -> key -> row or null. */
  toJSON(): Record<string, Record<RowKey, unknown>> {
    return Object.fromEntries([...this.tables].map(([table, rows]) => [table, Object.fromEntries(rows)]));
  }
}

/** A fold's working copy: reads see its own writes first, then `base`; what it wrote is `changes`. */
export class Working implements Rows {
  readonly changes = new RowChanges();

  constructor(private readonly base: Rows) {}

  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null {
    const changed = this.changes.get(table, key);
    return changed !== undefined ? changed : this.base.get(table, key);
  }

  where<T extends ReadModelTable, C extends keyof Row<T> & string>(table: T, column: C, value: Row<T>[C]): Array<Row<T>> {
    const found = new Map<RowKey, Row<T>>(this.base.where(table, column, value).map((row) => [keyOf(table, row), row]));
    for (const [key, row] of this.changes.of(table)) {
      if (row !== null && row[column] === value) found.set(key, row);
      else found.delete(key);
    }
    return [...found.values()];
  }

  put<T extends ReadModelTable>(table: T, row: Row<T>): void {
    this.changes.set(table, keyOf(table, row), row);
  }

  remove(table: ReadModelTable, key: RowKey): void {
    this.changes.set(table, key, null);
  }
}
