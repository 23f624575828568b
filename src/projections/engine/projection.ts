/**
 * What a projection is to the engine: a name, the tables it owns, and its fold — the read model's
 * rules, written once, as a pure function from rows and events to the rows they change and the
 * change-feed messages. The engine does everything else, the same way for every projection: load the
 * rows the fold reads, write the rows it changed, the checkpoint, the one-worker lease, the careful
 * path after a refusal, retries, rebuilds and publishing what changed (apply-batch.ts).
 */
import type { Logger } from '../../logger';
import type { SqlExecutor } from '../../db/sql';
import type { ProjectedEvent } from '../events';
import { ChangeCollector } from '../changes/change-collector';
import { type ReadModelTable, type Row, type Rows, type RowChanges, Working } from './rows';

/** What a fold gives back: the rows it changed and what the change feed should say about it. */
export interface Folded {
  readonly rows: RowChanges;
  readonly changes: ChangeCollector;
}

/**
 * A read model's rules: `events` in order, over `rows`. Pure: it reads rows only through `rows` (the
 * engine loads whatever it asks for), never changes them, and gives the same answer for the same
 * rows and events. Folding a history in one go or cut into batches, each over the rows the last one
 * left, gives the same rows.
 */
export type Fold = (rows: Rows, events: readonly ProjectedEvent[]) => Folded;

/** A fold made of a rule per event, applied in order to one working copy of the rows. */
export function foldEach(evolve: (rows: Working, event: ProjectedEvent, changes: ChangeCollector) => void): Fold {
  return (rows, events) => {
    const working = new Working(rows);
    const changes = new ChangeCollector();
    for (const event of events) evolve(working, event, changes);
    return { rows: working.changes, changes };
  };
}

/**
 * A table whose rows the database's own guards judge (an exclusion constraint, a trigger). The fold
 * writes its rows without reading them; the engine writes them freeing before taking (row-store.ts),
 * and when the guards refuse one in careful mode, `describe` says why for the breach log.
 */
export interface GuardedTable<T extends ReadModelTable> {
  readonly table: T;
  describe(tx: SqlExecutor, row: Row<T>, err: unknown): Promise<Breach>;
}

export interface Projection {
  readonly name: string;
  /** Tables this projection owns and alone writes: rebuilt into a shadow copy and swapped together. */
  readonly tables: readonly ReadModelTable[];
  /** DDL a shadow copy needs beyond `LIKE ... INCLUDING ALL` (which copies no triggers), for `schema`. */
  shadowDdl?(schema: string): string;
  readonly fold: Fold;
  readonly guarded?: GuardedTable<ReadModelTable>;
}

/** An invariant breach or a refused event: recorded in `rm_invariant_breaches`, logged after commit. */
export interface Breach {
  readonly subject: string;
  readonly kind: 'overlap' | 'seats' | 'event_refused';
  readonly providerId: string | null;
  readonly detail: string;
}

/** A batch's transaction and what it collects: the change-feed messages and the breaches it recorded. */
export class BatchContext {
  readonly changes = new ChangeCollector();
  readonly breaches: Array<Breach & { readonly event: ProjectedEvent }> = [];

  constructor(
    readonly projection: string,
    readonly tx: SqlExecutor,
    readonly logger: Logger,
    /**
     * Careful mode: every event in a savepoint of its own and every guarded row in one more, so a row
     * the database refuses is rolled back alone and recorded instead of failing the batch. The engine
     * applies a batch fast first and re-runs it carefully only after a data refusal.
     */
    readonly careful: boolean,
  ) {}

  /** Record a breach with the event that caused it (kept once per event, subject and kind). */
  async breach(event: ProjectedEvent, breach: Breach): Promise<void> {
    const r = event.recorded;
    const inserted = await this.tx.query(
      `INSERT INTO rm_invariant_breaches
         (projection, position, subject, kind, provider_id, event_type, stream_revision, detail, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING`,
      [this.projection, `${r.position.commit}/${r.position.prepare}`, breach.subject, breach.kind, breach.providerId, r.type, r.revision, breach.detail, r.created],
    );
    if (inserted.rowCount > 0) this.breaches.push({ ...breach, event });
  }
}
