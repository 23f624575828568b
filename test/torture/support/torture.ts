/**
 * Shared pieces of the torture tests: sizes, a seeded random source, raw HTTP, and database-level
 * oracles (projection catch-up, live appointments replayed from the event store and read from the
 * read model, capacity/overlap checks, read-model snapshots and rebuilds).
 *
 * Sizes: small by default (part of `npm test`), full with `TORTURE=full` (`npm run torture`).
 * Seeds: `TORTURE_SEED=<n>` replays a run's random choices (timing still varies: these are races).
 */
import pg from 'pg';
import { openDatabase } from '../../../src/db/database';
import { PostgresEventStore } from '../../../src/events/postgres/postgres-event-store';
import { createLogger } from '../../../src/logger';
import { createMetrics } from '../../../src/metrics';
import { type ReadSide, createReadSide } from '../../../src/projections/read-side';
import { mulberry32 } from '../../support/seeded-random';

export const FULL = process.env.TORTURE === 'full';

/** `small` in the normal test run, `full` under TORTURE=full. */
export const sized = <T>(small: T, full: T): T => (FULL ? full : small);

// ---- random ----

export interface Rng {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** A seeded random source with the helpers tests draw from. */
export function rng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    chance: (p) => next() < p,
  };
}

/** The seed of a suite: TORTURE_SEED when set, else a fresh one; printed so a failure can be replayed. */
export function suiteSeed(suite: string): number {
  const fromEnv = process.env.TORTURE_SEED;
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  // eslint-disable-next-line no-console
  console.log(`[torture] ${suite}: ${FULL ? 'full' : 'small'} size, seed ${seed} (replay with TORTURE_SEED=${seed})`);
  return seed;
}

// ---- HTTP ----

export interface GqlError {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

export type Answer<T> =
  | { readonly kind: 'response'; readonly status: number; readonly data?: T | null; readonly errors?: GqlError[]; readonly text: string }
  | { readonly kind: 'network'; readonly error: string };

/** POST a GraphQL operation; a lost connection is an answer of its own (`network`), never a throw. */
export async function post<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  timeoutMs = 60_000,
): Promise<Answer<T>> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { kind: 'network', error: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`HTTP ${res.status} answered with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  return { kind: 'response', status: res.status, text, ...body };
}

export const codeOf = (errors: readonly GqlError[] | undefined): string | undefined => {
  const code = errors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
};

// ---- database oracles ----

export function adminPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // pool.end() resolves while its idle connections are still closing; the suite's DROP DATABASE ...
  // WITH (FORCE) right after can terminate one, and an 'error' event with no listener would crash jest.
  pool.on('error', () => undefined);
  return pool;
}

/** The newest committed provider event's position, as (transaction id, global position). */
async function providerHead(pool: pg.Pool): Promise<[bigint, bigint] | null> {
  const r = await pool.query<{ tx: string; gp: string }>(
    `SELECT transaction_id::text AS tx, global_position::text AS gp FROM es_events
      WHERE stream_name LIKE 'provider-%' ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  const row = r.rows[0];
  return row ? [BigInt(row.tx), BigInt(row.gp)] : null;
}

/**
 * Waits until every projection's checkpoint is at or past the newest provider event. Call it when no
 * command is in flight (between load phases): the head is read once, then the checkpoints are polled.
 */
export async function waitForProjections(pool: pg.Pool, timeoutMs = 60_000, projections: readonly string[] = ['schedule', 'analytics']): Promise<void> {
  const head = await providerHead(pool);
  if (head === null) return;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await pool.query<{ name: string; position: string }>(`SELECT name, position FROM projection_checkpoints`);
    const at = new Map(r.rows.map((row) => [row.name, row.position]));
    last = JSON.stringify(Object.fromEntries(at));
    const done = projections.every((name) => {
      const m = /^(\d+)\/(\d+)$/.exec(at.get(name) ?? '');
      if (!m) return false;
      const [tx, gp] = [BigInt(m[1] as string), BigInt(m[2] as string)];
      return tx > head[0] || (tx === head[0] && gp >= head[1]);
    });
    if (done) return;
    if (Date.now() > deadline) throw new Error(`projections did not reach ${head[0]}/${head[1]} in ${timeoutMs} ms (checkpoints ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A live (PENDING/CONFIRMED) appointment as the overlap rules see it. */
export interface LiveAppointment {
  readonly id: string;
  readonly providerId: string;
  readonly serviceId: string;
  readonly customerId: string;
  readonly start: number;
  readonly end: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly capacity: number;
  readonly status: string;
}

interface EventRow {
  stream_name: string;
  rev: string;
  event_type: string;
  data: Record<string, unknown>;
}

/**
 * Live appointments folded from the event store with this file's own, deliberately naive reading of
 * the appointment events (independent of the decider's `evolve`): booked -> live, confirmed keeps it
 * live, rescheduled moves it, cancelled/completed/no-show ends it.
 */
export async function liveFromEvents(pool: pg.Pool): Promise<LiveAppointment[]> {
  const r = await pool.query<EventRow>(
    `SELECT e.stream_name, e.stream_revision::text AS rev, e.event_type, e.data FROM es_events e
      WHERE e.stream_name LIKE 'provider-%' AND e.event_type LIKE 'Appointment%' ORDER BY e.stream_name, e.stream_revision`,
  );
  const all = new Map<string, LiveAppointment>();
  const str = (d: Record<string, unknown>, k: string): string => {
    const v = d[k];
    if (typeof v !== 'string') throw new Error(`event field ${k} is not a string: ${JSON.stringify(d)}`);
    return v;
  };
  for (const e of r.rows) {
    const d = e.data;
    const id = str(d, 'appointmentId');
    const current = all.get(id);
    switch (e.event_type) {
      case 'AppointmentBooked':
        if (current) throw new Error(`appointment ${id} booked twice (${e.stream_name}@${e.rev})`);
        all.set(id, {
          id,
          providerId: str(d, 'providerId'),
          serviceId: str(d, 'serviceId'),
          customerId: str(d, 'customerId'),
          start: Date.parse(str(d, 'start')),
          end: Date.parse(str(d, 'end')),
          bufferBeforeMinutes: Number(d.bufferBeforeMinutes),
          bufferAfterMinutes: Number(d.bufferAfterMinutes),
          capacity: Number(d.capacity),
          status: str(d, 'status'),
        });
        break;
      case 'AppointmentConfirmed':
        if (!current) throw new Error(`${e.event_type} of unknown appointment ${id}`);
        all.set(id, { ...current, status: 'CONFIRMED' });
        break;
      case 'AppointmentRescheduled':
        if (!current) throw new Error(`${e.event_type} of unknown appointment ${id}`);
        all.set(id, { ...current, start: Date.parse(str(d, 'start')), end: Date.parse(str(d, 'end')) });
        break;
      case 'AppointmentCancelled':
      case 'AppointmentCompleted':
      case 'AppointmentMarkedNoShow':
        if (!current) throw new Error(`${e.event_type} of unknown appointment ${id}`);
        all.set(id, { ...current, status: { AppointmentCancelled: 'CANCELLED', AppointmentCompleted: 'COMPLETED', AppointmentMarkedNoShow: 'NO_SHOW' }[e.event_type] });
        break;
      default:
        throw new Error(`unknown appointment event ${e.event_type}`);
    }
  }
  return [...all.values()].filter((a) => a.status === 'PENDING' || a.status === 'CONFIRMED');
}

/** Live appointments as the read model has them. */
export async function liveFromReadModel(pool: pg.Pool): Promise<LiveAppointment[]> {
  const r = await pool.query<{
    id: string;
    provider_id: string;
    service_id: string;
    customer_id: string;
    start_at: Date;
    end_at: Date;
    buffer_before_minutes: number;
    buffer_after_minutes: number;
    capacity: number;
    status: string;
  }>(`SELECT id, provider_id, service_id, customer_id, start_at, end_at, buffer_before_minutes, buffer_after_minutes, capacity, status
        FROM rm_appointments WHERE status IN ('PENDING', 'CONFIRMED')`);
  return r.rows.map((row) => ({
    id: row.id,
    providerId: row.provider_id,
    serviceId: row.service_id,
    customerId: row.customer_id,
    start: row.start_at.getTime(),
    end: row.end_at.getTime(),
    bufferBeforeMinutes: row.buffer_before_minutes,
    bufferAfterMinutes: row.buffer_after_minutes,
    capacity: row.capacity,
    status: row.status,
  }));
}

const MINUTE = 60_000;

/**
 * Everything wrong with a set of live appointments, by the booking rules: occupied ranges
 * (appointment plus its buffers) of one provider may only meet when both are seats of one class
 * session (same service, same start), and a session holds at most its capacity.
 */
export function capacityViolations(live: readonly LiveAppointment[]): string[] {
  const problems: string[] = [];
  const occupied = (a: LiveAppointment): [number, number] => [a.start - a.bufferBeforeMinutes * MINUTE, a.end + a.bufferAfterMinutes * MINUTE];
  const byProvider = new Map<string, LiveAppointment[]>();
  for (const a of live) byProvider.set(a.providerId, [...(byProvider.get(a.providerId) ?? []), a]);
  for (const list of byProvider.values()) {
    const sorted = [...list].sort((x, y) => occupied(x)[0] - occupied(y)[0]);
    const active: LiveAppointment[] = [];
    for (const a of sorted) {
      const [from] = occupied(a);
      for (let i = active.length - 1; i >= 0; i--) if (occupied(active[i] as LiveAppointment)[1] <= from) active.splice(i, 1);
      for (const b of active) {
        if (b.serviceId !== a.serviceId || b.start !== a.start) {
          problems.push(`overlap: ${b.id} (${b.serviceId} ${new Date(b.start).toISOString()}) and ${a.id} (${a.serviceId} ${new Date(a.start).toISOString()})`);
        }
      }
      active.push(a);
    }
    const sessions = new Map<string, LiveAppointment[]>();
    for (const a of list) {
      const key = `${a.serviceId}@${a.start}`;
      sessions.set(key, [...(sessions.get(key) ?? []), a]);
    }
    for (const [key, seats] of sessions) {
      const capacity = Math.min(...seats.map((s) => s.capacity));
      if (seats.length > capacity) problems.push(`session ${key} holds ${seats.length} seats, capacity ${capacity}: ${seats.map((s) => s.id).join(', ')}`);
    }
  }
  return problems;
}

/** Every read-model table (`rm_*`, found in the catalog, so a new one is included) as ordered rows. */
export async function readModelRows(pool: pg.Pool): Promise<Record<string, string[]>> {
  const tables = await pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'rm\\_%' ORDER BY 1`);
  const snapshot: Record<string, string[]> = {};
  for (const { t } of tables.rows) {
    const r = await pool.query<{ row: string }>(`SELECT to_jsonb(x)::text AS row FROM "${t}" x ORDER BY 1`);
    snapshot[t] = r.rows.map((x) => x.row);
  }
  return snapshot;
}

/** Table -> rows only on one side, for a readable failure message. */
export function diffRows(before: Record<string, string[]>, after: Record<string, string[]>): Record<string, { onlyBefore: string[]; onlyAfter: string[] }> {
  const out: Record<string, { onlyBefore: string[]; onlyAfter: string[] }> = {};
  for (const t of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[t] ?? [];
    const a = after[t] ?? [];
    const bs = new Set(b);
    const as = new Set(a);
    const onlyBefore = b.filter((r) => !as.has(r)).slice(0, 5);
    const onlyAfter = a.filter((r) => !bs.has(r)).slice(0, 5);
    if (onlyBefore.length > 0 || onlyAfter.length > 0 || a.length !== b.length) out[t] = { onlyBefore, onlyAfter };
  }
  return out;
}

/** A read side over a database (no workers), for rebuilding from the test process. */
export async function openReadSide(databaseUrl: string): Promise<{ readSide: ReadSide; close(): Promise<void> }> {
  const database = await openDatabase({ databaseUrl, poolSize: 4 });
  const eventStore = new PostgresEventStore(database.pool);
  const readSide = createReadSide({
    pool: database.pool,
    db: database.db,
    eventStore,
    logger: createLogger(process.env.TEST_LOG ?? 'silent'),
    metrics: createMetrics(),
    runProjections: false,
  });
  await readSide.start();
  return {
    readSide,
    close: async () => {
      await readSide.stop();
      await eventStore.close();
      await database.close();
    },
  };
}
