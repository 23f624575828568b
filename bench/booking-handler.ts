/**
 * `booking`: bookings through the command handler (ProviderCommandHandler on the PostgreSQL event
 * store and snapshot store) vs a hand-rolled booking transaction (bench/baselines/hand-rolled-booking.ts),
 * 16 concurrent clients, three scenarios:
 *   (a) 100 providers, each booking on a random provider's next free slot;
 *   (b) one hot provider, each client booking its own pre-assigned, disjoint slots;
 *   (c) everyone on one slot: all 16 clients race for a slot, then for the next one, and so on.
 *
 * Ours is modelled as app processes: one ProviderCommandHandler (with its own pool and event store)
 * per simulated process. The main measurement uses one process; a variant uses two sharing the
 * database, the clients split between them as a load balancer would. Pools: 16 connections for the
 * one process and for the baseline, 8 + 8 for the two processes.
 *
 * Every measurement runs on fresh providers, after a warm-up on them, and is checked afterwards:
 * what the store holds equals what was acknowledged, no two live appointments of a provider overlap
 * (ours: the streams read back and folded; baseline: an SQL self-join), and in (c) every raced slot
 * has exactly one booking.
 */
import { randomUUID } from 'node:crypto';
import { bookingIds } from '../src/commands/event-envelope';
import { type CommandContext, ProviderCommandHandler } from '../src/commands/provider-command-handler';
import { AdvisoryStreamTurns } from '../src/events/postgres/stream-turns';
import type { PgSqlPool } from '../src/db/pg-pool';
import { PostgresSnapshotStore } from '../src/commands/snapshot-store';
import { PostgresStreamIndex } from '../src/commands/stream-index';
import { type OpenedDatabase, openDatabase } from '../src/db/database';
import { DomainError } from '../src/domain/errors';
import { type ProviderCommand, evolveAll, liveAppointments } from '../src/domain/provider';
import type { ProviderEvent } from '../src/domain/provider/events';
import { PostgresEventStore } from '../src/events/postgres/postgres-event-store';
import { providerStreamName, upcastProviderEvent } from '../src/events/provider-events';
import { createLogger } from '../src/logger';
import { HandRolledBooking } from './baselines/hand-rolled-booking';
import type { BenchContext, BenchOutcome, Benchmark, Target } from './lib/benchmark';
import { type BenchDatabase, createBenchDatabase } from './lib/database';
import { closedLoop } from './lib/load';
import { median, msSince, round, summarize } from './lib/stats';

const CLIENTS = 16;
const PROVIDERS_A = 100;
/** The commands' "now": a Monday; every slot below lies after it. */
const NOW = Date.parse('2027-03-01T00:00:00.000Z');
const FIRST_SLOT = Date.parse('2027-03-02T00:00:00.000Z');
const SLOT_MINUTES = 30;
const slotStart = (n: number): number => FIRST_SLOT + n * SLOT_MINUTES * 60_000;
/** Open around the clock every day, bookable ten years ahead: 175,000 slots per provider. */
const MAX_ADVANCE_DAYS = 3650;
const EVERY_DAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

const logger = createLogger('silent');

// ---- The contenders ----

interface ProviderRef {
  readonly providerId: string;
  readonly serviceId: string;
}

/** `true` when booked; else the refusal's code. Unexpected errors throw. */
type Booked = true | string;

interface Verification {
  /** Bookings the store holds for these providers. */
  readonly stored: number;
  /** Pairs of live appointments of one provider that overlap. */
  readonly doubleBookings: number;
}

interface BookingSystem {
  createProvider(): Promise<ProviderRef>;
  book(client: number, provider: ProviderRef, slot: number, key: string): Promise<Booked>;
  verify(providers: readonly ProviderRef[]): Promise<Verification>;
  /** Live bookings per start instant of one provider, from the store. */
  bookingsPerStart(provider: ProviderRef): Promise<Map<number, number>>;
  close(): Promise<void>;
}

type ContenderName = 'ours1' | 'ours2' | 'baseline';

interface Contender {
  readonly name: ContenderName;
  readonly label: string;
  open(): Promise<BookingSystem>;
}

const customerIds = Array.from({ length: CLIENTS }, () => randomUUID());
const ownerId = randomUUID();

function customerContext(client: number): CommandContext {
  return { actor: { id: customerIds[client] as string, role: 'CUSTOMER' }, correlationId: randomUUID(), causationId: null, now: NOW };
}

/** `processes` app processes: each its own pool, event store and command handler. */
function oursContender(db: BenchDatabase, processes: 1 | 2): Contender {
  return {
    name: processes === 1 ? 'ours1' : 'ours2',
    label: processes === 1 ? 'ours, 1 process' : 'ours, 2 processes',
    async open() {
      const apps: Array<{ opened: OpenedDatabase; store: PostgresEventStore; turns: AdvisoryStreamTurns; handler: ProviderCommandHandler }> = [];
      for (let i = 0; i < processes; i++) {
        const opened = await openDatabase({ databaseUrl: db.url, poolSize: CLIENTS / processes });
        const store = new PostgresEventStore(opened.pool);
        // As the app wires it on PostgreSQL (src/app.ts).
        const turns = await AdvisoryStreamTurns.start(opened.pool as PgSqlPool, { logger });
        apps.push({ opened, store, turns, handler: new ProviderCommandHandler(store, new PostgresSnapshotStore(opened.db), new PostgresStreamIndex(opened.db, { indexedByAppend: true }), logger, { turns }) });
      }
      const first = apps[0] as (typeof apps)[number];
      // The load balancer: clients 0..7 on the first process, 8..15 on the second.
      const appOf = (client: number) => apps[Math.floor((client * processes) / CLIENTS)] as (typeof apps)[number];

      const readState = async (provider: ProviderRef) => {
        const recorded = await first.store.readStream(providerStreamName(provider.providerId));
        const events: ProviderEvent[] = [];
        for (const e of recorded) {
          const event = upcastProviderEvent(e.type, e.data, typeof e.metadata.schemaVersion === 'number' ? e.metadata.schemaVersion : 1);
          if (event) events.push(event);
        }
        const state = evolveAll(events);
        if (state.status !== 'Registered') throw new Error(`provider ${provider.providerId} is not registered`);
        return { state, booked: recorded.filter((e) => e.type === 'AppointmentBooked').length };
      };

      return {
        async createProvider() {
          const providerId = randomUUID();
          const serviceId = randomUUID();
          const owner: CommandContext = { actor: { id: ownerId, role: 'PROVIDER' }, correlationId: randomUUID(), now: NOW };
          const commands: ProviderCommand[] = [
            { type: 'RegisterProvider', data: { providerId, ownerId, name: 'Bench Clinic', kind: 'DOCTOR', bio: null, timeZone: 'UTC' } },
            { type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: SLOT_MINUTES, maxAdvanceDays: MAX_ADVANCE_DAYS } },
            { type: 'SetWeeklyHours', data: { hours: EVERY_DAY.map((weekday) => ({ weekday, windows: [{ start: '00:00', end: '24:00' }] })) } },
          ];
          for (const command of commands) await first.handler.handle(providerId, command, owner);
          return { providerId, serviceId };
        },
        async book(client, provider, slot, key) {
          const customerId = customerIds[client] as string;
          const command: ProviderCommand = {
            type: 'BookAppointment',
            data: { appointmentId: bookingIds(provider.providerId, customerId, key).appointmentId, serviceId: provider.serviceId, start: slotStart(slot), notes: null, idempotencyKey: key },
          };
          try {
            const result = await appOf(client).handler.handle(provider.providerId, command, customerContext(client));
            return result.events.length === 1 ? true : 'NOTHING_APPENDED';
          } catch (err) {
            if (err instanceof DomainError) return err.code;
            throw err;
          }
        },
        async verify(providers) {
          let stored = 0;
          let doubleBookings = 0;
          for (const provider of providers) {
            const { state, booked } = await readState(provider);
            stored += booked;
            // Sorted by start: every appointment still running when the next one starts overlaps it.
            const live = liveAppointments(state);
            for (let i = 0; i < live.length; i++) {
              for (let j = i + 1; j < live.length && (live[j] as (typeof live)[number]).start < (live[i] as (typeof live)[number]).end; j++) doubleBookings++;
            }
          }
          return { stored, doubleBookings };
        },
        async bookingsPerStart(provider) {
          const { state } = await readState(provider);
          const perStart = new Map<number, number>();
          for (const a of liveAppointments(state)) perStart.set(a.start, (perStart.get(a.start) ?? 0) + 1);
          return perStart;
        },
        async close() {
          for (const app of apps) {
            await app.store.close();
            await app.turns.close();
            await app.opened.close();
          }
        },
      };
    },
  };
}

function baselineContender(db: BenchDatabase): Contender {
  return {
    name: 'baseline',
    label: 'hand-rolled (pg, SELECT FOR UPDATE)',
    async open() {
      const booking = await HandRolledBooking.open(db.url, CLIENTS);
      const hours = Object.fromEntries(EVERY_DAY.map((d) => [d, ['00:00', '24:00'] as [string, string]]));
      return {
        async createProvider() {
          const providerId = randomUUID();
          await booking.createProvider(providerId, 'Bench Clinic', SLOT_MINUTES, hours);
          return { providerId, serviceId: randomUUID() };
        },
        async book(client, provider, slot) {
          const outcome = await booking.book(randomUUID(), provider.providerId, customerIds[client] as string, new Date(slotStart(slot)), SLOT_MINUTES);
          return outcome === 'BOOKED' ? true : outcome;
        },
        async verify(providers) {
          const ids = providers.map((p) => p.providerId);
          return { stored: await booking.countAppointments(ids), doubleBookings: await booking.doubleBookings(ids) };
        },
        bookingsPerStart: (provider) => booking.bookingsPerStart(provider.providerId),
        close: () => booking.close(),
      };
    },
  };
}

// ---- Scenarios ----

type ScenarioId = 'a' | 'b' | 'c';

interface Measurement {
  /** Successful bookings per second. */
  readonly bookingsPerSec: number;
  /** Booking attempts (answered) per second. */
  readonly attemptsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: Record<string, number>;
  readonly doubleBookings: number;
  /** (c): raced slots that did not end with exactly one booking, by the answers and by the store. */
  readonly slotsWithoutOneWinner: number;
  /** Answers other than a booking in (a) and (b) (every request there asks for a free slot), other than SLOT_TAKEN in (c). */
  readonly unexpectedFailures: number;
}

const SCENARIOS: Record<ScenarioId, string> = {
  a: `(a) ${PROVIDERS_A} providers, random provider, free slot`,
  b: '(b) one hot provider, disjoint slots per client',
  c: '(c) all 16 clients race for one slot at a time',
};

async function measure(
  ctx: BenchContext,
  contender: Contender,
  scenario: ScenarioId,
  tag: string,
  durations: { warmupMs: number; measureMs: number },
): Promise<Measurement> {
  const system = await contender.open();
  try {
    const providers: ProviderRef[] = [];
    for (let i = 0; i < (scenario === 'a' ? PROVIDERS_A : 1); i++) providers.push(await system.createProvider());
    let acknowledged = 0;

    if (scenario === 'c') {
      const provider = providers[0] as ProviderRef;
      let slot = 0;
      let badSlots = 0;
      // Each slot: all clients at once, then the next slot once every answer is in.
      const race = async (durationMs: number) => {
        const latencies: number[] = [];
        const failures: Record<string, number> = {};
        let wins = 0;
        let slots = 0;
        const started = process.hrtime.bigint();
        const deadline = Date.now() + durationMs;
        while (Date.now() < deadline) {
          const s = slot++;
          const outcomes = await Promise.all(
            Array.from({ length: CLIENTS }, async (_, c) => {
              const t0 = process.hrtime.bigint();
              let outcome: Booked;
              try {
                outcome = await system.book(c, provider, s, `${tag}-c${c}-s${s}`);
              } catch (err) {
                outcome = err instanceof Error ? (((err as { code?: string }).code ?? err.message) as string) : String(err);
              }
              latencies.push(msSince(t0));
              return outcome;
            }),
          );
          const won = outcomes.filter((o) => o === true).length;
          if (won !== 1) badSlots++;
          wins += won;
          slots++;
          for (const o of outcomes) if (o !== true) failures[o] = (failures[o] ?? 0) + 1;
        }
        return { wins, slots, latencies, failures, elapsedMs: msSince(started) };
      };
      const warm = await race(durations.warmupMs);
      acknowledged += warm.wins;
      const run = await race(durations.measureMs);
      acknowledged += run.wins;
      const lat = summarize(run.latencies);
      const seconds = run.elapsedMs / 1000;
      // Every raced slot, warm-up included, must hold exactly one booking in the store.
      const perStart = await system.bookingsPerStart(provider);
      for (let s = 0; s < slot; s++) if ((perStart.get(slotStart(s)) ?? 0) !== 1) badSlots++;
      if (perStart.size !== slot) badSlots += Math.abs(perStart.size - slot);
      // Losing a race is SLOT_TAKEN; any other answer is counted (CONCURRENCY_CONFLICT shows in the checks table).
      const unexpected = Object.entries(run.failures).filter(([code]) => code !== 'SLOT_TAKEN').reduce((n, [, k]) => n + k, 0);
      const verification = await system.verify(providers);
      if (verification.stored !== acknowledged) throw new Error(`${contender.name} (${scenario}): store holds ${verification.stored} bookings, ${acknowledged} were acknowledged`);
      const measured: Measurement = {
        bookingsPerSec: run.wins / seconds,
        attemptsPerSec: (run.slots * CLIENTS) / seconds,
        p50: lat.p50,
        p99: lat.p99,
        failures: run.failures,
        doubleBookings: verification.doubleBookings,
        slotsWithoutOneWinner: badSlots,
        unexpectedFailures: unexpected,
      };
      ctx.log(
        `  ${contender.name.padEnd(8)} (c): ${Math.round(measured.attemptsPerSec)} attempts/s, ${Math.round(measured.bookingsPerSec)} bookings/s, p50 ${lat.p50} ms, p99 ${lat.p99} ms, ${run.slots} slots, bad slots ${badSlots}, ${JSON.stringify(run.failures)}`,
      );
      return measured;
    }

    // (a) and (b): closed loop; slots handed out so that no two requests ask for the same one.
    const next = new Array<number>(providers.length).fill(0);
    const perClient = new Array<number>(CLIENTS).fill(0);
    let sequence = 0;
    const operation = async (client: number): Promise<Booked> => {
      const key = `${tag}-${client}-${sequence++}`;
      if (scenario === 'a') {
        const p = Math.floor(Math.random() * providers.length);
        const n = next[p] as number;
        next[p] = n + 1;
        return system.book(client, providers[p] as ProviderRef, n, key);
      }
      // (b): client c owns slots c, c + 16, c + 32, ...
      const k = perClient[client] as number;
      perClient[client] = k + 1;
      return system.book(client, providers[0] as ProviderRef, client + CLIENTS * k, key);
    };
    const warm = await closedLoop({ clients: CLIENTS, durationMs: durations.warmupMs, operation });
    acknowledged += warm.ok;
    const run = await closedLoop({ clients: CLIENTS, durationMs: durations.measureMs, operation });
    acknowledged += run.ok;
    const lat = summarize(run.latenciesMs);
    const seconds = run.elapsedMs / 1000;
    const verification = await system.verify(providers);
    if (verification.stored !== acknowledged) throw new Error(`${contender.name} (${scenario}): store holds ${verification.stored} bookings, ${acknowledged} were acknowledged`);
    const unexpected = warm.failed + run.failed;
    ctx.log(
      `  ${contender.name.padEnd(8)} (${scenario}): ${Math.round(run.ok / seconds)} bookings/s, p50 ${lat.p50} ms, p99 ${lat.p99} ms, double bookings ${verification.doubleBookings}, failures ${JSON.stringify({ ...warm.failures, ...run.failures })}`,
    );
    return {
      bookingsPerSec: run.ok / seconds,
      attemptsPerSec: (run.ok + run.failed) / seconds,
      p50: lat.p50,
      p99: lat.p99,
      failures: mergeCounts(warm.failures, run.failures),
      doubleBookings: verification.doubleBookings,
      slotsWithoutOneWinner: 0,
      unexpectedFailures: unexpected,
    };
  } finally {
    await system.close();
  }
}

function mergeCounts(...all: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

// ---- The benchmark ----

interface RoundResult {
  readonly round: number;
  readonly results: Record<ScenarioId, Partial<Record<ContenderName, Measurement>>>;
}

export const benchmark: Benchmark = {
  id: 'booking',
  title: 'Booking at the command handler vs a hand-rolled booking transaction',

  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const durations = { warmupMs: ctx.quick ? 300 : 1000, measureMs: ctx.quick ? 1000 : 5000 };
    const databases: BenchDatabase[] = [];
    const rounds: RoundResult[] = [];
    try {
      const oursDb = await createBenchDatabase('booking_ours');
      databases.push(oursDb);
      const baselineDb = await createBenchDatabase('booking_baseline');
      databases.push(baselineDb);
      await (await openDatabase({ databaseUrl: oursDb.url, poolSize: 1 })).close();
      await (await HandRolledBooking.open(baselineDb.url, 1, { createSchema: true })).close();

      const contenders = [oursContender(oursDb, 1), oursContender(oursDb, 2), baselineContender(baselineDb)];
      for (let r = 0; r < ctx.rounds; r++) {
        ctx.log(`round ${r + 1}/${ctx.rounds}`);
        const result: RoundResult = { round: r + 1, results: { a: {}, b: {}, c: {} } };
        for (const scenario of ['a', 'b', 'c'] as const) {
          // The contenders back to back, in an order rotated every round.
          const order = [...contenders.slice(r % contenders.length), ...contenders.slice(0, r % contenders.length)];
          for (const contender of order) {
            result.results[scenario][contender.name] = await measure(ctx, contender, scenario, `r${r}${scenario}`, durations);
          }
        }
        rounds.push(result);
      }
    } finally {
      for (const db of databases.reverse()) await db.drop().catch((err: unknown) => ctx.log(`dropping ${db.name} failed: ${String(err)}`));
    }

    // ---- Report ----
    const get = (r: RoundResult, s: ScenarioId, c: ContenderName): Measurement => r.results[s][c] as Measurement;
    const med = (values: number[], digits = 0): number => round(median(values), digits);
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
    const names: ContenderName[] = ['ours1', 'ours2', 'baseline'];
    const labels: Record<ContenderName, string> = { ours1: 'ours, 1 process', ours2: 'ours, 2 processes', baseline: 'hand-rolled baseline' };
    const rows: Array<Array<string | number>> = [];
    const ratioRows: Array<Array<string | number>> = [];
    const checkRows: Array<Array<string | number>> = [];
    const targets: Target[] = [];
    for (const s of ['a', 'b', 'c'] as const) {
      for (const c of names) {
        const ms = rounds.map((r) => get(r, s, c));
        rows.push([
          SCENARIOS[s],
          labels[c],
          med(ms.map((m) => m.bookingsPerSec)),
          med(ms.map((m) => m.attemptsPerSec)),
          med(ms.map((m) => m.p50), 2),
          med(ms.map((m) => m.p99), 2),
        ]);
        const failures = mergeCounts(...ms.map((m) => m.failures));
        checkRows.push([
          SCENARIOS[s],
          labels[c],
          sum(ms.map((m) => m.doubleBookings)),
          s === 'c' ? sum(ms.map((m) => m.slotsWithoutOneWinner)) : '—',
          c === 'baseline' ? '—' : (failures.CONCURRENCY_CONFLICT ?? 0),
          Object.keys(failures).length === 0 ? 'none' : Object.entries(failures).map(([k, v]) => `${k} ${v}`).join(', '),
        ]);
      }
      const ratio = (c: ContenderName): number => med(rounds.map((r) => get(r, s, c).bookingsPerSec / get(r, s, 'baseline').bookingsPerSec), 2);
      const attemptRatio = (c: ContenderName): number => med(rounds.map((r) => get(r, s, c).attemptsPerSec / get(r, s, 'baseline').attemptsPerSec), 2);
      if (s === 'c') ratioRows.push([SCENARIOS[s], `${attemptRatio('ours1')}× (attempts/s)`, `${attemptRatio('ours2')}× (attempts/s)`]);
      else ratioRows.push([SCENARIOS[s], `${ratio('ours1')}×`, `${ratio('ours2')}×`]);
      if (s !== 'c') targets.push({ label: `${SCENARIOS[s]}: ours (1 process) / baseline, bookings/s`, measured: ratio('ours1'), op: '>=', target: 1, unit: '×' });
    }
    const all = rounds.flatMap((r) => (['a', 'b', 'c'] as const).flatMap((s) => names.map((c) => get(r, s, c))));
    targets.push({ label: 'double bookings, every scenario and contender', measured: sum(all.map((m) => m.doubleBookings)), op: '==', target: 0 });
    targets.push({
      label: '(c) slots not won by exactly one client, every contender',
      measured: sum(rounds.flatMap((r) => names.map((c) => get(r, 'c', c).slotsWithoutOneWinner))),
      op: '==',
      target: 0,
    });
    for (const c of ['ours1', 'ours2'] as const) {
      targets.push({
        label: `(b) CONCURRENCY_CONFLICT answers, ${labels[c]}`,
        measured: sum(rounds.map((r) => get(r, 'b', c).failures.CONCURRENCY_CONFLICT ?? 0)),
        op: '==',
        target: 0,
      });
    }
    targets.push({
      label: 'answers other than booked ((a), (b): every request asks for a free slot) or SLOT_TAKEN ((c)), every contender',
      measured: sum(rounds.flatMap((r) => (['a', 'b', 'c'] as const).flatMap((s) => names.map((c) => get(r, s, c).unexpectedFailures)))),
      op: '==',
      target: 0,
    });

    return {
      tables: [
        {
          title: `Bookings, ${CLIENTS} clients (median of ${ctx.rounds} round(s), ${durations.measureMs / 1000} s each)`,
          columns: ['scenario', 'contender', 'bookings/s', 'attempts/s', 'p50 ms', 'p99 ms'],
          rows,
        },
        { title: 'Ours / baseline (per round, then the median)', columns: ['scenario', 'ours, 1 process', 'ours, 2 processes'], rows: ratioRows },
        {
          title: 'Checks (all rounds, warm-ups included)',
          columns: ['scenario', 'contender', 'double bookings', 'slots without exactly one winner', 'CONCURRENCY_CONFLICT', 'refusals'],
          rows: checkRows,
        },
      ],
      targets,
      notes: [
        'Ours: ProviderCommandHandler + PostgresEventStore + PostgresSnapshotStore, one handler (own pool, own store) per simulated app process; 1 process with a 16-connection pool, or 2 processes with 8 each, clients 0–7 on the first and 8–15 on the second. Baseline: one pg pool of 16, one transaction per booking (BEGIN; SELECT … FOR UPDATE on the provider; overlap SELECT; INSERT; COMMIT).',
        'Providers are created fresh for every measurement (ours through RegisterProvider, OfferService and SetWeeklyHours commands; a UTC provider open around the clock with a 30-minute service), warmed up with the same load, then measured; the commands carry a fixed now (2027-03-01) so every slot is in the future.',
        '(c) measures attempts: each slot is raced by all 16 clients at once and the next slot starts when all have answered; bookings/s there is slots won per second.',
        'After each measurement: bookings stored = bookings acknowledged (else the run fails); double bookings counted from the store (ours: each provider stream read back and folded with evolve; baseline: SQL self-join on overlapping live appointments).',
      ],
      details: { rounds },
    };
  },
};
