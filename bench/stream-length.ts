/**
 * `stream-length`: does a booking get slower as its provider's stream gets longer?
 *
 * Two providers with the same services and hours: one whose stream holds 10 events, one whose stream
 * holds 100,000 (quick: 10,000) — years of a busy clinic's life made by the real decider
 * (ProviderSimulator in projection-rebuild.ts): bookings, confirmations, cancellations (some late),
 * reschedules, completions, no-shows, days off, price changes; most of it in the past relative to the
 * benchmark's fixed `now`, some bookings still ahead. Every booking goes through the real
 * ProviderCommandHandler with PostgresEventStore and PostgresSnapshotStore.
 *
 * - cold: a FRESH node process (this file, forked with `--cold-child`) opens the database and makes
 *   its first booking on the provider: the command's own time (load from snapshot + tail, decide,
 *   append) and process start → result. Repeated, alternating providers; medians. The long stream has
 *   the snapshot production would have: the handler writes one every 500 events, and one is taken at
 *   the head before the cold runs (so the tail is the few events the cold runs themselves add).
 * - warm: one handler that already holds both states; many bookings alternating providers; p50/p99.
 *
 * Targets: warm p50 ratio (long/short) ≤ 1.2; cold median ratio ≤ 2.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { bookingIds } from '../src/commands/event-envelope';
import { type CommandContext, ProviderCommandHandler } from '../src/commands/provider-command-handler';
import { PostgresSnapshotStore } from '../src/commands/snapshot-store';
import { PostgresStreamIndex } from '../src/commands/stream-index';
import { type OpenedDatabase, openDatabase } from '../src/db/database';
import { type RegisteredProviderState, liveAppointments, scheduleOf, serviceRulesOf } from '../src/domain/provider';
import { listSlots } from '../src/domain/schedule/slot-engine';
import type { EventStore } from '../src/events/event-store';
import { PostgresEventStore } from '../src/events/postgres/postgres-event-store';
import { providerStreamName } from '../src/events/provider-events';
import type { Benchmark, BenchContext, BenchOutcome, Target } from './lib/benchmark';
import { withBenchDatabase } from './lib/database';
import { median, msSince, round, summarize } from './lib/stats';
import { ChainedStream, ProviderSimulator, type SimulationCounts, seededRandom } from './projection-rebuild';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const HISTORY_START = Date.parse('2020-01-06T00:00:00Z');
/** Booking attempts a day at the busy clinic: about seven years for 100,000 events. */
const LONG_BOOKINGS_PER_DAY = 16;

const silent = pino({ level: 'silent' });

interface ColdArgs {
  readonly url: string;
  readonly providerId: string;
  readonly serviceId: string;
  readonly start: number;
  readonly now: number;
  readonly customerId: string;
}

interface ColdAnswer {
  readonly commandMs: number;
  readonly sinceProcessStartMs: number;
  readonly appended: number;
}

// ---------------------------------------------------------------------------------------------------
// The cold child: a fresh process, as an API node that just started
// ---------------------------------------------------------------------------------------------------

async function coldChild(args: ColdArgs): Promise<void> {
  const database = await openDatabase({ databaseUrl: args.url, poolSize: 4 });
  const store = new PostgresEventStore(database.pool);
  const handler = new ProviderCommandHandler(store, new PostgresSnapshotStore(database.db), new PostgresStreamIndex(database.db, { indexedByAppend: true }), silent);
  const idempotencyKey = `cold-${randomUUID()}`;
  const { appointmentId } = bookingIds(args.providerId, args.customerId, idempotencyKey);
  const started = process.hrtime.bigint();
  const result = await handler.handle(
    args.providerId,
    { type: 'BookAppointment', data: { appointmentId, serviceId: args.serviceId, start: args.start, notes: null, idempotencyKey } },
    { actor: { id: args.customerId, role: 'CUSTOMER' }, correlationId: randomUUID(), now: args.now },
  );
  const answer: ColdAnswer = { commandMs: msSince(started), sinceProcessStartMs: performance.now(), appended: result.events.length };
  process.send?.(answer);
  await store.close();
  await database.close();
}

function runColdChild(args: ColdArgs): Promise<ColdAnswer & { spawnToResultMs: number }> {
  return new Promise((resolve, reject) => {
    const spawned = process.hrtime.bigint();
    const child = fork(path.join(__dirname, 'stream-length.js'), ['--cold-child', JSON.stringify(args)], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let answer: (ColdAnswer & { spawnToResultMs: number }) | null = null;
    child.on('message', (m) => {
      answer = { ...(m as ColdAnswer), spawnToResultMs: msSince(spawned) };
    });
    child.on('error', reject);
    child.on('exit', (code) => (answer !== null && code === 0 ? resolve(answer) : reject(new Error(`cold child exited with ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------------

interface Subject {
  readonly label: string;
  readonly sim: ProviderSimulator;
  readonly chain: ChainedStream;
  /** Free consultation starts at `now`, in the order the benchmark books them. */
  slots: number[];
}

/** Append a simulator's events in appends of up to `perAppend` events. */
async function appendAll(store: EventStore, subject: Subject, perAppend: number): Promise<void> {
  const events = subject.sim.take();
  for (let i = 0; i < events.length; i += perAppend) {
    const { expectedRevision, events: batch } = subject.chain.next(events.slice(i, i + perAppend));
    await store.appendToStream(subject.chain.stream, batch, { expectedRevision });
  }
}

function freeSlots(state: RegisteredProviderState, serviceId: string, now: number, seed: number): number[] {
  const service = state.services.get(serviceId);
  if (!service) throw new Error('consultation service missing');
  const slots = listSlots(
    { schedule: scheduleOf(state), service: serviceRulesOf(service.id, service.definition), busy: liveAppointments(state), now },
    { start: now + DAY, end: now + 58 * DAY },
  ).map((s) => s.start);
  const random = seededRandom(seed);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j] as number, slots[i] as number];
  }
  return slots;
}

async function snapshotInfo(database: OpenedDatabase, stream: string): Promise<{ revision: number; bytes: number; rows: number } | null> {
  const r = await database.pool.query<{ revision: string; bytes: string; rows: string }>(
    `SELECT (SELECT revision::text FROM stream_snapshots WHERE stream_name = $1) AS revision,
            (SELECT octet_length(state::text)::text FROM stream_snapshots WHERE stream_name = $1) AS bytes,
            (SELECT (1 + count(*))::text FROM stream_snapshot_archive WHERE stream_name = $1) AS rows`,
    [stream],
  );
  const row = r.rows[0];
  return row?.revision == null ? null : { revision: Number(row.revision), bytes: Number(row.bytes), rows: Number(row.rows) };
}

async function streamLength(store: EventStore, stream: string): Promise<number> {
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  return (last?.revision ?? -1) + 1;
}

export const benchmark: Benchmark = {
  id: 'stream-length',
  title: 'Command latency against stream length',
  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const longEvents = ctx.quick ? 10_000 : 100_000;
    // Per round and stream; the long stream's free consultation slots in its 60-day horizon bound the total.
    const warmBookings = ctx.quick ? 60 : 150;
    const warmRounds = Math.max(1, Math.min(ctx.rounds, 5));
    const warmUp = ctx.quick ? 10 : 40;
    const coldRuns = ctx.quick ? 3 : 7;
    return withBenchDatabase('stream_length', async (bench) => {
      const database = await openDatabase({ databaseUrl: bench.url, poolSize: 8 });
      const store = new PostgresEventStore(database.pool);
      try {
        // ---- histories ----
        const generationStarted = process.hrtime.bigint();
        const customers = Array.from({ length: 3000 }, () => randomUUID());
        const longSim = new ProviderSimulator({
          providerId: randomUUID(),
          ownerId: randomUUID(),
          name: 'Busy Clinic',
          timeZone: 'Europe/Berlin',
          seed: 42,
          start: HISTORY_START,
          bookingsPerDay: LONG_BOOKINGS_PER_DAY,
          customers,
        });
        longSim.setUp();
        const long: Subject = { label: `${longEvents.toLocaleString('en-US')} events`, sim: longSim, chain: new ChainedStream(providerStreamName(longSim.providerId)), slots: [] };
        while (longSim.counts.events < longEvents) {
          longSim.runUntil(longSim.now + 30 * DAY, longEvents);
          await appendAll(store, long, 2000);
        }
        // `now` of every command: the end of the long history (its future bookings are still ahead).
        const now = Math.ceil((longSim.now + MINUTE) / MINUTE) * MINUTE;
        const shortSim = new ProviderSimulator({
          providerId: randomUUID(),
          ownerId: randomUUID(),
          name: 'New Clinic',
          timeZone: 'Europe/Berlin',
          seed: 7,
          start: now - 3 * DAY,
          bookingsPerDay: LONG_BOOKINGS_PER_DAY,
          customers,
        });
        shortSim.setUp();
        shortSim.runUntil(now, 10);
        const short: Subject = { label: '10 events', sim: shortSim, chain: new ChainedStream(providerStreamName(shortSim.providerId)), slots: [] };
        await appendAll(store, short, 2000);
        const generationSeconds = msSince(generationStarted) / 1000;
        const longCounts: SimulationCounts = { ...longSim.counts };
        const longState = longSim.state as RegisteredProviderState;
        ctx.log(
          `histories: ${longCounts.events} events (${longCounts.bookings} bookings, ${longState.live.size} live, ${(((now - HISTORY_START) / DAY) / 365).toFixed(1)} years) and ${shortSim.counts.events} events, in ${generationSeconds.toFixed(1)} s`,
        );
        const subjects = [short, long];
        for (const s of subjects) s.slots = freeSlots(s.sim.state as RegisteredProviderState, s.sim.serviceIds.consultation, now, s === long ? 1 : 2);
        const nextSlot = (s: Subject): number => {
          const start = s.slots.shift();
          if (start === undefined) throw new Error(`no free slot left for ${s.label}`);
          return start;
        };

        // ---- the snapshot production has: the first handler to load the long stream writes it ----
        const loader = new ProviderCommandHandler(store, new PostgresSnapshotStore(database.db), new PostgresStreamIndex(database.db, { indexedByAppend: true }), silent);
        const firstLoad = process.hrtime.bigint();
        await loader.currentState(long.sim.providerId);
        const replayMs = msSince(firstLoad);
        const head = await streamLength(store, long.chain.stream);
        let snapshot = await snapshotInfo(database, long.chain.stream);
        for (let i = 0; i < 600 && (snapshot === null || snapshot.revision < head - 1); i++) {
          await new Promise((r) => setTimeout(r, 50));
          snapshot = await snapshotInfo(database, long.chain.stream);
        }
        if (snapshot === null || snapshot.revision !== head - 1) throw new Error(`no snapshot at the head of the long stream (${JSON.stringify(snapshot)})`);
        ctx.log(`full replay of the long stream: ${replayMs.toFixed(0)} ms; snapshot at revision ${snapshot.revision}: ${(snapshot.bytes / 1024).toFixed(0)} KiB, and ${snapshot.rows - 1} archive row(s)`);

        // ---- cold: a fresh process per booking ----
        const cold = new Map<Subject, Array<ColdAnswer & { spawnToResultMs: number }>>(subjects.map((s) => [s, []]));
        const coldLengths = new Map<Subject, number>();
        for (const s of subjects) coldLengths.set(s, await streamLength(store, s.chain.stream));
        for (let i = 0; i < coldRuns; i++) {
          for (const s of i % 2 === 0 ? subjects : [...subjects].reverse()) {
            const answer = await runColdChild({ url: bench.url, providerId: s.sim.providerId, serviceId: s.sim.serviceIds.consultation, start: nextSlot(s), now, customerId: customers[i] as string });
            if (answer.appended !== 1) throw new Error(`a cold booking appended ${answer.appended} events`);
            cold.get(s)?.push(answer);
            ctx.log(`cold ${s.label}: command ${answer.commandMs.toFixed(1)} ms, process start → result ${answer.sinceProcessStartMs.toFixed(0)} ms`);
          }
        }

        // ---- warm: one handler holding both states ----
        const handler = new ProviderCommandHandler(store, new PostgresSnapshotStore(database.db), new PostgresStreamIndex(database.db, { indexedByAppend: true }), silent);
        const warmLengths = new Map<Subject, number>();
        for (const s of subjects) warmLengths.set(s, await streamLength(store, s.chain.stream));
        let customer = 0;
        const book = async (s: Subject): Promise<number> => {
          const customerId = customers[customer++ % customers.length] as string;
          const idempotencyKey = `warm-${customer}`;
          const context: CommandContext = { actor: { id: customerId, role: 'CUSTOMER' }, correlationId: randomUUID(), now };
          const started = process.hrtime.bigint();
          const result = await handler.handle(
            s.sim.providerId,
            { type: 'BookAppointment', data: { appointmentId: bookingIds(s.sim.providerId, customerId, idempotencyKey).appointmentId, serviceId: s.sim.serviceIds.consultation, start: nextSlot(s), notes: null, idempotencyKey } },
            context,
          );
          const ms = msSince(started);
          if (result.events.length !== 1) throw new Error('a warm booking appended nothing');
          return ms;
        };
        for (let i = 0; i < warmUp; i++) for (const s of subjects) await book(s);
        const warm = new Map<Subject, number[][]>(subjects.map((s) => [s, []]));
        for (let r = 0; r < warmRounds; r++) {
          const samples = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
          for (let i = 0; i < warmBookings; i++) {
            for (const s of i % 2 === 0 ? subjects : [...subjects].reverse()) samples.get(s)?.push(await book(s));
          }
          for (const s of subjects) warm.get(s)?.push(samples.get(s) ?? []);
          ctx.log(`warm round ${r + 1}: p50 ${subjects.map((s) => `${s.label} ${summarize(samples.get(s) ?? []).p50} ms`).join(', ')}`);
        }

        // ---- report ----
        // p50: the median of the rounds' p50s; p99 and max over every booking.
        const w = (s: Subject) => {
          const rounds = warm.get(s) ?? [];
          const all = summarize(rounds.flat());
          return { ...all, p50: round(median(rounds.map((r) => summarize(r).p50)), 2) };
        };
        const c = (s: Subject) => cold.get(s) ?? [];
        const coldMedian = (s: Subject) => median(c(s).map((a) => a.commandMs));
        const warmRatio = round(w(long).p50 / w(short).p50, 2);
        const coldRatio = round(coldMedian(long) / coldMedian(short), 2);
        const finalSnapshot = await snapshotInfo(database, long.chain.stream);
        const targets: Target[] = [
          { label: 'warm p50, long / short', measured: warmRatio, op: '<=', target: 1.2, unit: '×' },
          { label: 'cold command median, long / short', measured: coldRatio, op: '<=', target: 2, unit: '×' },
        ];
        return {
          tables: [
            {
              title: 'Warm: the handler already holds the state',
              columns: ['stream', 'events at start', 'bookings', 'p50 ms', 'p99 ms', 'max ms'],
              rows: subjects.map((s) => [s.label, (warmLengths.get(s) ?? 0).toLocaleString('en-US'), w(s).count, w(s).p50, w(s).p99, w(s).max]),
            },
            {
              title: 'Cold: a fresh process makes its first booking',
              columns: ['stream', 'events at start', 'runs', 'command median ms', 'command min–max ms', 'process start → result median ms'],
              rows: subjects.map((s) => [
                s.label,
                (coldLengths.get(s) ?? 0).toLocaleString('en-US'),
                c(s).length,
                round(coldMedian(s), 1),
                `${round(Math.min(...c(s).map((a) => a.commandMs)), 1)}–${round(Math.max(...c(s).map((a) => a.commandMs)), 1)}`,
                round(median(c(s).map((a) => a.sinceProcessStartMs)), 0),
              ]),
            },
          ],
          targets,
          notes: [
            `Long history: ${longCounts.events.toLocaleString('en-US')} events over ${(((now - HISTORY_START) / DAY) / 365).toFixed(1)} years — ${longCounts.bookings.toLocaleString('en-US')} bookings, ${longCounts.cancellations} cancellations, ${longCounts.reschedules} reschedules, ${longCounts.completions} completions, ${longCounts.noShows} no-shows, ${longCounts.overrides} days off; ${longState.live.size} appointments still live at \`now\` (future bookings plus ~1% never resolved). Made by the real decider, appended 2,000 events per append.`,
            `Cold: ${coldRuns} fresh processes per stream, alternating; "command" is handler.handle() from call to result in the child (snapshot + tail load, decide, append), "process start → result" adds node start-up, module loading and opening the database. The long stream's snapshot was written by the handler at the head before the cold runs (${snapshot ? `the row a cold load reads: ${(snapshot.bytes / 1024).toFixed(0)} KiB; ${(snapshot.rows - 1).toLocaleString('en-US')} archive rows beside it` : 'none'}); in production the tail after a snapshot is 0–499 events. A full replay without a snapshot took ${replayMs.toFixed(0)} ms.`,
            `Warm: ${warmUp} warm-up then ${warmRounds} round(s) of ${warmBookings} measured bookings per stream, alternating, sequential, fixed \`now\`, each on a free slot; p50 is the median of the rounds' p50s, p99 and max are over all (the long stream's latest snapshot: ${finalSnapshot ? `revision ${finalSnapshot.revision}` : '—'}).`,
          ],
          details: {
            now: new Date(now).toISOString(),
            generationSeconds,
            longCounts,
            replayMs,
            snapshot,
            finalSnapshot,
            cold: Object.fromEntries(subjects.map((s) => [s.label, c(s)])),
            warm: Object.fromEntries(subjects.map((s) => [s.label, w(s)])),
          },
        };
      } finally {
        await store.close();
        await database.close();
      }
    });
  },
};

if (require.main === module && process.argv[2] === '--cold-child') {
  coldChild(JSON.parse(process.argv[3] as string) as ColdArgs).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
