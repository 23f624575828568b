/**
 * Given rows / when events / then rows, for a projection's fold without a database: `given` holds
 * rows in memory, `when` folds events over them and answers with the rows they changed, the rows
 * after them (given + changed) and the change-feed messages.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../../domain/provider/events';
import type { RecordedEvent } from '../../events/event-store';
import { PROVIDER_EVENT_SCHEMA_VERSIONS, providerStreamName } from '../../events/provider-events';
import { createLogger } from '../../logger';
import type { ReadModelChange } from '../changes/change';
import { type ProjectedEvent, decodeForProjection } from '../events';
import type { Fold } from './projection';
import { type ReadModelTable, type Row, type RowKey, type Rows, keyOf } from './rows';

export type GivenRows = { readonly [T in ReadModelTable]?: ReadonlyArray<Row<T>> };

/** Rows held in memory: every table, whole. */
export class MemoryRows implements Rows {
  private readonly tables = new Map<ReadModelTable, Map<RowKey, object>>();

  constructor(given: GivenRows = {}) {
    for (const [table, rows] of Object.entries(given) as Array<[ReadModelTable, ReadonlyArray<Row<ReadModelTable>>]>) {
      for (const row of rows) this.table(table).set(keyOf(table, row), row);
    }
  }

  get<T extends ReadModelTable>(table: T, key: RowKey): Row<T> | null {
    return (this.table(table).get(key) as Row<T> | undefined) ?? null;
  }

  where<T extends ReadModelTable, C extends keyof Row<T> & string>(table: T, column: C, value: Row<T>[C]): Array<Row<T>> {
    return ([...this.table(table).values()] as Array<Row<T>>).filter((row) => row[column] === value);
  }

  /** These rows with `changes` applied. */
  after(changes: ReturnType<Fold>['rows']): MemoryRows {
    const next = new MemoryRows();
    for (const [table, rows] of this.tables) for (const [key, row] of rows) next.table(table).set(key, row);
    for (const table of changes.changedTables) {
      for (const [key, row] of changes.of(table)) {
        if (row === null) next.table(table).delete(key);
        else next.table(table).set(key, row);
      }
    }
    return next;
  }

  /** Every table, as plain data: table -> rows ordered by key (empty tables left out). */
  toJSON(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [table, rows] of this.tables) {
      if (rows.size > 0) out[table] = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    }
    return out;
  }

  private table(table: ReadModelTable): Map<RowKey, object> {
    let rows = this.tables.get(table);
    if (rows === undefined) this.tables.set(table, (rows = new Map()));
    return rows;
  }
}

const silent = createLogger('silent');

/**
 * Provider events as a projection receives them: recorded one revision after another in the
 * provider's stream (the first at `firstRevision`, all at `at`), then decoded as the engine decodes them.
 */
export function recorded(providerId: string, events: readonly ProviderEvent[], options: { readonly firstRevision?: number; readonly at?: number } = {}): ProjectedEvent[] {
  const first = options.firstRevision ?? 0;
  return events.map((event, i) => {
    const revision = first + i;
    const decoded = decodeForProjection(
      {
        id: randomUUID(),
        streamName: providerStreamName(providerId),
        revision,
        type: event.type,
        data: event.data as unknown as RecordedEvent['data'],
        metadata: { schemaVersion: PROVIDER_EVENT_SCHEMA_VERSIONS[event.type] },
        position: { commit: BigInt(revision), prepare: BigInt(revision) },
        created: new Date(options.at ?? Date.parse('2027-03-01T08:00:00.000Z')),
      },
      silent,
    );
    if (decoded === null) throw new Error(`${event.type} at revision ${revision} does not decode`);
    return decoded;
  });
}

export interface Then {
  /** The rows the events changed: table -> key -> row, or null for a row that went. */
  readonly changed: Record<string, Record<RowKey, unknown>>;
  /** Every row after the events. */
  readonly rows: MemoryRows;
  readonly changes: ReadModelChange[];
}

/** Given `given`, when `fold` takes `events`. */
export function when(fold: Fold, given: MemoryRows, events: readonly ProjectedEvent[]): Then {
  const folded = fold(given, events);
  return { changed: folded.rows.toJSON(), rows: given.after(folded.rows), changes: folded.changes.drain() };
}
