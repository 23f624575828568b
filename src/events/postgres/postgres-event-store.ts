import type { Selectable } from 'kysely';
import { PgSqlPool } from '../../db/pg-pool';
import type { EsEventsTable } from '../../db/schema';
import type { SqlPool } from '../../db/sql';
import {
  type AllFilter,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type JsonValue,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../event-store';
import { Waker } from './waker';

/** NOTIFY channel that says "new events may be visible"; the payload is empty on purpose. */
export const EVENTS_CHANNEL = 'slotstream_events';

/** A row of `es_events` as EVENT_COLUMNS select it (its numbers as text). */
type EventRow = Selectable<EsEventsTable>;

// The text aliases shadow the column names: ORDER BY must name `es_events.<column>` to sort by the
// numbers (an unqualified name in ORDER BY means the output column, which sorts "10" before "9").
const EVENT_COLUMNS = `global_position::text AS global_position, transaction_id::text AS transaction_id, stream_name,
  stream_revision::text AS stream_revision, event_id::text AS event_id, event_type, data, metadata, created_at`;

/** Only transactions older than every running one: nothing can still commit before these. */
const VISIBLE = `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * Re-reads while committed events are held back behind an older transaction: from 2 ms, doubling while
 * nothing new becomes readable, up to 50 ms (such a transaction is usually a short one: another
 * append, a projection batch; a long one elsewhere in the cluster costs a cheap probe 20 times a second).
 */
const HELD_BACK_FIRST_RETRY_MS = 2;
const HELD_BACK_MAX_RETRY_MS = 50;

export interface PostgresEventStoreOptions {
  /** Fallback poll for live subscriptions (a lost notification, an aborted older transaction). */
  readonly pollIntervalMs?: number;
  /**
   * Append transactions this process keeps in flight at once (default 4). Appends that arrive while
   * all are busy wait and then go together, as one `es_append_batch` call: one round trip, one
   * commit, each append with its own outcome (group commit). An append that finds a free slot goes
   * at once, alone, so a lone writer never waits.
   */
  readonly maxConcurrentAppends?: number;
  /** Most appends sent in one batch (default 100). */
  readonly maxAppendsPerBatch?: number;
}

interface AppendRow {
  outcome: string;
  revision: string;
  commit_position: string | null;
  prepare_position: string | null;
}

interface PendingAppend {
  readonly stream: string;
  readonly kind: string;
  readonly expected: number | null;
  /** The events as the JSON array `es_append` takes. */
  readonly payload: string;
  readonly resolve: (row: AppendRow) => void;
  readonly reject: (err: unknown) => void;
}

const APPEND_SQL = `SELECT outcome, revision::text AS revision, commit_position, prepare_position::text AS prepare_position
  FROM es_append($1, $2, $3, $4::jsonb)`;
const APPEND_BATCH_SQL = `SELECT ord, outcome, revision::text AS revision, commit_position, prepare_position::text AS prepare_position
  FROM es_append_batch($1::jsonb)`;

/** The EventStore port on PostgreSQL (server or PGlite); tables from migration 0001, `es_append` and `es_append_batch` from 0004. */
export class PostgresEventStore implements EventStore {
  readonly name: string;
  private readonly pollIntervalMs: number;
  private readonly localWakers = new Set<() => void>();
  private notifyInFlight: Promise<void> | null = null;
  private notifyAgain = false;
  private readonly maxConcurrentAppends: number;
  private readonly maxAppendsPerBatch: number;
  private readonly waitingAppends: PendingAppend[] = [];
  private appendsInFlight = 0;

  constructor(private readonly pool: SqlPool, options: PostgresEventStoreOptions = {}) {
    this.name = pool.kind === 'pglite' ? 'pglite' : 'postgres';
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxConcurrentAppends = Math.max(1, options.maxConcurrentAppends ?? 4);
    this.maxAppendsPerBatch = Math.max(1, options.maxAppendsPerBatch ?? 100);
  }

  async appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) return this.emptyAppend(streamName, expected);
    const kind = typeof expected === 'number' ? 'revision' : expected;
    const payload = JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata ?? {} })));
    const row = await new Promise<AppendRow>((resolve, reject) => {
      this.waitingAppends.push({ stream: streamName, kind, expected: typeof expected === 'number' ? expected : null, payload, resolve, reject });
      this.sendAppends();
    });
    if (row.outcome === 'wrong_expected_version') {
      const actual = Number(row.revision);
      throw new WrongExpectedVersionError(streamName, expected, actual < 0 ? 'no_stream' : actual);
    }
    return {
      nextExpectedRevision: Number(row.revision),
      position: { commit: BigInt(row.commit_position ?? '0'), prepare: BigInt(row.prepare_position ?? '0') },
      idempotent: row.outcome === 'idempotent',
    };
  }

  /** Start appends while there are free slots: everything waiting goes together (see maxConcurrentAppends). */
  private sendAppends(): void {
    while (this.appendsInFlight < this.maxConcurrentAppends && this.waitingAppends.length > 0) {
      const batch = this.waitingAppends.splice(0, this.maxAppendsPerBatch);
      this.appendsInFlight++;
      void this.appendBatch(batch).finally(() => {
        this.appendsInFlight--;
        // Aborted appends also advance the visibility horizon, so readers waiting behind them must look again.
        this.announce();
        this.sendAppends();
      });
    }
  }

  /** Settles every append of the batch; never rejects. */
  private async appendBatch(batch: readonly PendingAppend[]): Promise<void> {
    if (batch.length === 1) return this.appendAlone(batch[0] as PendingAppend);
    // By stream name (stable: appends to one stream keep their order), so batches lock rows in one order.
    const ordered = batch
      .map((append, i) => ({ append, i }))
      .sort((a, b) => (a.append.stream < b.append.stream ? -1 : a.append.stream > b.append.stream ? 1 : a.i - b.i))
      .map((x) => x.append);
    let rows: Array<AppendRow & { ord: number }>;
    try {
      const appends = ordered.map((a) => `{"s":${JSON.stringify(a.stream)},"k":"${a.kind}","e":${a.expected ?? 'null'},"ev":${a.payload}}`);
      rows = await this.run<AppendRow & { ord: number }>('es_append_batch', APPEND_BATCH_SQL, [`[${appends.join(',')}]`]);
    } catch {
      // One append may be at fault (or the connection): each on its own, so an error reaches only its
      // own caller. Sending again is safe even if the batch did commit: the same event ids at the same
      // place are an idempotent success with the same answer. Appends to one stream keep their order.
      const byStream = new Map<string, PendingAppend[]>();
      for (const a of ordered) byStream.set(a.stream, [...(byStream.get(a.stream) ?? []), a]);
      await Promise.all([...byStream.values()].map(async (appends) => {
        for (const a of appends) await this.appendAlone(a);
      }));
      return;
    }
    const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
    ordered.forEach((append, i) => {
      const row = byOrd.get(i);
      if (row) append.resolve(row);
      else append.reject(new Error('es_append_batch returned no row for an append'));
    });
  }

  private async appendAlone(append: PendingAppend): Promise<void> {
    try {
      const rows = await this.run<AppendRow>('es_append', APPEND_SQL, [append.stream, append.kind, append.expected, append.payload]);
      if (rows[0]) append.resolve(rows[0]);
      else append.reject(new Error('es_append returned no row'));
    } catch (err) {
      append.reject(err);
    }
  }

  /** The hot statements as named prepared statements on a server (parsed and planned once per connection). */
  private async run<R>(name: string, text: string, params: unknown[]): Promise<R[]> {
    if (this.pool instanceof PgSqlPool) return (await this.pool.pool.query({ name, text, values: params })).rows as R[];
    return (await this.pool.query<R>(text, params)).rows;
  }

  /** EventStoreDB accepts an empty append as a pure expected-revision check. */
  private async emptyAppend(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const r = await this.pool.query<{ revision: string }>(`SELECT revision::text AS revision FROM es_streams WHERE stream_name = $1`, [streamName]);
    const current = r.rows[0] ? Number(r.rows[0].revision) : -1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersionError(streamName, expected, current < 0 ? 'no_stream' : current);
    return { nextExpectedRevision: current, position: await this.headPosition() };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const limit = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const params: unknown[] = [streamName, limit];
    let bound = '';
    if (typeof from === 'number') {
      params.push(from);
      bound = backwards ? 'AND stream_revision <= $3' : 'AND stream_revision >= $3';
    } else if ((from === 'end' && !backwards) || (from === 'start' && backwards)) {
      // Forwards from the end or backwards from the start: only the one boundary event, as EventStoreDB reads it.
      bound = backwards ? 'AND stream_revision <= 0' : 'AND stream_revision >= (SELECT revision FROM es_streams WHERE stream_name = $1) + 1';
    }
    const r = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream_name = $1 ${bound}
        ORDER BY es_events.stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $2`,
      params,
    );
    if (r.rows.length === 0) {
      const exists = await this.pool.query(`SELECT 1 FROM es_streams WHERE stream_name = $1 AND revision >= 0`, [streamName]);
      if (exists.rows.length === 0) throw new StreamNotFoundError(streamName);
    }
    return r.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readVisible(options)).events;
  }

  /**
   * Events after a position, in commit order, that no running transaction can still precede; and, seen
   * in the same snapshot, whether committed events exist beyond what was returned that an older
   * transaction still running holds back (they become readable the moment it ends, unannounced).
   */
  private async readVisible(options: ReadAllOptions): Promise<{ events: RecordedEvent[]; heldBack: boolean }> {
    const from = options.fromPosition === undefined || options.fromPosition === 'start' ? START : options.fromPosition;
    const limit = options.maxCount ?? 1000;
    const params: unknown[] = [from.commit.toString(), from.prepare.toString(), limit];
    const filterSql = filterClause(options.filter, params);
    // One statement, so the rows and the held-back probe share one snapshot (the LEFT JOIN keeps the
    // probe's row when no event qualifies).
    const r = await this.pool.query<EventRow & { held_back: boolean }>(
      `SELECT held.held_back, e.* FROM
         (SELECT EXISTS (SELECT 1 FROM es_events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS held_back) held
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS}, es_events.transaction_id AS tx_order, es_events.global_position AS gp_order FROM es_events
          WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) AND ${VISIBLE}
            AND event_type NOT LIKE '$%' ${filterSql}
          ORDER BY es_events.transaction_id, es_events.global_position LIMIT $3
       ) e ON true
       ORDER BY e.tx_order, e.gp_order`,
      params,
    );
    const heldBack = r.rows[0]?.held_back === true;
    return { events: r.rows.filter((row) => row.event_id !== null).map(toRecorded), heldBack };
  }

  async headPosition(): Promise<Position> {
    const r = await this.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM es_events
        WHERE ${VISIBLE} ORDER BY es_events.transaction_id DESC, es_events.global_position DESC LIMIT 1`,
    );
    const row = r.rows[0];
    return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : START;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AsyncIterable<SubscriptionMessage> {
    return { [Symbol.asyncIterator]: () => this.subscription(options) };
  }

  private async *subscription(options: SubscribeToAllOptions): AsyncGenerator<SubscriptionMessage> {
    const { signal, filter } = options;
    const batchSize = options.batchSize ?? 500;
    const waker = new Waker();
    const wake = (): void => waker.wake();
    this.localWakers.add(wake);
    const unlisten = await this.pool.listen(EVENTS_CHANNEL, wake);
    const onAbort = (): void => waker.wake();
    signal?.addEventListener('abort', onAbort);
    try {
      let cursor: Position = options.fromPosition === 'end' ? await this.headPosition() : options.fromPosition === 'start' || !options.fromPosition ? START : options.fromPosition;
      let caughtUp = false;
      let retryMs = HELD_BACK_FIRST_RETRY_MS;
      while (!signal?.aborted) {
        waker.clear();
        const { events: batch, heldBack } = await this.readVisible({ fromPosition: cursor, maxCount: batchSize, ...(filter ? { filter } : {}) });
        for (const event of batch) {
          if (signal?.aborted) return;
          cursor = event.position;
          yield { kind: 'event', event };
        }
        if (batch.length < batchSize) {
          // Caught up means every event committed so far was delivered: not while some are held back.
          if (!caughtUp && !heldBack) {
            caughtUp = true;
            yield { kind: 'caughtUp', position: cursor };
          }
          // Committed events held back by an older transaction still running (anywhere in the cluster)
          // become visible when it ends, and nothing announces that: look again soon, backing off.
          if (heldBack) {
            await waker.wait(batch.length > 0 ? HELD_BACK_FIRST_RETRY_MS : retryMs);
            retryMs = batch.length > 0 ? HELD_BACK_FIRST_RETRY_MS : Math.min(HELD_BACK_MAX_RETRY_MS, this.pollIntervalMs, retryMs * 2);
          } else {
            retryMs = HELD_BACK_FIRST_RETRY_MS;
            await waker.wait(this.pollIntervalMs);
          }
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.localWakers.delete(wake);
      await unlisten();
    }
  }

  /**
   * Wake subscribers in this process at once and, coalesced, other processes through NOTIFY.
   * NOTIFY takes a cluster-wide lock at commit, so one per burst of appends rather than one per append.
   */
  private announce(): void {
    for (const wake of this.localWakers) wake();
    if (this.pool.kind === 'pglite') return;
    if (this.notifyInFlight) {
      this.notifyAgain = true;
      return;
    }
    this.notifyInFlight = this.pool
      .notify(EVENTS_CHANNEL, '')
      .catch(() => undefined)
      .finally(() => {
        this.notifyInFlight = null;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.announce();
        }
      });
  }

  async close(): Promise<void> {
    await this.notifyInFlight;
  }
}

function filterClause(filter: AllFilter | undefined, params: unknown[]): string {
  if (!filter) return '';
  let sql = '';
  if (filter.streamNamePrefixes) {
    params.push(filter.streamNamePrefixes.map(likePrefix));
    sql += ` AND stream_name LIKE ANY ($${params.length}::text[])`;
  }
  if (filter.eventTypePrefixes) {
    params.push(filter.eventTypePrefixes.map(likePrefix));
    sql += ` AND event_type LIKE ANY ($${params.length}::text[])`;
  }
  return sql;
}

const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    streamName: row.stream_name,
    revision: Number(row.stream_revision),
    id: row.event_id,
    type: row.event_type,
    // Written by `es_append` from the JSON this adapter sends: a JSON value and a JSON object.
    data: row.data as JsonValue,
    metadata: row.metadata as JsonObject,
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    created: row.created_at,
  };
}
