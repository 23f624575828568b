/**
 * What a projection is to the engine: a name, the tables it owns, and a function that applies a batch
 * of provider events inside the engine's transaction. The engine owns everything else: reading `$all`,
 * the checkpoint, the one-worker lease, retries, rebuilds and publishing what changed.
 */
import type { Logger } from '../../logger';
import { type SqlExecutor, sqlErrorCode } from '../../db/sql';
import type { ProjectedEvent } from '../events';
import type { AppointmentChange, ReadModelChange } from '../changes/change';

export interface Projection {
  readonly name: string;
  /** Tables this projection owns and alone writes: rebuilt into a shadow copy and swapped together. */
  readonly tables: readonly string[];
  /** DDL a shadow copy needs beyond `LIKE ... INCLUDING ALL` (which copies no triggers), for `schema`. */
  shadowDdl?(schema: string): string;
  /**
   * Apply events in order. Write only through `tx` (the batch transaction: on PGlite, any other
   * connection would wait for this one forever) and only to unqualified table names (a rebuild runs
   * the same code against its shadow schema). Iterate with `ctx.forEachEvent` for per-event isolation.
   */
  applyBatch(tx: SqlExecutor, events: readonly ProjectedEvent[], ctx: BatchContext): Promise<void>;
  /**
   * A faster way to fold a rebuild (optional): a fresh applier per rebuild, which may keep what it
   * learnt about its private shadow copy from one batch to the next (see ProjectionRebuilder).
   */
  rebuilder?(): ProjectionRebuilder;
}

/**
 * Folds a rebuild's pages (thousands of events) into the projection's shadow copy with a few
 * set-based statements instead of statements per event, and may hold rows in memory between pages
 * (the shadow copy is the rebuild's alone), writing them in `flush`. After the last page's `flush` the
 * copy must hold exactly the rows `applyBatch` would have left event by event. It never records
 * breaches: a page the database would refuse a row of, event by event, it refuses as a whole
 * (throwing a data refusal — `RebuildRefusal` when it sees it coming; it may be over-cautious, never
 * under-cautious), and the engine then flushes it and re-applies that page with `applyBatch` in
 * careful mode.
 *
 * Protocol, per page: `applyBatch` inside the page's transaction, then `commit` once that transaction
 * committed or `rollback` when it did not. `flush` (in transactions of its own) before a careful page
 * and before the swap; `reset` after a careful page wrote to the copy behind the rebuilder's back.
 */
export interface ProjectionRebuilder {
  applyBatch(tx: SqlExecutor, events: readonly ProjectedEvent[], ctx: BatchContext): Promise<void>;
  commit(): void;
  rollback(): void;
  /** `inTransaction` runs work in a transaction of its own on the copy; a flush may run several at once. */
  flush(inTransaction: (work: (tx: SqlExecutor) => Promise<void>) => Promise<void>): Promise<void>;
  reset(): void;
}

/** A rebuilder foresaw that the database would refuse a row of this batch (SQLSTATE as the database would say). */
export class RebuildRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RebuildRefusal';
  }
}

/** An invariant breach or a refused event: recorded in `rm_invariant_breaches`, logged after commit. */
export interface Breach {
  readonly subject: string;
  readonly kind: 'overlap' | 'seats' | 'event_refused';
  readonly providerId: string | null;
  readonly detail: string;
}

/** A statement the database refused because of the data: SQLSTATE class 22 (data) or 23 (constraint). */
export const isDataRefusal = (err: unknown): boolean => /^2[23]/.test(sqlErrorCode(err) ?? '');

/** Coalesces what one batch changed into the few messages the change feed publishes. */
export class ChangeCollector {
  private readonly ranges = new Map<string, Array<{ from: number; to: number }> | 'all'>();
  private readonly appointments = new Map<string, AppointmentChange>();
  private resetOf: string | null = null;

  /** Slots of `providerId` may differ in `[from, to)` (epoch ms); no range = anywhere. */
  availability(providerId: string, range?: { readonly from: number; readonly to: number }): void {
    const current = this.ranges.get(providerId);
    if (current === 'all') return;
    if (range === undefined) {
      this.ranges.set(providerId, 'all');
      return;
    }
    if (!(range.to > range.from)) return;
    if (current === undefined) this.ranges.set(providerId, [{ ...range }]);
    else current.push({ ...range });
  }

  appointment(change: Omit<AppointmentChange, 'kind'>): void {
    this.appointments.set(change.appointmentId, { kind: 'appointment', ...change });
  }

  reset(projection: string): void {
    this.resetOf = projection;
  }

  get isEmpty(): boolean {
    return this.ranges.size === 0 && this.appointments.size === 0 && this.resetOf === null;
  }

  /** Providers whose cached availability must be dropped. */
  providers(): string[] {
    return [...this.ranges.keys()];
  }

  /** Merged ranges per provider, then appointment changes. */
  drain(): ReadModelChange[] {
    const out: ReadModelChange[] = [];
    if (this.resetOf !== null) out.push({ kind: 'reset', projection: this.resetOf });
    for (const [providerId, ranges] of this.ranges) {
      if (ranges === 'all') {
        out.push({ kind: 'availability', providerId, from: null, to: null });
        continue;
      }
      ranges.sort((a, b) => a.from - b.from);
      let open: { from: number; to: number } | null = null;
      for (const r of ranges) {
        if (open !== null && r.from <= open.to) {
          open.to = Math.max(open.to, r.to);
          continue;
        }
        if (open !== null) out.push({ kind: 'availability', providerId, from: new Date(open.from), to: new Date(open.to) });
        open = { ...r };
      }
      if (open !== null) out.push({ kind: 'availability', providerId, from: new Date(open.from), to: new Date(open.to) });
    }
    out.push(...this.appointments.values());
    return out;
  }
}

/** What a projection gets besides the transaction. */
export class BatchContext {
  readonly changes = new ChangeCollector();
  readonly breaches: Array<Breach & { readonly event: ProjectedEvent }> = [];
  private savepoints = 0;

  constructor(
    readonly projection: string,
    private readonly tx: SqlExecutor,
    readonly logger: Logger,
    /**
     * Careful mode: every event and every `attempt` runs inside a savepoint, so a statement the
     * database refuses is rolled back alone and recorded, instead of failing the batch. The engine
     * applies a batch fast first (no savepoints) and re-runs it carefully only after a data refusal.
     */
    readonly careful: boolean,
  ) {}

  /**
   * Run `fn`, which the database may refuse for this event's data (an invariant guard). Careful mode:
   * inside a savepoint, returning the refusal instead of throwing. Fast mode: a refusal throws, which
   * makes the engine re-run the batch carefully.
   */
  async attempt(fn: () => Promise<void>): Promise<unknown> {
    if (!this.careful) {
      await fn();
      return null;
    }
    const name = `sp_${++this.savepoints}`;
    await this.tx.query(`SAVEPOINT ${name}`);
    try {
      await fn();
      await this.tx.query(`RELEASE SAVEPOINT ${name}`);
      return null;
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      await this.tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.tx.query(`RELEASE SAVEPOINT ${name}`);
      return err;
    }
  }

  /** Apply each event; in careful mode an event the database refuses is skipped and recorded. */
  async forEachEvent(events: readonly ProjectedEvent[], apply: (event: ProjectedEvent) => Promise<void>): Promise<void> {
    for (const event of events) {
      const refusal = await this.attempt(() => apply(event));
      if (refusal !== null) {
        await this.breach(event, {
          subject: event.recorded.id,
          kind: 'event_refused',
          providerId: event.providerId,
          detail: `the database refused this event's rows: ${refusal instanceof Error ? refusal.message : String(refusal)}`,
        });
      }
    }
  }

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
