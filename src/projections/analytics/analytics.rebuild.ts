/**
 * The analytics projection's rebuild path: pages of events folded in memory into per-appointment
 * facts, leaving exactly the rows `analyticsProjection().applyBatch` leaves event by event
 * (analytics.projection.ts is the reference; every rule below mirrors one there).
 *
 * Facts of live appointments stay in memory between pages; a fact whose appointment ended is written
 * with its page and leaves memory. `flush` writes what is held and recomputes every aggregate once
 * (recomputeAllDailyStats) instead of the touched ones after every batch: the aggregates are a pure
 * function of the facts, so the result is the same. A change of a provider's zone re-dates that
 * provider's facts: in memory, and with redate's own statements for those already written.
 */
import { DateTime } from 'luxon';
import type { SqlExecutor } from '../../db/sql';
import type { ProjectedEvent } from '../events';
import { type ProjectionRebuilder, RebuildRefusal } from '../engine/projection';
import { Layered, type PageLayer, requireStorable } from '../engine/rebuild-support';
import { AnalyticsBatch, localDateOf, minutesBetween, recomputeAllDailyStats, redate } from './analytics.projection';
import { type Write, fetchTogether, upsertWrite, writeTogether } from '../engine/set-sql';

interface FactRow {
  appointment_id: string;
  provider_id: string;
  service_id: string;
  start_at: string;
  local_date: string;
  minutes: number;
  status: string;
  late: boolean;
  price_amount_minor: number | null;
  price_currency: string | null;
}

interface ZoneRow {
  time_zone: string;
}

const FACT_COLUMNS = ['appointment_id', 'provider_id', 'service_id', 'start_at', 'local_date', 'minutes', 'status', 'late', 'price_amount_minor', 'price_currency'];
const INT32_MAX = 2_147_483_647;

const STATUS_OF = {
  AppointmentConfirmed: 'CONFIRMED',
  AppointmentCompleted: 'COMPLETED',
  AppointmentMarkedNoShow: 'NO_SHOW',
  AppointmentCancelled: 'CANCELLED',
} as const;

const isLive = (status: string): boolean => status === 'PENDING' || status === 'CONFIRMED';

const factsWrite = (facts: readonly FactRow[]): Write | null => upsertWrite('rm_analytics_appointments', 'appointment_id', FACT_COLUMNS, facts);

const HOUR_MS = 3_600_000;
const PLAIN_YEARS = { from: Date.parse('0001-01-01T00:00:00.000Z'), to: Date.parse('9999-12-31T23:59:59.999Z') };

/**
 * `localDateOf`, without asking the time-zone database for every appointment: a zone's offset is
 * remembered per hour when both ends of that hour have the same offset (then no transition lies in
 * between: transitions are months apart), and the local date is the UTC date of the shifted instant.
 * Anything else is asked the long way.
 */
class LocalDates {
  private readonly offsets = new Map<string, number>();

  of(ms: number, zone: string): string {
    const hour = Math.floor(ms / HOUR_MS);
    const key = `${hour}|${zone}`;
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      const first = DateTime.fromMillis(hour * HOUR_MS, { zone });
      const last = DateTime.fromMillis(hour * HOUR_MS + HOUR_MS - 1, { zone });
      offset = first.isValid && last.isValid && first.offset === last.offset ? first.offset : Number.NaN;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(key, offset);
    }
    const local = ms + offset * 60_000;
    if (!(local >= PLAIN_YEARS.from && local <= PLAIN_YEARS.to)) return localDateOf(ms, zone);
    return new Date(local).toISOString().slice(0, 10);
  }
}

class PageChanges {
  readonly providers = new Set<string>();
  readonly facts = new Set<string>();
  /** Providers whose zone this page changed, with the zone they had before it. */
  readonly zones = new Map<string, string>();
  ended: string[] = [];
}

export class AnalyticsRebuilder implements ProjectionRebuilder {
  private touched: PageLayer[] = [];
  private readonly track = (map: PageLayer): void => void this.touched.push(map);
  /** Each provider's zone in the copy; null = not registered. Held in full, written by `flush`. */
  private zones = new Layered<ZoneRow | null>(this.track);
  /** Facts of live appointments (and any changed since the last flush). */
  private facts = new Layered<FactRow>(this.track);
  /** Appointment ids that may have a fact in the copy ('all' after a careful page). */
  private written: Set<string> | 'all' = new Set();
  private dirty = { providers: new Set<string>(), facts: new Set<string>() };
  private page = new PageChanges();
  private readonly localDates = new LocalDates();

  reset(): void {
    this.touched = [];
    this.zones = new Layered(this.track);
    this.facts = new Layered(this.track);
    this.written = 'all';
    this.dirty = { providers: new Set(), facts: new Set() };
    this.page = new PageChanges();
  }

  /**
   * The live projection's fast path (analyticsProjection().applyBatch when not careful): one batch of
   * the live tables folded and written with a few statements inside the batch's own transaction, then
   * the aggregates of the (provider, service, date) keys its facts left or entered recomputed, exactly
   * as event by event (the aggregates are a pure function of the facts, so keys a fact only passed
   * through come out unchanged either way). Nothing is held from batch to batch.
   */
  async applyLive(tx: SqlExecutor, events: readonly ProjectedEvent[]): Promise<void> {
    this.reset();
    const batch = new AnalyticsBatch(tx);
    await this.read(tx, events);
    const before = new Map<string, FactRow>(this.facts.base);
    for (const e of events) this.apply(e);
    await this.redateStored(tx, batch);
    this.commit();
    for (const id of this.dirty.facts) {
      for (const fact of [before.get(id), this.facts.get(id)]) if (fact !== undefined) batch.touch(fact.provider_id, fact.service_id, fact.local_date);
    }
    await writeTogether(tx, [...this.pendingWrites(), batch.clearWrite()]);
    await batch.refill();
  }

  async applyBatch(tx: SqlExecutor, events: readonly ProjectedEvent[]): Promise<void> {
    this.page = new PageChanges();
    await this.read(tx, events);
    for (const e of events) this.apply(e);
    await this.redateStored(tx, new AnalyticsBatch(tx));
    const ended: FactRow[] = [];
    for (const id of this.page.facts) {
      const fact = this.facts.get(id);
      if (fact !== undefined && !isLive(fact.status)) ended.push(fact);
    }
    await writeTogether(tx, [factsWrite(ended)]);
    this.page.ended = ended.map((f) => f.appointment_id);
    if (this.written !== 'all') for (const id of this.page.ended) this.written.add(id);
  }

  /** Facts already in the table follow a new zone with redate's own statements (in memory, `apply` did). */
  private async redateStored(tx: SqlExecutor, batch: AnalyticsBatch): Promise<void> {
    for (const [providerId, before] of this.page.zones) {
      const zone = this.zones.get(providerId)?.time_zone;
      if (zone !== undefined && zone !== before) await redate(tx, providerId, zone, batch);
    }
  }

  commit(): void {
    for (const map of this.touched) map.commit();
    this.touched = [];
    for (const id of this.page.providers) this.dirty.providers.add(id);
    for (const id of this.page.facts) this.dirty.facts.add(id);
    for (const id of this.page.ended) {
      this.facts.base.delete(id);
      this.dirty.facts.delete(id);
    }
    this.page = new PageChanges();
  }

  rollback(): void {
    for (const map of this.touched) map.discard();
    this.touched = [];
    this.page = new PageChanges();
  }

  async flush(inTransaction: (work: (tx: SqlExecutor) => Promise<void>) => Promise<void>): Promise<void> {
    await inTransaction(async (tx) => {
      await writeTogether(tx, this.pendingWrites());
      await recomputeAllDailyStats(tx);
    });
    if (this.written !== 'all') for (const id of this.dirty.facts) this.written.add(id);
    this.dirty = { providers: new Set(), facts: new Set() };
  }

  /** What changed since the last flush: zones and facts (different tables, so one statement). */
  private pendingWrites(): Array<Write | null> {
    const zones: Array<{ provider_id: string; time_zone: string }> = [];
    for (const id of this.dirty.providers) {
      const row = this.zones.get(id);
      if (row) zones.push({ provider_id: id, time_zone: row.time_zone });
    }
    const facts: FactRow[] = [];
    for (const id of this.dirty.facts) {
      const fact = this.facts.get(id);
      if (fact) facts.push(fact);
    }
    return [upsertWrite('rm_analytics_providers', 'provider_id', ['provider_id', 'time_zone'], zones), factsWrite(facts)];
  }

  private async read(tx: SqlExecutor, events: readonly ProjectedEvent[]): Promise<void> {
    const providers = new Set<string>();
    const ids = new Set<string>();
    const written = this.written;
    for (const e of events) {
      if (!this.zones.has(e.providerId)) providers.add(e.providerId);
      if (e.event.type.startsWith('Appointment')) {
        const id = (e.event.data as { appointmentId: string }).appointmentId;
        if (!this.facts.has(id) && (written === 'all' || written.has(id))) ids.add(id);
      }
    }
    const [zones, facts] = (await fetchTogether(tx, [
      { table: 'rm_analytics_providers', key: 'provider_id', ids: [...providers] },
      { table: 'rm_analytics_appointments', key: 'appointment_id', ids: [...ids] },
    ])) as [Array<{ provider_id: string; time_zone: string }>, FactRow[]];
    for (const id of providers) this.zones.base.set(id, null);
    for (const row of zones) this.zones.base.set(row.provider_id, { time_zone: row.time_zone });
    for (const row of facts) this.facts.base.set(row.appointment_id, row);
  }

  /** One event, as applyEvent in analytics.projection.ts applies it. */
  private apply(e: ProjectedEvent): void {
    const { event, providerId } = e;
    const page = this.page;
    const zone = this.zones.get(providerId)?.time_zone ?? null;
    switch (event.type) {
      case 'ProviderRegistered':
        if (zone !== null) return; // ON CONFLICT DO NOTHING
        this.zones.set(providerId, { time_zone: event.data.timeZone });
        page.providers.add(providerId);
        return;
      case 'ProviderProfileUpdated': {
        const next = event.data.timeZone;
        if (zone === null || zone === next) return;
        if (!page.zones.has(providerId)) page.zones.set(providerId, zone);
        this.zones.set(providerId, { time_zone: next });
        page.providers.add(providerId);
        // redate: every fact of the provider moves to its local date in the new zone.
        const moved: Array<[string, string]> = [];
        this.facts.forEach((fact) => {
          if (fact.provider_id !== providerId) return;
          const date = this.localDates.of(Date.parse(fact.start_at), next);
          if (date !== fact.local_date) moved.push([fact.appointment_id, date]);
        });
        for (const [id, date] of moved) {
          (this.facts.edit(id) as FactRow).local_date = date;
          page.facts.add(id);
        }
        return;
      }
      case 'AppointmentBooked': {
        const d = event.data;
        if (zone === null) return; // as evolve: nothing before registration
        const old = this.facts.get(d.appointmentId);
        if (old !== undefined && old.provider_id !== providerId) return; // the id belongs to another provider
        requireStorable('AppointmentBooked', d.start);
        const fact: FactRow = {
          appointment_id: d.appointmentId,
          provider_id: providerId,
          service_id: d.serviceId,
          start_at: d.start,
          local_date: this.localDates.of(Date.parse(d.start), zone),
          minutes: this.minutes(d.start, d.end),
          status: d.status,
          late: false,
          price_amount_minor: d.price?.amountMinor ?? null,
          price_currency: d.price?.currency ?? null,
        };
        this.facts.set(fact.appointment_id, fact);
        page.facts.add(fact.appointment_id);
        return;
      }
      case 'AppointmentConfirmed':
      case 'AppointmentCompleted':
      case 'AppointmentMarkedNoShow':
      case 'AppointmentCancelled': {
        const current = this.facts.get(event.data.appointmentId);
        if (current === undefined || current.provider_id !== providerId) return;
        const fact = this.facts.edit(current.appointment_id) as FactRow;
        fact.status = STATUS_OF[event.type];
        if (event.type === 'AppointmentCancelled') fact.late = event.data.late;
        page.facts.add(fact.appointment_id);
        return;
      }
      case 'AppointmentRescheduled': {
        const d = event.data;
        if (zone === null) return;
        const current = this.facts.get(d.appointmentId);
        if (current === undefined || current.provider_id !== providerId) return;
        requireStorable('AppointmentRescheduled', d.start);
        const fact = this.facts.edit(current.appointment_id) as FactRow;
        fact.start_at = d.start;
        fact.local_date = this.localDates.of(Date.parse(d.start), zone);
        fact.minutes = this.minutes(d.start, d.end);
        page.facts.add(fact.appointment_id);
        return;
      }
      case 'ServiceOffered':
      case 'ServiceUpdated':
      case 'ServiceRetired':
      case 'WeeklyHoursSet':
      case 'ScheduleOverrideAdded':
      case 'ScheduleOverrideRemoved':
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  /** minutesBetween, left to the careful path when the int column could not hold it. */
  private minutes(start: string, end: string): number {
    const minutes = minutesBetween(start, end);
    requireStorable('appointment end', end);
    if (minutes > INT32_MAX) throw new RebuildRefusal('22003', `an appointment of ${minutes} minutes is left to the careful path`);
    return minutes;
  }
}
