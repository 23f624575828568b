/**
 * `rebuild`: events/s of rebuilding ALL read models from zero — the very rebuild `npm run
 * projections:rebuild` runs (`runProjectionsRebuild` in src/projections/cli.ts: shadow tables, fold
 * `$all`, swap) — over a realistic history of 100,000 and 1,000,000 events (quick: 10,000).
 *
 * The history is made by the real decider: providers registered with services and weekly hours, then
 * customers booking free slots, owners confirming, some cancellations (some late), reschedules,
 * completions and no-shows, schedule overrides, price and profile changes — every event `decide`
 * produced and `evolve` folded. Deciding a million events one by one takes longer than the rebuild
 * (~0.2–0.7 ms each: the slot engine asks the time-zone database), so 40 providers live their lives
 * through the decider and the 1,000 providers' streams are those histories told for each of them
 * (`replicateHistory`: own ids and customers, shifted by whole weeks). Appended with the command
 * handler's metadata and hash chain through the real PostgresEventStore, many events per append,
 * providers interleaved in time.
 *
 * This module also exports the history simulator (`ProviderSimulator`) that bench/stream-length.ts
 * uses for its long-lived provider.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { bookingIds } from '../src/commands/event-envelope';
import { loadConfig } from '../src/config';
import { openDatabase, type OpenedDatabase } from '../src/db/database';
import { DomainError } from '../src/domain/errors';
import { type DeciderContext, type ProviderCommand, type ProviderState, decide, evolve, initialState } from '../src/domain/provider';
import type { EventData, EventStore, JsonObject, JsonValue } from '../src/events/event-store';
import { eventHash } from '../src/events/integrity';
import { PostgresEventStore } from '../src/events/postgres/postgres-event-store';
import { PROVIDER_EVENT_SCHEMA_VERSIONS, providerStreamName } from '../src/events/provider-events';
import type { ActorRole, ProviderEvent } from '../src/domain/provider/events';
import { runProjectionsRebuild } from '../src/projections/cli';
import type { Benchmark, BenchContext, BenchOutcome, Table, Target } from './lib/benchmark';
import { withBenchDatabase } from './lib/database';
import { median, msSince, round } from './lib/stats';
import { mulberry32 } from '../test/support/seeded-random';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------------
// The history simulator
// ---------------------------------------------------------------------------------------------------

/** Seeded, so a history can be made again exactly. */
export const seededRandom = mulberry32;

/** The services every simulated provider offers (ids are per provider). */
export const SIMULATED_SERVICES = [
  // A one-to-one consultation: the service the stream-length benchmark books.
  { key: 'consultation', name: 'Consultation', durationMinutes: 30, slotIntervalMinutes: 30, capacity: 1, requiresConfirmation: false, bufferAfterMinutes: 0, price: 6000, weight: 0.55 },
  // A class: seats share a session, bookings need the owner's confirmation.
  { key: 'class', name: 'Group class', durationMinutes: 60, slotIntervalMinutes: 60, capacity: 6, requiresConfirmation: true, bufferAfterMinutes: 0, price: 1500, weight: 0.3 },
  // A longer treatment with a cleaning buffer after it.
  { key: 'treatment', name: 'Treatment', durationMinutes: 45, slotIntervalMinutes: 15, capacity: 1, requiresConfirmation: false, bufferAfterMinutes: 15, price: 9000, weight: 0.15 },
] as const;

/** Opening hours of every simulated provider, local time: Monday–Saturday 08:00–20:00. */
export const OPEN_FROM_MINUTES = 8 * 60;
export const OPEN_TO_MINUTES = 20 * 60;
const WEEKLY_HOURS = (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const).map((weekday) => ({
  weekday,
  windows: [{ start: '08:00', end: '20:00' }],
}));

export interface SimulatorOptions {
  readonly providerId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly seed: number;
  /** When the provider registers (epoch ms, simulated time). */
  readonly start: number;
  /** Mean customer booking attempts per day. */
  readonly bookingsPerDay: number;
  /** Customer ids to draw from. */
  readonly customers: readonly string[];
}

interface Scheduled {
  readonly at: number;
  readonly kind: 'confirm' | 'cancel' | 'reschedule' | 'resolve';
  readonly appointmentId: string;
}

/** A binary min-heap of scheduled actions by time. */
class ActionQueue {
  private readonly items: Scheduled[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Scheduled | undefined {
    return this.items[0];
  }
  push(item: Scheduled): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as Scheduled).at <= item.at) break;
      a[i] = a[p] as Scheduled;
      i = p;
    }
    a[i] = item;
  }
  pop(): Scheduled | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        const mAt = () => (m === i ? last.at : (a[m] as Scheduled).at);
        if (l < a.length && (a[l] as Scheduled).at < mAt()) m = l;
        if (r < a.length && (a[r] as Scheduled).at < mAt()) m = r;
        if (m === i) break;
        a[i] = a[m] as Scheduled;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

/** An event as decided, with who asked and when: what the command handler turns into EventData. */
export interface SimulatedEvent {
  readonly event: ProviderEvent;
  readonly actor: { readonly id: string; readonly role: ActorRole };
  readonly now: number;
  readonly correlationId: string;
}

export interface SimulationCounts {
  events: number;
  bookings: number;
  cancellations: number;
  reschedules: number;
  completions: number;
  noShows: number;
  confirmations: number;
  overrides: number;
  refusedAttempts: number;
}

/**
 * One provider's life, simulated in time order with the real decider: every command goes through
 * `decide` at the simulated `now` and its events through `evolve`, so the history is exactly one the
 * write side could have recorded. `take()` hands out the events decided so far; a `ChainedStream` turns
 * them into what the command handler appends (metadata, hash chain).
 */
export class ProviderSimulator {
  state: ProviderState = initialState;
  now: number;
  readonly counts: SimulationCounts = { events: 0, bookings: 0, cancellations: 0, reschedules: 0, completions: 0, noShows: 0, confirmations: 0, overrides: 0, refusedAttempts: 0 };
  readonly serviceIds: Record<(typeof SIMULATED_SERVICES)[number]['key'], string>;
  private readonly random: () => number;
  private readonly queue = new ActionQueue();
  private pending: SimulatedEvent[] = [];
  private nextArrival: number;
  private nextAdmin: number;
  private keys = 0;
  private readonly futureOverrides: string[] = [];
  private readonly owner: { id: string; role: ActorRole };

  constructor(readonly options: SimulatorOptions) {
    this.random = seededRandom(options.seed);
    this.now = options.start;
    this.owner = { id: options.ownerId, role: 'PROVIDER' };
    this.serviceIds = { consultation: randomUUID(), class: randomUUID(), treatment: randomUUID() };
    this.nextArrival = options.start + HOUR;
    this.nextAdmin = options.start + 20 * DAY * (0.5 + this.random());
  }

  get providerId(): string {
    return this.options.providerId;
  }

  get stream(): string {
    return providerStreamName(this.options.providerId);
  }

  /** Events produced and not drained yet. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Register, offer the services, set weekly hours (4 events). */
  setUp(): void {
    const o = this.options;
    this.must({ type: 'RegisterProvider', data: { providerId: o.providerId, ownerId: o.ownerId, name: o.name, kind: 'CLINIC', bio: 'Family practice', timeZone: o.timeZone } }, this.owner);
    for (const s of SIMULATED_SERVICES) {
      this.must(
        {
          type: 'OfferService',
          data: {
            serviceId: this.serviceIds[s.key],
            name: s.name,
            durationMinutes: s.durationMinutes,
            slotIntervalMinutes: s.slotIntervalMinutes,
            capacity: s.capacity,
            requiresConfirmation: s.requiresConfirmation,
            bufferAfterMinutes: s.bufferAfterMinutes,
            minNoticeMinutes: 60,
            maxAdvanceDays: 60,
            cancellationWindowHours: 24,
            price: { amountMinor: s.price, currency: 'EUR' },
          },
        },
        this.owner,
      );
    }
    this.must({ type: 'SetWeeklyHours', data: { hours: WEEKLY_HOURS } }, this.owner);
  }

  /**
   * Live until simulated time `until` or until the stream holds `maxEvents` events, whichever comes
   * first (every accepted command records exactly one event, so the count is exact).
   */
  runUntil(until: number, maxEvents: number): void {
    while (this.counts.events < maxEvents) {
      const action = this.queue.peek();
      const next = Math.min(action?.at ?? Infinity, this.nextArrival, this.nextAdmin);
      if (next > until) {
        this.now = Math.max(this.now, until);
        return;
      }
      // Whole milliseconds: the decider refuses a fractional `now`.
      this.now = Math.max(this.now, Math.ceil(next));
      if (action !== undefined && action.at <= next) {
        this.queue.pop();
        this.perform(action, maxEvents);
      } else if (this.nextArrival === next) {
        this.nextArrival = this.now + (-Math.log(1 - this.random()) * DAY) / this.options.bookingsPerDay;
        this.arrival();
      } else {
        this.nextAdmin = this.now + DAY * (10 + 30 * this.random());
        this.admin();
      }
    }
  }

  /** The events produced since the last call, in order (the simulator forgets them). */
  take(): SimulatedEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  // ---- internals ----

  /** Decide and fold; false when the decider refused (the attempt leaves no trace, as in production). */
  private run(command: ProviderCommand, actor: { id: string; role: ActorRole }): boolean {
    const context: DeciderContext = { now: this.now, actor };
    let events: ProviderEvent[];
    try {
      events = decide(command, this.state, context);
    } catch (err) {
      if (err instanceof DomainError) {
        this.counts.refusedAttempts++;
        return false;
      }
      throw err;
    }
    const correlationId = randomUUID();
    for (const event of events) {
      this.state = evolve(this.state, event);
      this.pending.push({ event, actor, now: this.now, correlationId });
      this.counts.events++;
    }
    return events.length > 0;
  }

  private must(command: ProviderCommand, actor: { id: string; role: ActorRole }): void {
    if (!this.run(command, actor)) throw new Error(`the decider refused the simulation's ${command.type}`);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** A grid start of `service` on a local date `days` ahead, in the provider's zone. */
  private candidateStart(service: (typeof SIMULATED_SERVICES)[number], days: number): number {
    const local = DateTime.fromMillis(this.now + days * DAY, { zone: this.options.timeZone });
    const slots = Math.floor((OPEN_TO_MINUTES - OPEN_FROM_MINUTES - service.durationMinutes) / service.slotIntervalMinutes) + 1;
    const minutes = OPEN_FROM_MINUTES + Math.floor(this.random() * slots) * service.slotIntervalMinutes;
    return local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 }).toMillis();
  }

  private leadDays(): number {
    const r = this.random();
    if (r < 0.3) return this.random() * 2;
    if (r < 0.8) return 2 + this.random() * 12;
    return 14 + this.random() * 40;
  }

  private pickService(): (typeof SIMULATED_SERVICES)[number] {
    let r = this.random();
    for (const s of SIMULATED_SERVICES) {
      if (r < s.weight) return s;
      r -= s.weight;
    }
    return SIMULATED_SERVICES[0];
  }

  /** A customer books: a few tries at a free grid start, as a person trying the next slot would. */
  private arrival(): void {
    const customer = { id: this.pick(this.options.customers), role: 'CUSTOMER' as const };
    const service = this.pickService();
    const serviceId = this.serviceIds[service.key];
    const days = this.leadDays();
    const idempotencyKey = `bk-${++this.keys}`;
    const { appointmentId } = bookingIds(this.options.providerId, customer.id, idempotencyKey);
    for (let attempt = 0; attempt < 4; attempt++) {
      const start = this.candidateStart(service, days + (attempt > 1 ? attempt - 1 : 0));
      const booked = this.run(
        { type: 'BookAppointment', data: { appointmentId, serviceId, start, notes: this.random() < 0.1 ? 'first visit' : null, idempotencyKey } },
        customer,
      );
      if (!booked) continue;
      this.counts.bookings++;
      const end = start + service.durationMinutes * MINUTE;
      if (service.requiresConfirmation) this.queue.push({ at: Math.min(start - MINUTE, this.now + HOUR * (0.2 + 6 * this.random())), kind: 'confirm', appointmentId });
      const fate = this.random();
      if (fate < 0.1) this.queue.push({ at: this.now + (start - this.now) * this.random(), kind: 'cancel', appointmentId });
      else if (fate < 0.17 && start - this.now > 3 * HOUR) this.queue.push({ at: this.now + (start - this.now - 2 * HOUR) * this.random(), kind: 'reschedule', appointmentId });
      this.queue.push({ at: end + HOUR * (0.5 + 30 * this.random()), kind: 'resolve', appointmentId });
      return;
    }
  }

  private appointment(id: string) {
    return this.state.status === 'Registered' ? this.state.appointments.get(id) : undefined;
  }

  private perform(action: Scheduled, maxEvents: number): void {
    const a = this.appointment(action.appointmentId);
    if (a === undefined || (a.status !== 'PENDING' && a.status !== 'CONFIRMED')) return;
    const appointmentId = a.id;
    switch (action.kind) {
      case 'confirm':
        if (a.status === 'PENDING' && this.run({ type: 'ConfirmAppointment', data: { appointmentId } }, this.owner)) this.counts.confirmations++;
        return;
      case 'cancel': {
        const byCustomer = this.random() < 0.8;
        const actor = byCustomer ? { id: a.customerId, role: 'CUSTOMER' as const } : this.owner;
        if (this.run({ type: 'CancelAppointment', data: { appointmentId, reason: byCustomer ? 'cannot make it' : 'provider unavailable' } }, actor)) this.counts.cancellations++;
        return;
      }
      case 'reschedule': {
        const customer = { id: a.customerId, role: 'CUSTOMER' as const };
        for (let attempt = 0; attempt < 3; attempt++) {
          const shift = (Math.floor(this.random() * 7) - 3) * DAY + (Math.floor(this.random() * 9) - 4) * HOUR;
          const newStart = a.start + shift;
          if (newStart === a.start) continue;
          if (this.run({ type: 'RescheduleAppointment', data: { appointmentId, newStart } }, customer)) {
            this.counts.reschedules++;
            return;
          }
        }
        return;
      }
      case 'resolve': {
        if (a.end > this.now) {
          // Rescheduled later than planned: resolve after its new end.
          this.queue.push({ at: a.end + HOUR * (0.5 + 30 * this.random()), kind: 'resolve', appointmentId });
          return;
        }
        const r = this.random();
        if (r < 0.01) return; // never resolved: a forgotten appointment stays CONFIRMED
        if (a.status === 'PENDING') {
          // Confirmed late (the class ran anyway), then resolved below if the event budget allows.
          if (!this.run({ type: 'ConfirmAppointment', data: { appointmentId } }, this.owner)) return;
          this.counts.confirmations++;
          if (this.counts.events >= maxEvents) return;
        }
        if (r < 0.93) {
          if (this.run({ type: 'CompleteAppointment', data: { appointmentId } }, this.owner)) this.counts.completions++;
        } else if (this.run({ type: 'MarkNoShow', data: { appointmentId } }, this.owner)) this.counts.noShows++;
        return;
      }
    }
  }

  /** The owner's occasional housekeeping: days off, removing one, price and profile changes. */
  private admin(): void {
    const r = this.random();
    if (r < 0.6) {
      const overrideId = randomUUID();
      const date = DateTime.fromMillis(this.now + (7 + Math.floor(this.random() * 40)) * DAY, { zone: this.options.timeZone }).toISODate() as string;
      const partial = this.random() < 0.3;
      const command: ProviderCommand = {
        type: 'AddScheduleOverride',
        data: { overrideId, date, blocked: true, windows: partial ? [{ start: '08:00', end: '12:00' }] : [], reason: partial ? 'training' : 'day off' },
      };
      if (this.run(command, this.owner)) {
        this.counts.overrides++;
        this.futureOverrides.push(overrideId);
      }
    } else if (r < 0.75 && this.futureOverrides.length > 0) {
      const overrideId = this.futureOverrides.splice(Math.floor(this.random() * this.futureOverrides.length), 1)[0] as string;
      this.run({ type: 'RemoveScheduleOverride', data: { overrideId } }, this.owner);
    } else if (r < 0.92) {
      const s = this.pick(SIMULATED_SERVICES);
      this.run({ type: 'UpdateService', data: { serviceId: this.serviceIds[s.key], price: { amountMinor: s.price + 100 * Math.floor(this.random() * 20), currency: 'EUR' } } }, this.owner);
    } else {
      this.run({ type: 'UpdateProviderProfile', data: { bio: `Family practice (${Math.floor(this.random() * 1000)})` } }, this.owner);
    }
  }
}

/**
 * One provider stream as the command handler writes it: each event gets the handler's metadata
 * (actor, correlation, requestedAt, schema version) and its link in the hash chain; a booking's event
 * id derives from its idempotency key, as `bookingIds` makes it.
 */
export class ChainedStream {
  /** Revision of the last event handed out (-1: none yet). */
  revision = -1;
  private prevHash: string | null = null;

  constructor(readonly stream: string) {}

  next(events: readonly SimulatedEvent[]): { expectedRevision: number | 'no_stream'; events: EventData[] } {
    const expectedRevision = this.revision < 0 ? ('no_stream' as const) : this.revision;
    const out = events.map((p): EventData => {
      const metadata: JsonObject = {
        actorId: p.actor.id,
        actorRole: p.actor.role,
        correlationId: p.correlationId,
        causationId: null,
        requestedAt: new Date(p.now).toISOString(),
        schemaVersion: PROVIDER_EVENT_SCHEMA_VERSIONS[p.event.type],
        prevHash: this.prevHash,
      };
      const data = p.event.data as unknown as JsonValue;
      const hash = eventHash(this.prevHash, p.event.type, data, metadata);
      this.prevHash = hash;
      const id = p.event.type === 'AppointmentBooked' ? bookingIds(p.event.data.providerId, p.event.data.customerId, p.event.data.idempotencyKey).eventId : randomUUID();
      return { id, type: p.event.type, data, metadata: { ...metadata, hash } };
    });
    this.revision += out.length;
    return { expectedRevision, events: out };
  }
}

const INSTANT_FIELDS = new Set(['start', 'end', 'bookedAt', 'cancelledAt', 'previousStart', 'previousEnd', 'rescheduledAt', 'confirmedAt', 'completedAt', 'markedAt']);
const FRESH_ID_FIELDS = new Set(['providerId', 'ownerId', 'serviceId', 'overrideId']);

/**
 * A decided history told again for another provider: fresh provider, owner, service and override ids,
 * the template's customers mapped onto others (`customer`), appointment ids derived from the new
 * (provider, customer, idempotency key) as the API derives them, and every instant and date moved by
 * `weeks` whole weeks (weekdays and local times stay as decided). Event shapes are untouched: a replica
 * is what the decider would have recorded for that provider, DST shifts aside.
 */
export function replicateHistory(
  template: readonly SimulatedEvent[],
  ids: { readonly providerId: string; readonly ownerId: string },
  customer: (templateCustomerId: string) => string,
  weeks: number,
): SimulatedEvent[] {
  const shift = weeks * 7 * DAY;
  const map = new Map<string, string>();
  const correlations = new Map<string, string>();
  const idOf = (field: string, value: string): string => {
    const known = map.get(value);
    if (known !== undefined) return known;
    let fresh: string;
    if (field === 'providerId') fresh = ids.providerId;
    else if (field === 'ownerId') fresh = ids.ownerId;
    else if (FRESH_ID_FIELDS.has(field)) fresh = randomUUID();
    else fresh = customer(value); // customerId, cancelledBy, rescheduledBy: people
    map.set(value, fresh);
    return fresh;
  };
  const walk = (value: unknown, field: string): unknown => {
    if (typeof value === 'string') {
      if (FRESH_ID_FIELDS.has(field) || field === 'customerId' || field === 'cancelledBy' || field === 'rescheduledBy' || field === 'appointmentId') return idOf(field, value);
      if (INSTANT_FIELDS.has(field) && value.endsWith('Z')) return new Date(Date.parse(value) + shift).toISOString();
      if (field === 'date') return new Date(Date.parse(`${value}T00:00:00Z`) + shift).toISOString().slice(0, 10);
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, field));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
      return out;
    }
    return value;
  };
  return template.map((t) => {
    if (t.event.type === 'AppointmentBooked') {
      const d = t.event.data;
      const providerId = idOf('providerId', d.providerId);
      map.set(d.appointmentId, bookingIds(providerId, idOf('customerId', d.customerId), d.idempotencyKey).appointmentId);
    }
    let correlationId = correlations.get(t.correlationId);
    if (correlationId === undefined) correlations.set(t.correlationId, (correlationId = randomUUID()));
    return {
      event: { type: t.event.type, data: walk(t.event.data, '') } as ProviderEvent,
      actor: { id: map.get(t.actor.id) ?? t.actor.id, role: t.actor.role },
      now: t.now + shift,
      correlationId,
    };
  });
}

export const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'UTC', 'Europe/London', 'America/Los_Angeles'] as const;

/** Run async jobs with at most `limit` in flight; `drain` waits for all and rethrows the first failure. */
export class Limiter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  constructor(private readonly limit: number) {}
  async run(job: () => Promise<unknown>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    if (this.failure !== null) throw this.failure;
    const p: Promise<void> = job().then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== null) throw this.failure;
  }
}

// ---------------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------------

/** Simulated start of every history: Monday 4 January 2027. */
const HISTORY_START = Date.parse('2027-01-04T00:00:00Z');
const BOOKINGS_PER_DAY = 3;

export interface Generated {
  readonly events: number;
  readonly providers: number;
  /** Distinct decided histories the providers' streams were told from. */
  readonly templates: number;
  readonly appends: number;
  readonly counts: SimulationCounts;
  /** Live (PENDING/CONFIRMED) appointments at the end, summed over providers. */
  readonly live: number;
  readonly seconds: number;
}

/** Decided histories per run: the decider's slot checks cost ~0.7 ms an event (luxon), so 1M events are told from these. */
const TEMPLATES = 40;

/**
 * `providers` providers with `perProvider` events each. TEMPLATES providers (different zones, seeds,
 * booking rates) live their lives through the real decider; every provider's stream is one of those
 * histories told for it (`replicateHistory`: own ids, customers, and a shift of 0–8 weeks). Streams are
 * appended interleaved in time: the generator walks the timeline in epochs and appends each
 * provider's events of an epoch in one append (about ten appends per provider), four in flight.
 */
export async function generateHistory(store: EventStore, providers: number, perProvider: number, log: (m: string) => void): Promise<Generated> {
  const started = process.hrtime.bigint();
  const customers: string[] = Array.from({ length: Math.max(500, providers * 20) }, () => randomUUID());
  const customerIndex = new Map<string, number>(customers.map((c, i) => [c, i]));
  const random = seededRandom(20270104);
  const templateCount = Math.min(TEMPLATES, providers);
  const templates = Array.from({ length: templateCount }, (_, i) => {
    const first = (i * 211) % (customers.length - 150);
    const sim = new ProviderSimulator({
      providerId: randomUUID(),
      ownerId: randomUUID(),
      name: `Provider ${i}`,
      timeZone: ZONES[i % ZONES.length] as string,
      seed: 1000 + i,
      start: HISTORY_START + Math.floor(random() * 3 * DAY),
      bookingsPerDay: BOOKINGS_PER_DAY * (0.6 + 0.8 * random()),
      customers: customers.slice(first, first + 150),
    });
    sim.setUp();
    sim.runUntil(Infinity, perProvider);
    return { sim, events: sim.take() };
  });
  log(`  ${templateCount} decided histories in ${(msSince(started) / 1000).toFixed(1)} s`);

  const streams = Array.from({ length: providers }, (_, i) => {
    const template = templates[i % templateCount] as (typeof templates)[number];
    const replica = Math.floor(i / templateCount);
    const providerId = i < templateCount ? template.sim.providerId : randomUUID();
    const events =
      replica === 0
        ? template.events
        : replicateHistory(template.events, { providerId, ownerId: randomUUID() }, (c) => customers[((customerIndex.get(c) ?? 0) + replica * 101) % customers.length] as string, replica % 9);
    if (events.length !== perProvider) throw new Error(`a history has ${events.length} events, expected ${perProvider}`);
    return { chain: new ChainedStream(providerStreamName(providerId)), events, next: 0, template };
  });

  const first = Math.min(...streams.map((s) => (s.events[0] as SimulatedEvent).now));
  const last = Math.max(...streams.map((s) => (s.events[s.events.length - 1] as SimulatedEvent).now));
  const epoch = Math.max(HOUR, Math.ceil((last - first + 1) / 10));
  const limiter = new Limiter(4);
  let appends = 0;
  let events = 0;
  let lastLog = Date.now();
  for (let until = first + epoch; events < providers * perProvider; until += epoch) {
    for (const s of streams) {
      let end = s.next;
      while (end < s.events.length && (s.events[end] as SimulatedEvent).now < until) end++;
      if (end === s.next) continue;
      const { expectedRevision, events: batch } = s.chain.next(s.events.slice(s.next, end));
      s.next = end;
      appends++;
      events += batch.length;
      await limiter.run(() => store.appendToStream(s.chain.stream, batch, { expectedRevision }));
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`  appended ${events} events (${appends} appends)`);
    }
  }
  await limiter.drain();
  const counts: SimulationCounts = { events: 0, bookings: 0, cancellations: 0, reschedules: 0, completions: 0, noShows: 0, confirmations: 0, overrides: 0, refusedAttempts: 0 };
  let live = 0;
  for (const s of streams) {
    for (const k of Object.keys(counts) as Array<keyof SimulationCounts>) counts[k] += s.template.sim.counts[k];
    const state = s.template.sim.state;
    live += state.status === 'Registered' ? state.live.size : 0;
  }
  return { events, providers, templates: templateCount, appends, counts, live, seconds: msSince(started) / 1000 };
}

interface ReadModelCounts {
  providers: number;
  appointments: number;
  busy: number;
  analyticsAppointments: number;
  dailyBooked: number;
  dailyRows: number;
  breaches: number;
}

async function readModelCounts(database: OpenedDatabase): Promise<ReadModelCounts> {
  const r = await database.pool.query<Record<keyof ReadModelCounts, string>>(
    `SELECT (SELECT count(*) FROM rm_providers) AS providers,
            (SELECT count(*) FROM rm_appointments) AS appointments,
            (SELECT count(*) FROM rm_busy_intervals) AS busy,
            (SELECT count(*) FROM rm_analytics_appointments) AS "analyticsAppointments",
            (SELECT COALESCE(sum(booked), 0) FROM rm_daily_stats) AS "dailyBooked",
            (SELECT count(*) FROM rm_daily_stats) AS "dailyRows",
            (SELECT count(*) FROM rm_invariant_breaches) AS breaches`,
  );
  const row = r.rows[0] as Record<keyof ReadModelCounts, string>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as ReadModelCounts;
}

/** The plausibility checks: what the projections hold must be what the simulation booked. */
function verify(counts: ReadModelCounts, generated: Generated): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: number, expected: number): void => {
    if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`);
  };
  expect('rm_providers rows', counts.providers, generated.providers);
  expect('rm_appointments rows', counts.appointments, generated.counts.bookings);
  expect('rm_busy_intervals rows (live appointments)', counts.busy, generated.live);
  expect('rm_analytics_appointments rows', counts.analyticsAppointments, generated.counts.bookings);
  expect('sum of rm_daily_stats.booked', counts.dailyBooked, generated.counts.bookings);
  expect('rm_invariant_breaches rows', counts.breaches, 0);
  return problems;
}

interface RebuildRound {
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly perProjectionMs: Record<string, number>;
}

/** One `projections:rebuild` (all projections), exactly as the npm script runs it, timed. */
async function rebuildOnce(databaseUrl: string, events: number): Promise<RebuildRound> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const lines: string[] = [];
  const errors: string[] = [];
  const started = process.hrtime.bigint();
  const code = await runProjectionsRebuild([], config, { out: (t) => void lines.push(t), err: (t) => void errors.push(t) });
  const ms = msSince(started);
  if (code !== 0) throw new Error(`projections:rebuild exited with ${code}: ${errors.join('')}`);
  const perProjectionMs: Record<string, number> = {};
  for (const line of lines) {
    const m = /^rebuilt (\S+): (\d+) events in (\d+) ms/.exec(line);
    if (m) {
      if (Number(m[2]) !== events) throw new Error(`rebuild of ${m[1]} folded ${m[2]} events, expected ${events}`);
      perProjectionMs[m[1] as string] = Number(m[3]);
    }
  }
  return { seconds: ms / 1000, eventsPerSecond: events / (ms / 1000), perProjectionMs };
}

/** A round longer than this makes the 1M size stop after one round (the note says so). */
const LONG_ROUND_SECONDS = 120;

async function measureSize(ctx: BenchContext, size: { events: number; providers: number }) {
  return withBenchDatabase(`rebuild_${size.events}`, async (bench) => {
    const database = await openDatabase({ databaseUrl: bench.url, poolSize: 8 });
    try {
      const store = new PostgresEventStore(database.pool);
      ctx.log(`${size.events} events: generating (${size.providers} providers × ${size.events / size.providers} events)`);
      const generated = await generateHistory(store, size.providers, size.events / size.providers, ctx.log);
      ctx.log(`  generated ${generated.events} events in ${generated.seconds.toFixed(1)} s (${generated.appends} appends, ${generated.counts.bookings} bookings)`);
      await database.pool.query('VACUUM ANALYZE es_events');
      const rounds: RebuildRound[] = [];
      let problems: string[] = [];
      let stoppedEarly = false;
      for (let i = 0; i < ctx.rounds; i++) {
        const round = await rebuildOnce(bench.url, generated.events);
        rounds.push(round);
        ctx.log(`  round ${i + 1}: ${round.seconds.toFixed(1)} s, ${Math.round(round.eventsPerSecond)} events/s (${JSON.stringify(round.perProjectionMs)})`);
        problems = verify(await readModelCounts(database), generated);
        if (problems.length > 0) throw new Error(`the rebuilt read models are not plausible: ${problems.join('; ')}`);
        if (round.seconds > LONG_ROUND_SECONDS && i + 1 < ctx.rounds) {
          stoppedEarly = true;
          break;
        }
      }
      await store.close();
      return { generated, rounds, stoppedEarly, counts: await readModelCounts(database) };
    } finally {
      await database.close();
    }
  });
}

export const benchmark: Benchmark = {
  id: 'rebuild',
  title: 'Projection rebuild throughput',
  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const sizes = ctx.quick ? [{ events: 10_000, providers: 100 }] : [{ events: 100_000, providers: 1_000 }, { events: 1_000_000, providers: 1_000 }];
    const rows: Array<Array<string | number>> = [];
    const targets: Target[] = [];
    const notes: string[] = [];
    const details: unknown[] = [];
    for (const size of sizes) {
      const m = await measureSize(ctx, size);
      const seconds = median(m.rounds.map((r) => r.seconds));
      const rate = median(m.rounds.map((r) => r.eventsPerSecond));
      rows.push([
        size.events.toLocaleString('en-US'),
        size.providers,
        m.generated.counts.bookings.toLocaleString('en-US'),
        round(m.generated.seconds, 1),
        m.rounds.length,
        round(seconds, 1),
        Math.round(rate).toLocaleString('en-US'),
      ]);
      targets.push({ label: `rebuild ${size.events.toLocaleString('en-US')} events`, measured: Math.round(rate), op: '>=', target: 20_000, unit: ' events/s' });
      if (m.stoppedEarly) notes.push(`${size.events.toLocaleString('en-US')} events: one round only (a round took over ${LONG_ROUND_SECONDS} s).`);
      details.push({ size, generated: m.generated, rounds: m.rounds, readModels: m.counts });
    }
    const table: Table = {
      columns: ['events', 'providers', 'bookings', 'generate s', 'rounds', 'rebuild s', 'events/s'],
      rows,
    };
    notes.push(
      'events/s = provider events in $all / wall time of one `projections:rebuild` of all read models (both projections, shadow copies and swap, as the npm script runs it, database opening included).',
      `History: ${TEMPLATES} providers' lives decided by the real decider (bookings, class confirmations, cancellations, reschedules, completions, no-shows, days off, price and profile changes; seven time zones), each told for 1/${TEMPLATES} of the providers with their own ids and customers, shifted by 0–8 weeks; appended with the handler’s metadata and hash chain, one append per provider and time slice, providers interleaved in time. With 100 events per provider (the 100k size) histories are young: about half the bookings are still ahead. Checked after every round: appointments = bookings, busy intervals = live appointments, analytics facts = bookings, Σ daily booked = bookings, no invariant breaches.`,
    );
    return { tables: [table], targets, notes, details };
  },
};
