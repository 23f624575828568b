/**
 * Free slots from the read model, computed by the same pure slot engine the write side checks
 * bookings with (`listSlots`), fed the same inputs: the provider's schedule (zone, weekly hours,
 * overrides sorted by date then id, as `scheduleOf`), the service's rules (as `serviceRulesOf`) and
 * the live appointments of the provider (as `liveAppointments`) near the window.
 *
 * Per-provider cache: schedule, services and the busy intervals of a span of time are loaded together
 * (in one REPEATABLE READ transaction, so they come from one commit of the schedule projection) and kept
 * in memory, so repeated queries do no database work. Only the busy intervals that can touch the asked
 * window are loaded (an index range scan on the exclusion constraint's GiST index), so a miss costs the
 * window's share of a provider's appointments, not all of them; a query outside the cached span loads
 * the union of both spans. An entry is dropped when the projection commits a change to that provider
 * (in this process: a direct call; in other processes: the change feed), and a load that raced with such
 * a change is not cached (generation check), so a stale entry never outlives the commit that made it
 * stale. Entries are evicted least-recently-used beyond `maxProviders`.
 */
import { type Kysely, sql } from 'kysely';
import { DomainError, validationError } from '../../domain/errors';
import { listSlots } from '../../domain/schedule/slot-engine';
import type { BusyAppointment, ProviderSchedule, ServiceRules } from '../../domain/schedule/types';
import type { Database } from '../../db/schema';
import { serviceRulesOf } from '../../domain/provider/service-definition';
import { STORABLE_INSTANTS } from '../../domain/instants';
import { readProviderSchedule } from '../schedule/schedule-reads';
import { AVAILABILITY_REACH_MS } from './reach';

export const MAX_WINDOW_DAYS = 62;
const DAY_MS = 86_400_000;
/** A miss loads this much beyond the asked window too: the next page of a booking calendar then hits. */
const PREFETCH_MS = 14 * DAY_MS;

export interface AvailableSlot {
  readonly start: Date;
  readonly end: Date;
  readonly seatsLeft: number;
}

export interface AvailableSlotsQuery {
  readonly providerId: string;
  readonly serviceId: string;
  /** Slot starts in [from, to). */
  readonly from: Date;
  readonly to: Date;
  /** The request's time (minimum notice and maximum advance count from it). */
  readonly now: Date;
}

interface CachedService {
  readonly rules: ServiceRules;
  readonly active: boolean;
}

/** Instants [from, to), epoch ms. */
interface Span {
  readonly from: number;
  readonly to: number;
}

interface ProviderEntry {
  readonly schedule: ProviderSchedule;
  readonly services: ReadonlyMap<string, CachedService>;
  /** Every live appointment whose occupied range meets `span`. */
  readonly busy: readonly BusyAppointment[];
  readonly span: Span;
}

/** null = no such provider (cached too: its registration drops the entry like any other change). */
type Entry = ProviderEntry | null;

const { min: FIRST_MS, max: LAST_MS } = STORABLE_INSTANTS;

/**
 * The busy intervals a query needs: those that can touch a slot in the window. Slots before `now` are
 * never offered, so nothing that ends long before it matters either.
 */
function neededSpan(from: number, to: number, now: number): Span {
  const start = Math.max(FIRST_MS, Math.max(from, now) - AVAILABILITY_REACH_MS);
  return { from: start, to: Math.max(start, Math.min(LAST_MS, to + AVAILABILITY_REACH_MS)) };
}

const covers = (outer: Span, inner: Span): boolean => outer.from <= inner.from && outer.to >= inner.to;
const union = (a: Span, b: Span): Span => ({ from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) });

export interface AvailabilityStats {
  readonly hits: number;
  readonly loads: number;
  readonly cached: number;
}

export class AvailabilityService {
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, { readonly span: Span; readonly entry: Promise<Entry> }>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private hits = 0;
  private loads = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { readonly maxProviders?: number } = {},
  ) {}

  /**
   * Bookable slots of a service whose start lies in [from, to), ascending.
   * NOT_FOUND for an unknown provider or service; VALIDATION_FAILED (`serviceId`) for a retired
   * service; VALIDATION_FAILED (`to`) when `to` is not after `from` or the window exceeds 62 days.
   */
  async availableSlots(query: AvailableSlotsQuery): Promise<AvailableSlot[]> {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const now = query.now.getTime();
    if (!Number.isFinite(from)) throw validationError('from', 'from must be a valid instant');
    if (!Number.isFinite(to)) throw validationError('to', 'to must be a valid instant');
    if (!Number.isFinite(now)) throw validationError('now', 'now must be a valid instant');
    if (to <= from) throw validationError('to', 'to must be after from', query.to.toISOString());
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) {
      throw validationError('to', `the window may span at most ${MAX_WINDOW_DAYS} days`, query.to.toISOString());
    }
    const entry = await this.entry(query.providerId, neededSpan(from, to, now));
    if (entry === null) throw new DomainError('NOT_FOUND', `Provider ${query.providerId} not found`);
    const service = entry.services.get(query.serviceId);
    if (service === undefined) throw new DomainError('NOT_FOUND', `Service ${query.serviceId} not found`);
    if (!service.active) throw validationError('serviceId', 'The service is retired', query.serviceId);
    return listSlots({ schedule: entry.schedule, service: service.rules, busy: entry.busy, now }, { start: from, end: to }).map((s) => ({
      start: new Date(s.start),
      end: new Date(s.end),
      seatsLeft: s.seatsLeft,
    }));
  }

  /** Drop a provider's cached entry (and make any load in flight for it not cache its answer). */
  invalidate(providerId: string): void {
    this.generations.set(providerId, (this.generations.get(providerId) ?? 0) + 1);
    this.cache.delete(providerId);
    this.loading.delete(providerId);
  }

  invalidateAll(): void {
    this.epoch++;
    this.generations.clear();
    this.cache.clear();
    this.loading.clear();
  }

  stats(): AvailabilityStats {
    return { hits: this.hits, loads: this.loads, cached: this.cache.size };
  }

  private entry(providerId: string, needed: Span): Promise<Entry> {
    const cached = this.cache.get(providerId);
    if (cached === null || (cached !== undefined && covers(cached.span, needed))) {
      // Refresh its place in the LRU order.
      this.cache.delete(providerId);
      this.cache.set(providerId, cached);
      this.hits++;
      return Promise.resolve(cached);
    }
    const inFlight = this.loading.get(providerId);
    if (inFlight && covers(inFlight.span, needed)) return inFlight.entry;
    let span: Span = { from: needed.from, to: Math.min(LAST_MS, needed.to + PREFETCH_MS) };
    if (cached) span = union(span, cached.span);
    if (inFlight) span = union(span, inFlight.span);
    const generation = this.generations.get(providerId) ?? 0;
    const epoch = this.epoch;
    const load = this.load(providerId, span).then((entry) => {
      if ((this.generations.get(providerId) ?? 0) === generation && this.epoch === epoch) {
        this.cache.delete(providerId);
        this.cache.set(providerId, entry);
        this.evict();
      }
      return entry;
    });
    this.loading.set(providerId, { span, entry: load });
    const forget = (): void => {
      if (this.loading.get(providerId)?.entry === load) this.loading.delete(providerId);
    };
    load.then(forget, forget);
    return load;
  }

  private evict(): void {
    const max = this.options.maxProviders ?? 10_000;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) return;
      this.cache.delete(oldest);
    }
  }

  private async load(providerId: string, span: Span): Promise<Entry> {
    this.loads++;
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const schedule = await readProviderSchedule(trx, providerId);
        if (schedule === null) return null;
        const services = await trx.selectFrom('rm_services').selectAll().where('provider_id', '=', providerId).execute();
        const busy = await trx
          .selectFrom('rm_busy_intervals')
          .select(['appointment_id', 'service_id', 'start_at', 'end_at', 'buffer_before_minutes', 'buffer_after_minutes', 'capacity'])
          .where('provider_id', '=', providerId)
          .where(sql<boolean>`occupied && tstzrange(${new Date(span.from).toISOString()}::timestamptz, ${new Date(span.to).toISOString()}::timestamptz, '[)')`)
          .execute();
        return {
          span,
          schedule,
          services: new Map(
            services.map((s): [string, CachedService] => [s.id, { active: s.active, rules: serviceRulesOf(s.id, s.definition) }]),
          ),
          busy: busy.map(
            (b): BusyAppointment => ({
              appointmentId: b.appointment_id,
              serviceId: b.service_id,
              start: b.start_at.getTime(),
              end: b.end_at.getTime(),
              bufferBeforeMinutes: b.buffer_before_minutes,
              bufferAfterMinutes: b.buffer_after_minutes,
              capacity: b.capacity,
            }),
          ),
        };
      });
  }
}
