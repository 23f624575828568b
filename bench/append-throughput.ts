/**
 * `append`: how fast our PostgreSQL event store appends, next to Emmett's PostgreSQL event store and
 * next to the floor any PostgreSQL event store pays (pgbench committing a one-row INSERT).
 *
 * - Same server, each contender in a fresh database of its own, the same pool size for both stores.
 * - Writers behave like aggregates: each owns its streams and appends with the revision it knows
 *   (optimistic concurrency on, never `any`); a stream is retired after STREAM_APPENDS appends and
 *   the writer starts a new one (so stream creation is part of the mix, as it is for real aggregates).
 * - Events look like an AppointmentBooked: ~300 bytes of JSON data and ~330 bytes of metadata.
 * - Every round measures every contender at every shape, in an order rotated from round to round, so
 *   all of them see the same machine conditions; ratios are taken within a round, then the median.
 * - Each measurement is verified before it counts: the rows the store holds grew by exactly the
 *   events acknowledged, and every stream holds exactly what its writer believes it appended.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { openDatabase } from '../src/db/database';
import type { JsonObject, JsonValue } from '../src/events/event-store';
import { PostgresEventStore } from '../src/events/postgres/postgres-event-store';
import type { BenchContext, BenchOutcome, Benchmark, Target } from './lib/benchmark';
import { type BenchDatabase, createBenchDatabase } from './lib/database';
import { closedLoop } from './lib/load';
import { median, round, summarize } from './lib/stats';

const WRITER_COUNTS = [1, 16] as const;
const EVENTS_PER_APPEND = [1, 10] as const;
/** Appends per stream before a writer moves on to a new stream (an aggregate's lifetime). */
const STREAM_APPENDS = 100;
/** Both stores get this many connections: one per writer plus headroom (ours sends a coalesced NOTIFY beside the appends). */
const poolSizeFor = (writers: number): number => writers + 2;

const TARGET_VS_EMMETT = 1.2;
const TARGET_VS_FLOOR = 0.6;

// ---- Payloads ----

interface BenchEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

const hex64 = (): string => (randomUUID() + randomUUID()).replace(/-/g, '');

/**
 * Shaped like the AppointmentBooked the command handler writes (the provider id is the stream's, the
 * idempotency key a short client token), with the handler's metadata: actor, correlation, causation,
 * time, schema version and the hash chain. Fresh ids every time.
 */
function bookedEvent(seq: number): BenchEvent {
  const start = Date.parse('2027-03-02T08:00:00.000Z') + seq * 30 * 60_000;
  const customerId = randomUUID();
  return {
    id: randomUUID(),
    type: 'AppointmentBooked',
    data: {
      appointmentId: randomUUID(),
      serviceId: '3f1c2a9e-5b7d-4c8e-9a1f-2d3e4f5a6b7c',
      customerId,
      start: new Date(start).toISOString(),
      end: new Date(start + 30 * 60_000).toISOString(),
      bufferAfterMinutes: 10,
      capacity: 1,
      price: { amountMinor: 4500, currency: 'EUR' },
      status: 'CONFIRMED',
      notes: null,
      idempotencyKey: `web-${randomUUID().slice(0, 8)}`,
      bookedAt: '2027-03-01T08:00:00.000Z',
    },
    metadata: {
      actorId: customerId,
      actorRole: 'CUSTOMER',
      correlationId: randomUUID(),
      causationId: null,
      requestedAt: '2027-03-01T08:00:00.000Z',
      schemaVersion: 1,
      prevHash: hex64(),
      hash: hex64(),
    },
  };
}

const SAMPLE = bookedEvent(0);
const DATA_BYTES = Buffer.byteLength(JSON.stringify(SAMPLE.data));
const METADATA_BYTES = Buffer.byteLength(JSON.stringify(SAMPLE.metadata));

// ---- Contenders ----

/** A store opened for one measurement. `known` = events the writer has in `stream` (0: a new stream). */
interface StoreSession {
  append(stream: string, events: readonly BenchEvent[], known: number): Promise<void>;
  /** Every event row the store holds. */
  countEvents(): Promise<number>;
  /** Event rows per stream and the length the stream's own record states, for the given streams. */
  streamLengths(streams: readonly string[]): Promise<Map<string, { rows: number; recorded: number }>>;
  close(): Promise<void>;
}

type StoreName = 'ours' | 'emmett' | 'nodeFloor';

interface StoreContender {
  readonly name: StoreName;
  readonly label: string;
  open(poolSize: number): Promise<StoreSession>;
}

function oursContender(db: BenchDatabase): StoreContender {
  return {
    name: 'ours',
    label: 'ours (PostgresEventStore)',
    async open(poolSize) {
      const opened = await openDatabase({ databaseUrl: db.url, poolSize });
      const store = new PostgresEventStore(opened.pool);
      return {
        async append(stream, events, known) {
          await store.appendToStream(stream, events, { expectedRevision: known === 0 ? 'no_stream' : known - 1 });
        },
        async countEvents() {
          const r = await opened.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events');
          return Number(r.rows[0]?.n ?? 0);
        },
        async streamLengths(streams) {
          const rows = await opened.pool.query<{ stream: string; rows: string; recorded: string }>(
            `SELECT s.stream_name AS stream, (SELECT count(*) FROM es_events e WHERE e.stream_name = s.stream_name)::text AS rows,
                    (s.revision + 1)::text AS recorded
               FROM es_streams s WHERE s.stream_name = ANY($1::text[])`,
            [streams],
          );
          return new Map(rows.rows.map((r) => [r.stream, { rows: Number(r.rows), recorded: Number(r.recorded) }]));
        },
        async close() {
          await store.close();
          await opened.close();
        },
      };
    },
  };
}

function emmettContender(db: BenchDatabase): StoreContender {
  return {
    name: 'emmett',
    label: 'Emmett 0.42 (emmett-postgresql)',
    async open(poolSize) {
      const pool = new pg.Pool({ connectionString: db.url, max: poolSize });
      pool.on('error', () => undefined);
      // The schema was created once up front (see prepareEmmett); no migration check on the append path.
      const store = getPostgreSQLEventStore(db.url, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });
      return {
        async append(stream, events, known) {
          // Emmett's stream version counts events (0 = no stream yet); a wrong one is an ExpectedVersionConflictError.
          await store.appendToStream(
            stream,
            events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })),
            { expectedStreamVersion: BigInt(known) },
          );
        },
        async countEvents() {
          const r = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM emt_messages');
          return Number(r.rows[0]?.n ?? 0);
        },
        async streamLengths(streams) {
          const rows = await pool.query<{ stream: string; rows: string; recorded: string }>(
            `SELECT s.stream_id AS stream, (SELECT count(*) FROM emt_messages m WHERE m.stream_id = s.stream_id)::text AS rows,
                    s.stream_position::text AS recorded
               FROM emt_streams s WHERE s.stream_id = ANY($1::text[])`,
            [streams],
          );
          return new Map(rows.rows.map((r) => [r.stream, { rows: Number(r.rows), recorded: Number(r.recorded) }]));
        },
        async close() {
          await store.close();
          await pool.end();
        },
      };
    },
  };
}

/**
 * The floor again, from Node: the same one-row INSERT as pgbench's, sent by node-postgres (a named
 * prepared statement, a pool like the stores'), into the floor's table. What any event store written
 * in Node pays before doing anything of its own; one event per append only.
 */
function nodeFloorContender(db: BenchDatabase): StoreContender {
  return {
    name: 'nodeFloor',
    label: 'Node floor (node-postgres, one-row INSERT)',
    async open(poolSize) {
      const pool = new pg.Pool({ connectionString: db.url, max: poolSize });
      pool.on('error', () => undefined);
      return {
        async append(stream, events) {
          const e = events[0] as BenchEvent;
          await pool.query({
            name: 'floor',
            text: 'INSERT INTO append_floor (stream, data) VALUES ($1, $2::jsonb)',
            values: [stream, JSON.stringify({ data: e.data, metadata: e.metadata })],
          });
        },
        async countEvents() {
          const r = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM append_floor');
          return Number(r.rows[0]?.n ?? 0);
        },
        async streamLengths(streams) {
          const rows = await pool.query<{ stream: string; n: string }>(
            'SELECT stream, count(*)::text AS n FROM append_floor WHERE stream = ANY($1::text[]) GROUP BY stream',
            [streams],
          );
          // One row per append: the row count is the length.
          return new Map(rows.rows.map((r) => [r.stream, { rows: Number(r.n), recorded: Number(r.n) }]));
        },
        async close() {
          await pool.end();
        },
      };
    },
  };
}

async function prepareEmmett(db: BenchDatabase): Promise<void> {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    const store = getPostgreSQLEventStore(db.url, { connectionOptions: { pool } });
    await store.schema.migrate();
    await store.close();
  } finally {
    await pool.end();
  }
}

// ---- One store measurement ----

interface Measured {
  readonly appendsPerSec: number;
  readonly eventsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly appends: number;
}

/** Writers that own their streams and always know their revision. */
class Writers {
  private readonly stream: string[] = [];
  private readonly known: number[] = [];
  private readonly appendsInStream: number[] = [];
  private readonly seq: number[] = [];
  /** Every stream a writer touched, with the length it believes the stream has. */
  readonly lengths = new Map<string, number>();

  constructor(private readonly tag: string, count: number, private readonly eventsPerAppend: number) {
    for (let w = 0; w < count; w++) this.rollOver(w);
  }

  private rollOver(w: number): void {
    // Emmett takes the text before the first '-' as the stream type; both stores get the same names.
    this.stream[w] = `appt-${this.tag}-${w}-${randomUUID()}`;
    this.known[w] = 0;
    this.appendsInStream[w] = 0;
    this.seq[w] = 0;
  }

  async appendOnce(session: StoreSession, w: number): Promise<void> {
    if ((this.appendsInStream[w] as number) >= STREAM_APPENDS) this.rollOver(w);
    const stream = this.stream[w] as string;
    const known = this.known[w] as number;
    const events: BenchEvent[] = [];
    for (let i = 0; i < this.eventsPerAppend; i++) events.push(bookedEvent((this.seq[w] as number) + i));
    await session.append(stream, events, known);
    // Only an acknowledged append moves what the writer knows.
    this.known[w] = known + events.length;
    this.seq[w] = (this.seq[w] as number) + events.length;
    this.appendsInStream[w] = (this.appendsInStream[w] as number) + 1;
    this.lengths.set(stream, known + events.length);
  }

  get total(): number {
    let n = 0;
    for (const v of this.lengths.values()) n += v;
    return n;
  }
}

async function measureStore(
  ctx: BenchContext,
  contender: StoreContender,
  writers: number,
  eventsPerAppend: number,
  tag: string,
  durations: { warmupMs: number; measureMs: number },
): Promise<Measured> {
  const session = await contender.open(poolSizeFor(writers));
  try {
    // Warm-up: connections opened, statements planned, caches and the JIT warm; same shape as the measurement.
    const warm = new Writers(`${tag}w`, writers, eventsPerAppend);
    const warmRun = await closedLoop({ clients: writers, durationMs: durations.warmupMs, operation: (w) => warm.appendOnce(session, w) });
    if (warmRun.failed > 0) throw new Error(`${contender.name} warm-up failed: ${JSON.stringify(warmRun.failures)}`);

    const before = await session.countEvents();
    const load = new Writers(tag, writers, eventsPerAppend);
    const run = await closedLoop({ clients: writers, durationMs: durations.measureMs, operation: (w) => load.appendOnce(session, w) });
    if (run.failed > 0) throw new Error(`${contender.name} ${writers}x${eventsPerAppend}: ${run.failed} appends failed: ${JSON.stringify(run.failures)}`);

    // Verification: nothing acknowledged is missing, nothing unacknowledged is there.
    const after = await session.countEvents();
    const acknowledged = run.ok * eventsPerAppend;
    if (load.total !== acknowledged) throw new Error(`${contender.name}: writers counted ${load.total} events but ${acknowledged} were acknowledged`);
    if (after - before !== acknowledged) {
      throw new Error(`${contender.name} ${writers}x${eventsPerAppend}: store grew by ${after - before} events, ${acknowledged} were acknowledged`);
    }
    const streams = [...load.lengths.keys()];
    const stored = await session.streamLengths(streams);
    for (const [stream, expected] of load.lengths) {
      const s = stored.get(stream);
      if (!s || s.rows !== expected || s.recorded !== expected) {
        throw new Error(`${contender.name}: stream ${stream} should hold ${expected} events, holds ${JSON.stringify(s ?? null)}`);
      }
    }
    const seconds = run.elapsedMs / 1000;
    const lat = summarize(run.latenciesMs);
    ctx.log(`  ${contender.name.padEnd(7)} ${writers}w x${eventsPerAppend}: ${Math.round(run.ok / seconds)} appends/s, p50 ${lat.p50} ms, p99 ${lat.p99} ms (verified ${acknowledged} events in ${streams.length} streams)`);
    return { appendsPerSec: run.ok / seconds, eventsPerSec: acknowledged / seconds, p50: lat.p50, p99: lat.p99, appends: run.ok };
  } finally {
    await session.close();
  }
}

// ---- The pgbench floor ----

interface FloorMeasured {
  readonly tps: number;
  readonly latencyAvgMs: number;
  readonly transactions: number;
}

class PgbenchFloor {
  private readonly script: string;

  constructor(private readonly db: BenchDatabase) {
    // The row a store would write for one event: a stream name and the event's data and metadata as jsonb.
    // A U& literal: pgbench would read every ':name' in the script (there are many in JSON) as a variable.
    const payload = JSON.stringify({ data: SAMPLE.data, metadata: SAMPLE.metadata })
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "''")
      .replace(/:/g, '\\003A');
    this.script = path.join(os.tmpdir(), `slotstream-append-floor-${process.pid}.sql`);
    fs.writeFileSync(this.script, `INSERT INTO append_floor (stream, data) VALUES ('writer-' || :client_id, U&'${payload}'::jsonb);\n`);
  }

  async prepare(): Promise<void> {
    const client = new pg.Client({ connectionString: this.db.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE append_floor (id bigserial PRIMARY KEY, stream text NOT NULL, data jsonb NOT NULL)');
    } finally {
      await client.end();
    }
  }

  private async count(): Promise<number> {
    const client = new pg.Client({ connectionString: this.db.url });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM append_floor');
      // And the script writes the intended payload (the escaping above is easy to get wrong).
      const sample = await client.query<{ same: boolean }>('SELECT data = $1::jsonb AS same FROM append_floor ORDER BY id DESC LIMIT 1', [
        JSON.stringify({ data: SAMPLE.data, metadata: SAMPLE.metadata }),
      ]);
      if (sample.rows[0] && !sample.rows[0].same) throw new Error('pgbench wrote a different payload than intended');
      return Number(r.rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  }

  private run(clients: number, seconds: number): Promise<{ stdout: string; stderr: string }> {
    const url = new URL(this.db.url);
    const args = [
      '-n', '-M', 'prepared',
      '-c', String(clients), '-j', String(Math.min(clients, 2)),
      '-T', String(seconds),
      '-f', this.script,
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'),
      decodeURIComponent(url.pathname.slice(1)),
    ];
    const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
    return new Promise((resolve, reject) => {
      const child = spawn('pgbench', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`pgbench exited with ${code}: ${stderr || stdout}`))));
    });
  }

  async measure(ctx: BenchContext, clients: number, durations: { warmupSeconds: number; measureSeconds: number }): Promise<FloorMeasured> {
    await this.run(clients, durations.warmupSeconds);
    const before = await this.count();
    const { stdout } = await this.run(clients, durations.measureSeconds);
    const after = await this.count();
    const num = (re: RegExp): number | null => {
      const m = re.exec(stdout);
      return m ? Number(m[1]) : null;
    };
    const processed = num(/number of transactions actually processed: (\d+)/);
    const failed = num(/number of failed transactions: (\d+)/) ?? 0;
    const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
    const latency = num(/latency average = ([\d.]+) ms/);
    if (processed === null || tps === null) throw new Error(`could not read pgbench's report:\n${stdout}`);
    if (failed !== 0) throw new Error(`pgbench reported ${failed} failed transactions`);
    if (after - before !== processed) throw new Error(`pgbench: table grew by ${after - before} rows, ${processed} transactions reported`);
    ctx.log(`  pgbench ${clients}w: ${Math.round(tps)} tps, avg ${latency ?? '?'} ms (verified ${processed} rows)`);
    return { tps, latencyAvgMs: latency ?? Number.NaN, transactions: processed };
  }

  dispose(): void {
    fs.rmSync(this.script, { force: true });
  }
}

// ---- The benchmark ----

type CaseKey = `${number}x${number}`;
const caseKey = (writers: number, events: number): CaseKey => `${writers}x${events}`;

interface RoundResult {
  readonly round: number;
  readonly stores: Record<CaseKey, Record<StoreName, Measured>>;
  readonly floor: Record<number, FloorMeasured>;
}

export const benchmark: Benchmark = {
  id: 'append',
  title: 'Append throughput: our PostgreSQL event store vs Emmett vs the pgbench floor',

  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const measureMs = ctx.quick ? 1000 : 5000;
    const warmupMs = ctx.quick ? 300 : 1500;
    const durations = { warmupMs, measureMs };
    const floorDurations = { warmupSeconds: 1, measureSeconds: Math.round(measureMs / 1000) };

    const databases: BenchDatabase[] = [];
    const rounds: RoundResult[] = [];
    let floor: PgbenchFloor | null = null;
    try {
      const oursDb = await createBenchDatabase('append_ours');
      databases.push(oursDb);
      const emmettDb = await createBenchDatabase('append_emmett');
      databases.push(emmettDb);
      const floorDb = await createBenchDatabase('append_floor');
      databases.push(floorDb);

      // Schemas up front, outside every measurement.
      await (await openDatabase({ databaseUrl: oursDb.url, poolSize: 1 })).close();
      await prepareEmmett(emmettDb);
      floor = new PgbenchFloor(floorDb);
      await floor.prepare();

      const stores = [oursContender(oursDb), emmettContender(emmettDb), nodeFloorContender(floorDb)];
      ctx.log(`event data ${DATA_BYTES} B + metadata ${METADATA_BYTES} B; ${ctx.rounds} round(s) of ${measureMs} ms per measurement`);

      for (let r = 0; r < ctx.rounds; r++) {
        ctx.log(`round ${r + 1}/${ctx.rounds}`);
        const result: RoundResult = { round: r + 1, stores: {}, floor: {} };
        for (const writers of WRITER_COUNTS) {
          // Every contender at this concurrency, back to back, in an order that rotates each round.
          type Step = { kind: 'floor' } | { kind: 'store'; contender: StoreContender; events: number };
          const steps: Step[] = [{ kind: 'floor' }];
          for (const events of EVENTS_PER_APPEND) {
            for (const contender of stores) if (contender.name !== 'nodeFloor' || events === 1) steps.push({ kind: 'store', contender, events });
          }
          const offset = r % steps.length;
          const ordered = [...steps.slice(offset), ...steps.slice(0, offset)];
          for (const step of ordered) {
            if (step.kind === 'floor') {
              result.floor[writers] = await floor.measure(ctx, writers, floorDurations);
            } else {
              const key = caseKey(writers, step.events);
              const m = await measureStore(ctx, step.contender, writers, step.events, `r${r}-${key}`, durations);
              result.stores[key] = { ...(result.stores[key] ?? ({} as Record<StoreName, Measured>)), [step.contender.name]: m };
            }
          }
        }
        rounds.push(result);
      }
    } finally {
      floor?.dispose();
      for (const db of databases.reverse()) await db.drop().catch((err: unknown) => ctx.log(`dropping ${db.name} failed: ${String(err)}`));
    }

    // ---- Report: medians over rounds; ratios per round (same conditions), then their median ----
    const storeRows: Array<Array<string | number>> = [];
    const ratioRows: Array<Array<string | number>> = [];
    const targets: Target[] = [];
    const medianOf = (values: number[], digits = 0): number => round(median(values), digits);
    for (const writers of WRITER_COUNTS) {
      const floorTps = rounds.map((r) => (r.floor[writers] as FloorMeasured).tps);
      storeRows.push([writers, 1, 'pgbench floor (one-row INSERT)', medianOf(floorTps), medianOf(floorTps), '—', `${medianOf(rounds.map((r) => (r.floor[writers] as FloorMeasured).latencyAvgMs), 3)} (avg)`]);
      const nodeFloors = rounds.map((r) => (r.stores[caseKey(writers, 1)] as Record<StoreName, Measured>).nodeFloor);
      storeRows.push([writers, 1, 'Node floor (same INSERT, node-postgres)', medianOf(nodeFloors.map((m) => m.appendsPerSec)), medianOf(nodeFloors.map((m) => m.eventsPerSec)), medianOf(nodeFloors.map((m) => m.p50), 2), medianOf(nodeFloors.map((m) => m.p99), 2)]);
      const nodeVsPgbench = medianOf(rounds.map((r) => (r.stores[caseKey(writers, 1)] as Record<StoreName, Measured>).nodeFloor.appendsPerSec / (r.floor[writers] as FloorMeasured).tps), 2);
      for (const events of EVENTS_PER_APPEND) {
        const key = caseKey(writers, events);
        for (const name of ['ours', 'emmett'] as const) {
          const ms = rounds.map((r) => (r.stores[key] as Record<StoreName, Measured>)[name]);
          storeRows.push([
            writers,
            events,
            name === 'ours' ? 'ours' : 'Emmett',
            medianOf(ms.map((m) => m.appendsPerSec)),
            medianOf(ms.map((m) => m.eventsPerSec)),
            medianOf(ms.map((m) => m.p50), 2),
            medianOf(ms.map((m) => m.p99), 2),
          ]);
        }
        const vsEmmett = medianOf(rounds.map((r) => {
          const s = r.stores[key] as Record<StoreName, Measured>;
          return s.ours.appendsPerSec / s.emmett.appendsPerSec;
        }), 2);
        const vsFloor = medianOf(rounds.map((r) => (r.stores[key] as Record<StoreName, Measured>).ours.appendsPerSec / (r.floor[writers] as FloorMeasured).tps), 2);
        const vsNodeFloor = medianOf(rounds.map((r) => (r.stores[key] as Record<StoreName, Measured>).ours.appendsPerSec / (r.stores[caseKey(writers, 1)] as Record<StoreName, Measured>).nodeFloor.appendsPerSec), 2);
        ratioRows.push([writers, events, `${vsEmmett}×`, `${vsFloor}×`, `${vsNodeFloor}×`, `${nodeVsPgbench}×`]);
        targets.push({ label: `ours / Emmett, ${writers} writer(s), ${events} event(s)/append (appends/s)`, measured: vsEmmett, op: '>=', target: TARGET_VS_EMMETT, unit: '×' });
        targets.push({ label: `ours / pgbench floor, ${writers} writer(s), ${events} event(s)/append (appends/s vs one-row tps)`, measured: vsFloor, op: '>=', target: TARGET_VS_FLOOR, unit: '×' });
      }
    }

    return {
      tables: [
        {
          title: `Append throughput (median of ${ctx.rounds} round(s), ${measureMs / 1000} s each)`,
          columns: ['writers', 'events/append', 'contender', 'appends/s', 'events/s', 'p50 ms', 'p99 ms'],
          rows: storeRows,
        },
        {
          title: 'Ratios (per round, then the median)',
          columns: ['writers', 'events/append', 'ours / Emmett', 'ours / pgbench floor', 'ours / Node floor', 'Node floor / pgbench floor'],
          rows: ratioRows,
        },
      ],
      targets,
      notes: [
        `Each writer owns its streams and appends with the revision it knows (ours: expectedRevision no_stream / n; Emmett: expectedStreamVersion n); a stream ends after ${STREAM_APPENDS} appends and the writer starts a new one. Events: AppointmentBooked-shaped, ${DATA_BYTES} B of JSON data + ${METADATA_BYTES} B of metadata; fresh ids per event.`,
        'Both stores use a pg pool of writers + 2 connections, in fresh databases on the same server; each measurement opens its store, warms up with the same load, measures, verifies (row count grew by exactly the acknowledged events; each stream holds what its writer appended) and closes.',
        'Ours runs with its defaults: at most 4 append transactions in flight per process; appends that arrive while all 4 are busy go together in one es_append_batch call (one transaction, each append with its own outcome). With 1 writer that never happens; with 16 it does, so there one commit can carry several appends. Emmett runs each append as its own transaction (BEGIN; emt_append_to_stream; COMMIT).',
        `Floor: pgbench -n -M prepared -c C -j min(C,2), one INSERT of a ${Buffer.byteLength(JSON.stringify({ data: SAMPLE.data, metadata: SAMPLE.metadata }))} B jsonb row (bigserial id, text stream, jsonb data) per transaction; its row count is checked against the transactions it reports.`,
        'The ours/pgbench ratio compares appends/s with the floor\'s one-row transactions/s at the same concurrency, also for 10 events per append (one append = one transaction either way, but ours then writes 10 rows).',
        'Node floor: the same one-row INSERT (the same payload, table and database as pgbench\'s) sent from Node by node-postgres through a pool of the stores\' size, measured like a store (closed loop, warm-up, verified row counts). It shows how much of the gap to pgbench any Node client pays before an event store does anything; ours / Node floor compares with it as ours / pgbench floor does with pgbench.',
        'Contenders run back to back within each round, in an order rotated every round; ratios are computed per round and the median is reported.',
      ],
      details: { rounds, dataBytes: DATA_BYTES, metadataBytes: METADATA_BYTES, poolSize: WRITER_COUNTS.map((w) => ({ writers: w, pool: poolSizeFor(w) })) },
    };
  },
};
