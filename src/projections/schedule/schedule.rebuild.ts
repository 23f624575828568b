/**
 * The schedule projection's rebuild path: a page of thousands of events folded in memory and written
 * with a few set-based statements, leaving exactly the rows `scheduleProjection().applyBatch` leaves
 * event by event (schedule.projection.ts is the reference; every rule below mirrors one there).
 *
 * Per page: read the rows the page's events address (providers, services and overrides are cached
 * across pages; appointments are read per page; a provider's busy intervals are read once, on its
 * first appointment event), fold the events in order, then write the final rows: upserts through
 * `json_populate_recordset`, and for busy intervals the changed rows deleted and re-inserted in the
 * order of their last change.
 *
 * The guards of rm_busy_intervals (exclusion constraint and seat trigger) are checked in memory at
 * every step, exactly as the database would check that step event by event: a busy row the guards
 * would refuse at its step — even one a later event of the same page would make acceptable — throws
 * a RebuildRefusal, and the engine re-applies the page carefully, event by event, recording the
 * breach as the live projection does. Written in change order, the final rows meet only rows the
 * event-by-event path already had at that step (or fewer), so the database accepts them too.
 */
import type { SqlExecutor } from '../../db/sql';
import type { ProviderEvent } from '../../domain/provider/events';
import type { ProjectedEvent } from '../events';
import { Layered, type PageLayer, requireStorable } from '../engine/rebuild-support';
import { type Write, deleteWrite, fetchTogether, upsertWrite, writeTogether } from '../engine/set-sql';
import { type ChangeCollector, type ProjectionRebuilder, RebuildRefusal } from '../engine/projection';
import { isLiveStatus, occupiedOf } from './busy-intervals';

type Of<T extends ProviderEvent['type']> = Extract<ProviderEvent, { type: T }>['data'];

interface ProviderRow {
  id: string;
  owner_id: string;
  name: string;
  kind: string | null;
  bio: string | null;
  time_zone: string;
  weekly_hours: unknown;
  created_at: string;
  updated_at: string;
  revision: number;
}

interface ServiceRow {
  id: string;
  provider_id: string;
  name: string;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  slot_interval_minutes: number;
  min_notice_minutes: number;
  max_advance_days: number;
  cancellation_window_hours: number;
  capacity: number;
  requires_confirmation: boolean;
  virtual: boolean;
  price_amount_minor: number | null;
  price_currency: string | null;
  active: boolean;
  offered_revision: number;
}

interface OverrideRow {
  id: string;
  provider_id: string;
  date: string;
  blocked: boolean;
  windows: unknown;
  reason: string | null;
}

interface AppointmentRow {
  id: string;
  provider_id: string;
  owner_id: string;
  service_id: string;
  customer_id: string;
  start_at: string;
  end_at: string;
  status: string;
  notes: string | null;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  capacity: number;
  cancellation_window_hours: number;
  price_amount_minor: number | null;
  price_currency: string | null;
  created_at: string;
  cancelled_at: string | null;
  cancelled_by: string | null;
  cancelled_by_role: string | null;
  cancellation_reason: string | null;
  late_cancellation: boolean;
  updated_at: string;
  revision: number;
}

/** A row of rm_busy_intervals as read. */
interface BusyDbRow {
  appointment_id: string;
  provider_id: string;
  service_id: string;
  start_at: string;
  end_at: string;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  capacity: number;
}

/** A busy interval as stored, with what the guards compare. */
interface BusyEntry {
  readonly appointmentId: string;
  readonly serviceId: string;
  readonly start: number;
  readonly end: number;
  /** The same instants as written (any form PostgreSQL reads). */
  readonly startAt: string;
  readonly endAt: string;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly capacity: number;
  readonly session: string;
  /** Occupied range [from, to) as the table stores it; empty when from = to. */
  readonly from: number;
  readonly to: number;
}

const PROVIDER_COLUMNS = ['id', 'owner_id', 'name', 'kind', 'bio', 'time_zone', 'weekly_hours', 'created_at', 'updated_at', 'revision'];
const SERVICE_COLUMNS = [
  'id', 'provider_id', 'name', 'duration_minutes', 'buffer_before_minutes', 'buffer_after_minutes', 'slot_interval_minutes', 'min_notice_minutes',
  'max_advance_days', 'cancellation_window_hours', 'capacity', 'requires_confirmation', 'virtual', 'price_amount_minor', 'price_currency', 'active', 'offered_revision',
];
const OVERRIDE_COLUMNS = ['id', 'provider_id', 'date', 'blocked', 'windows', 'reason'];
const APPOINTMENT_COLUMNS = [
  'id', 'provider_id', 'owner_id', 'service_id', 'customer_id', 'start_at', 'end_at', 'status', 'notes', 'buffer_before_minutes', 'buffer_after_minutes',
  'capacity', 'cancellation_window_hours', 'price_amount_minor', 'price_currency', 'created_at', 'cancelled_at', 'cancelled_by', 'cancelled_by_role',
  'cancellation_reason', 'late_cancellation', 'updated_at', 'revision',
];
/** The seat guard of rm_busy_intervals (migration 0002; its shadow copy: scheduleProjection().shadowDdl). */
const SEAT_TRIGGER = 'rm_busy_intervals_seats';
const BUSY_COLUMNS = ['appointment_id', 'provider_id', 'service_id', 'start_at', 'end_at', 'buffer_before_minutes', 'buffer_after_minutes', 'capacity', 'session_key', 'occupied'];

const iso = (ms: number): string => new Date(ms).toISOString();

const MINUTE_MS = 60_000;
/** The largest instant a JavaScript Date holds: busy-intervals.ts clamps occupied ranges to it. */
const MAX_MS = 8.64e15;

/** `iso(ms)`, reusing `text` when it already is that canonical form (every instant a sanitized event carries). */
const isoOf = (text: string, ms: number): string => (text.length === 24 && text.charCodeAt(23) === 90 ? text : iso(ms));

/** A busy row as the projection stores it (busyRowOf + occupiedOf + sessionKey in busy-intervals.ts). */
function busyEntryOf(
  a: { id: string; service_id: string; start_at: string; end_at: string; buffer_before_minutes: number; buffer_after_minutes: number; capacity: number },
  start = Date.parse(a.start_at),
  end = Date.parse(a.end_at),
): BusyEntry {
  const from = Math.max(-MAX_MS, start - a.buffer_before_minutes * MINUTE_MS);
  return {
    appointmentId: a.id,
    serviceId: a.service_id,
    start,
    end,
    bufferBeforeMinutes: a.buffer_before_minutes,
    bufferAfterMinutes: a.buffer_after_minutes,
    capacity: a.capacity,
    startAt: a.start_at,
    endAt: a.end_at,
    session: `${a.service_id}@${isoOf(a.start_at, start)}`,
    from,
    to: Math.min(MAX_MS, Math.max(from, end + a.buffer_after_minutes * MINUTE_MS)),
  };
}

const sameBusy = (a: BusyEntry | undefined, b: BusyEntry | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.serviceId === b.serviceId &&
    a.start === b.start &&
    a.end === b.end &&
    a.bufferBeforeMinutes === b.bufferBeforeMinutes &&
    a.bufferAfterMinutes === b.bufferAfterMinutes &&
    a.capacity === b.capacity);

const busyRowJson = (providerId: string, b: BusyEntry): object => ({
  appointment_id: b.appointmentId,
  provider_id: providerId,
  service_id: b.serviceId,
  start_at: b.startAt,
  end_at: b.endAt,
  buffer_before_minutes: b.bufferBeforeMinutes,
  buffer_after_minutes: b.bufferAfterMinutes,
  capacity: b.capacity,
  session_key: b.session,
  occupied: b.from === b.to ? 'empty' : `[${JSON.stringify(iso(b.from))},${JSON.stringify(iso(b.to))})`,
});

const isLive = (status: string): boolean => isLiveStatus(status);

/**
 * Busy rows inserted in the given order. `seatTriggerOff` only on a rebuild's private copy (switching
 * it off takes the table's strongest lock): the seat trigger would count each row's session once
 * more, and the fold already checked every row, at its step, by the trigger's very rule. The exclusion
 * constraint stays on and checks again.
 */
async function insertBusy(tx: SqlExecutor, rows: readonly object[], seatTriggerOff: boolean): Promise<void> {
  if (rows.length === 0) return;
  if (seatTriggerOff) await tx.query(`ALTER TABLE rm_busy_intervals DISABLE TRIGGER ${SEAT_TRIGGER}`);
  await tx.query(
    `INSERT INTO rm_busy_intervals (${BUSY_COLUMNS.join(', ')})
     SELECT ${BUSY_COLUMNS.join(', ')} FROM json_populate_recordset(NULL::rm_busy_intervals, $1::json) WITH ORDINALITY AS r ORDER BY r.ordinality`,
    [JSON.stringify(rows)],
  );
  if (seatTriggerOff) await tx.query(`ALTER TABLE rm_busy_intervals ENABLE TRIGGER ${SEAT_TRIGGER}`);
}

export class ScheduleRebuilder implements ProjectionRebuilder {
  /** Layers changed by the current page. */
  private touched: PageLayer[] = [];
  private readonly track = (map: PageLayer): void => void this.touched.push(map);
  /** Null: known not to exist in the copy. Held in full, written by `flush`. */
  private providers = new Layered<ProviderRow | null>(this.track);
  private services = new Layered<ServiceRow | null>(this.track);
  private overrides = new Layered<OverrideRow | null>(this.track);
  /**
   * Appointments held in memory: the live ones (and any changed since the last flush). An appointment
   * that ends (cancelled, completed, no-show) is written with its page and leaves memory.
   */
  private appointments = new Layered<AppointmentRow>(this.track);
  /** Appointment ids that may have a row in the copy ('all': anything may, after a careful page). */
  private written: Set<string> | 'all' = new Set();
  /** Busy intervals per provider as they stand (the copy holds them as of the last flush). */
  private busy = new Map<string, Layered<BusyEntry>>();
  /** The copy's busy table is still empty (nothing flushed, no careful page): nothing to read. */
  private busyTableEmpty = true;
  /** Changed since the last flush: ids to write. */
  private dirty = { providers: new Set<string>(), services: new Set<string>(), overrides: new Set<string>(), appointments: new Set<string>() };
  /** Busy rows changed since the last flush: the row the copy holds, and when it last changed. */
  private busyChanges = new Map<string, { providerId: string; flushed: BusyEntry | undefined; rank: number }>();
  private ranks = 0;
  /** The current page's changes, folded into the above by `commit`. */
  private page = new PageChanges();
  /** Live batches: what changed for the change feed, as the projection reports it event by event. */
  private changes: ChangeCollector | null = null;
  /** A dry run collecting the busy rows `guard` would be asked about, instead of checking them. */
  private probe: Array<{ providerId: string; entry: BusyEntry }> | null = null;

  reset(): void {
    this.touched = [];
    this.providers = new Layered(this.track);
    this.services = new Layered(this.track);
    this.overrides = new Layered(this.track);
    this.appointments = new Layered(this.track);
    this.written = 'all';
    this.busy = new Map();
    this.busyTableEmpty = false;
    this.dirty = { providers: new Set(), services: new Set(), overrides: new Set(), appointments: new Set() };
    this.busyChanges = new Map();
    this.page = new PageChanges();
  }

  /**
   * The live projection's fast path (scheduleProjection().applyBatch when not careful): one batch of
   * the live tables folded and written with a few statements inside the batch's own transaction, the
   * rows left exactly as event by event, and `changes` told what the event-by-event path tells it.
   * Nothing is held from batch to batch (the rebuilder is fresh, and the tables moved on anyway), and
   * of the busy list only the rows the batch's guards compare are read: a dry run of the fold names
   * them. A step the guards would refuse throws a RebuildRefusal; the engine then re-applies the
   * batch carefully, event by event, recording the breach.
   */
  async applyLive(tx: SqlExecutor, events: readonly ProjectedEvent[], changes: ChangeCollector): Promise<void> {
    this.reset();
    await this.read(tx, events);
    this.probe = [];
    for (const e of events) this.apply(e);
    const probe = this.probe;
    this.probe = null;
    this.rollback();
    await this.readBusyNear(tx, events, probe);
    this.changes = changes;
    for (const e of events) this.apply(e);
    this.finishTouched();
    this.commit();
    const { rows, gone, inserts } = this.pendingWrites();
    // The busy rows that go out with the other rows (another table), then the new ones after them.
    await writeTogether(tx, [...rows, deleteWrite('rm_busy_intervals', 'appointment_id', gone)]);
    await insertBusy(tx, inserts, false);
  }

  async applyBatch(tx: SqlExecutor, events: readonly ProjectedEvent[]): Promise<void> {
    this.page = new PageChanges();
    const busyProviders = await this.read(tx, events);
    if (!this.busyTableEmpty) await this.readBusyOf(tx, busyProviders);
    for (const e of events) this.apply(e);
    this.finishTouched();
    // Appointments that ended in this page are final (nothing the decider writes changes them again):
    // written now, they leave memory at commit.
    const ended: AppointmentRow[] = [];
    for (const id of this.page.appointments) {
      const a = this.appointments.get(id);
      if (a !== undefined && !isLive(a.status)) ended.push(a);
    }
    await writeTogether(tx, [upsertWrite('rm_appointments', 'id', APPOINTMENT_COLUMNS, ended)]);
    this.page.ended = ended.map((a) => a.id);
    if (this.written !== 'all') for (const id of this.page.ended) this.written.add(id);
  }

  commit(): void {
    const page = this.page;
    for (const [appointmentId, change] of page.busy) {
      const known = this.busyChanges.get(appointmentId);
      this.busyChanges.set(appointmentId, { providerId: change.providerId, flushed: known === undefined ? change.before : known.flushed, rank: change.rank });
    }
    for (const map of this.touched) map.commit();
    this.touched = [];
    for (const id of page.providers) this.dirty.providers.add(id);
    for (const id of page.services) this.dirty.services.add(id);
    for (const id of page.overrides) this.dirty.overrides.add(id);
    for (const id of page.appointments) this.dirty.appointments.add(id);
    for (const id of page.ended) {
      this.appointments.base.delete(id);
      this.dirty.appointments.delete(id);
    }
    this.page = new PageChanges();
  }

  rollback(): void {
    for (const map of this.touched) map.discard();
    this.touched = [];
    this.page = new PageChanges();
  }

  async flush(inTransaction: (work: (tx: SqlExecutor) => Promise<void>) => Promise<void>): Promise<void> {
    const { rows, gone, inserts } = this.pendingWrites();
    // The rows and the busy list, two transactions side by side.
    await Promise.all([
      inTransaction((tx) => writeTogether(tx, rows)),
      inTransaction(async (tx) => {
        await writeTogether(tx, [deleteWrite('rm_busy_intervals', 'appointment_id', gone)]);
        await insertBusy(tx, inserts, true);
      }),
    ]);
    if (this.written !== 'all') for (const id of this.dirty.appointments) this.written.add(id);
    this.dirty = { providers: new Set(), services: new Set(), overrides: new Set(), appointments: new Set() };
    this.busyChanges = new Map();
    this.busyTableEmpty = false;
  }

  /**
   * What changed since the last flush: the rows to write, and of the busy list the rows that go out
   * and the final rows to insert after that, in the order of their last change: each meets only rows
   * the event-by-event path also had at that step (or fewer), so the guards accept them as they
   * accepted them then.
   */
  private pendingWrites(): { rows: Array<Write | null>; gone: string[]; inserts: object[] } {
    const present = <T extends object>(map: Layered<T | null>, ids: Set<string>): T[] => {
      const rows: T[] = [];
      for (const id of ids) {
        const row = map.get(id);
        if (row) rows.push(row);
      }
      return rows;
    };
    // Removed overrides and written ones are different rows: one statement can do both.
    const removed = [...this.dirty.overrides].filter((id) => (this.overrides.get(id) ?? null) === null);
    const rows = [
      upsertWrite('rm_providers', 'id', PROVIDER_COLUMNS, present(this.providers, this.dirty.providers)),
      upsertWrite('rm_services', 'id', SERVICE_COLUMNS, present(this.services, this.dirty.services)),
      deleteWrite('rm_schedule_overrides', 'id', removed),
      upsertWrite('rm_schedule_overrides', 'id', OVERRIDE_COLUMNS, present(this.overrides, this.dirty.overrides)),
      upsertWrite('rm_appointments', 'id', APPOINTMENT_COLUMNS, present(this.appointments, this.dirty.appointments)),
    ];
    const gone: string[] = [];
    const inserts: Array<{ rank: number; row: object }> = [];
    for (const [appointmentId, change] of this.busyChanges) {
      const now = this.busy.get(change.providerId)?.get(appointmentId);
      if (sameBusy(change.flushed, now)) continue;
      if (change.flushed !== undefined) gone.push(appointmentId);
      if (now !== undefined) inserts.push({ rank: change.rank, row: busyRowJson(change.providerId, now) });
    }
    inserts.sort((a, b) => a.rank - b.rank);
    return { rows, gone, inserts: inserts.map((i) => i.row) };
  }

  // ---- reading what the page addresses and memory does not hold ----

  /** Reads the rows the page addresses; returns the providers whose busy list it changes and memory does not hold. */
  private async read(tx: SqlExecutor, events: readonly ProjectedEvent[]): Promise<Set<string>> {
    const providerIds = new Set<string>();
    const serviceIds = new Set<string>();
    const overrideIds = new Set<string>();
    const appointmentIds = new Set<string>();
    const busyProviders = new Set<string>();
    const written = this.written;
    for (const { event, providerId } of events) {
      if (!this.providers.has(providerId)) providerIds.add(providerId);
      switch (event.type) {
        case 'ServiceOffered':
        case 'ServiceUpdated':
        case 'ServiceRetired':
          if (!this.services.has(event.data.serviceId)) serviceIds.add(event.data.serviceId);
          break;
        case 'ScheduleOverrideAdded':
        case 'ScheduleOverrideRemoved':
          if (!this.overrides.has(event.data.overrideId)) overrideIds.add(event.data.overrideId);
          break;
        case 'AppointmentBooked':
        case 'AppointmentConfirmed':
        case 'AppointmentCancelled':
        case 'AppointmentRescheduled':
        case 'AppointmentCompleted':
        case 'AppointmentMarkedNoShow': {
          const id = event.data.appointmentId;
          if (!this.appointments.has(id) && (written === 'all' || written.has(id))) appointmentIds.add(id);
          if (!this.busy.has(providerId)) busyProviders.add(providerId);
          break;
        }
        default:
          break;
      }
    }
    const fill = <T extends { id: string }>(map: Layered<T | null>, ids: Set<string>, rows: T[]): void => {
      for (const id of ids) map.base.set(id, null);
      for (const row of rows) map.base.set(row.id, row);
    };
    const [providers, services, overrides, appointments] = (await fetchTogether(tx, [
      { table: 'rm_providers', key: 'id', ids: [...providerIds] },
      { table: 'rm_services', key: 'id', ids: [...serviceIds] },
      { table: 'rm_schedule_overrides', key: 'id', ids: [...overrideIds] },
      { table: 'rm_appointments', key: 'id', ids: [...appointmentIds] },
    ])) as [ProviderRow[], ServiceRow[], OverrideRow[], AppointmentRow[]];
    fill(this.providers, providerIds, providers);
    fill(this.services, serviceIds, services);
    fill(this.overrides, overrideIds, overrides);
    for (const row of appointments) this.appointments.base.set(row.id, row);
    for (const id of busyProviders) this.busy.set(id, new Layered(this.track));
    return busyProviders;
  }

  private holdBusy(rows: readonly BusyDbRow[]): void {
    for (const row of rows) this.busy.get(row.provider_id)?.base.set(row.appointment_id, busyEntryOf({ ...row, id: row.appointment_id }));
  }

  /** The whole busy list of each of `providers`. */
  private async readBusyOf(tx: SqlExecutor, providers: Set<string>): Promise<void> {
    const [rows] = (await fetchTogether(tx, [{ table: 'rm_busy_intervals', key: 'provider_id', ids: [...providers] }])) as [BusyDbRow[]];
    this.holdBusy(rows);
  }

  /**
   * Of the busy lists, the rows `guard` compares in this batch (those overlapping a
   * probed row or sharing its session) and the rows of the batch's own appointments.
   */
  private async readBusyNear(tx: SqlExecutor, events: readonly ProjectedEvent[], near: ReadonlyArray<{ providerId: string; entry: BusyEntry }>): Promise<void> {
    const own = new Set<string>();
    for (const { event } of events) if (event.type.startsWith('Appointment')) own.add((event.data as { appointmentId: string }).appointmentId);
    if (own.size === 0) return;
    const r = await tx.query<{ r: BusyDbRow }>(
      `SELECT to_jsonb(b) AS r FROM rm_busy_intervals b WHERE b.appointment_id = ANY ($1::text[])
       UNION
       SELECT to_jsonb(b) FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS q(provider_id, f, t)
         JOIN rm_busy_intervals b ON b.provider_id = q.provider_id AND b.occupied && tstzrange(q.f, q.t, '[)')
       UNION
       SELECT to_jsonb(b) FROM unnest($2::text[], $5::text[]) AS q(provider_id, session_key)
         JOIN rm_busy_intervals b ON b.provider_id = q.provider_id AND b.session_key = q.session_key`,
      [[...own], near.map((p) => p.providerId), near.map((p) => iso(p.entry.from)), near.map((p) => iso(p.entry.to)), near.map((p) => p.entry.session)],
    );
    this.holdBusy(r.rows.map((row) => row.r));
  }

  // ---- folding one event, as schedule.projection.ts applies it ----

  private apply(e: ProjectedEvent): void {
    const { event, providerId } = e;
    const page = this.page;
    const created = e.recorded.created.toISOString();
    const revision = e.recorded.revision;
    const providerLevel = !event.type.startsWith('Appointment');
    const touched = page.touched.get(providerId);
    if (touched === undefined) page.touched.set(providerId, { revision, updatedAt: providerLevel ? created : null });
    else {
      touched.revision = revision;
      if (providerLevel) touched.updatedAt = created;
    }
    if (providerLevel) this.changes?.availability(providerId);
    const registered = (this.providers.get(providerId) ?? null) !== null;
    switch (event.type) {
      case 'ProviderRegistered': {
        if (registered) return; // ON CONFLICT DO NOTHING
        const d = event.data;
        this.providers.set(providerId, {
          id: providerId,
          owner_id: d.ownerId,
          name: d.name,
          kind: d.kind,
          bio: d.bio,
          time_zone: d.timeZone,
          weekly_hours: [],
          created_at: created,
          updated_at: created,
          revision,
        });
        page.providers.add(providerId);
        return;
      }
      case 'ProviderProfileUpdated': {
        const provider = this.providers.edit(providerId) ?? null;
        if (provider === null) return;
        const d = event.data;
        Object.assign(provider, { name: d.name, kind: d.kind, bio: d.bio, time_zone: d.timeZone });
        page.providers.add(providerId);
        return;
      }
      case 'ServiceOffered': {
        if (!registered) return; // INSERT ... WHERE EXISTS (the provider)
        const d = event.data;
        const existing = this.services.edit(d.serviceId) ?? null;
        if (existing === null) {
          this.services.set(d.serviceId, { id: d.serviceId, provider_id: providerId, ...definitionColumns(d), active: true, offered_revision: revision });
        } else if (existing.provider_id === providerId) {
          Object.assign(existing, definitionColumns(d), { active: true });
        } else return;
        page.services.add(d.serviceId);
        return;
      }
      case 'ServiceUpdated':
      case 'ServiceRetired': {
        const current = this.services.get(event.data.serviceId) ?? null;
        if (current === null || current.provider_id !== providerId) return;
        const existing = this.services.edit(current.id) as ServiceRow;
        if (event.type === 'ServiceUpdated') Object.assign(existing, definitionColumns(event.data));
        else existing.active = false;
        page.services.add(existing.id);
        return;
      }
      case 'WeeklyHoursSet': {
        const provider = this.providers.edit(providerId) ?? null;
        if (provider === null) return;
        provider.weekly_hours = event.data.hours;
        page.providers.add(providerId);
        return;
      }
      case 'ScheduleOverrideAdded': {
        if (!registered) return;
        const d = event.data;
        const existing = this.overrides.get(d.overrideId) ?? null;
        if (existing !== null && existing.provider_id !== providerId) return;
        this.overrides.set(d.overrideId, { id: d.overrideId, provider_id: providerId, date: d.date, blocked: d.blocked, windows: d.windows, reason: d.reason });
        page.overrides.add(d.overrideId);
        return;
      }
      case 'ScheduleOverrideRemoved': {
        const existing = this.overrides.get(event.data.overrideId) ?? null;
        if (existing === null || existing.provider_id !== providerId) return;
        this.overrides.set(existing.id, null);
        page.overrides.add(existing.id);
        return;
      }
      case 'AppointmentBooked':
        this.book(e, event.data, created);
        return;
      case 'AppointmentConfirmed':
        this.setStatus(e, event.data.appointmentId, 'CONFIRMED', created);
        return;
      case 'AppointmentCancelled':
        this.setStatus(e, event.data.appointmentId, 'CANCELLED', created, event.data);
        return;
      case 'AppointmentCompleted':
        this.setStatus(e, event.data.appointmentId, 'COMPLETED', created);
        return;
      case 'AppointmentMarkedNoShow':
        this.setStatus(e, event.data.appointmentId, 'NO_SHOW', created);
        return;
      case 'AppointmentRescheduled': {
        const d = event.data;
        const current = this.appointments.get(d.appointmentId);
        if (current === undefined || current.provider_id !== providerId) return;
        requireStorable('AppointmentRescheduled', d.start, d.end, created);
        const a = this.appointments.edit(d.appointmentId) as AppointmentRow;
        const old = { status: a.status, start: Date.parse(a.start_at), end: Date.parse(a.end_at) };
        Object.assign(a, { start_at: d.start, end_at: d.end, updated_at: created, revision });
        page.appointments.add(a.id);
        this.syncBusy(providerId, a, old);
        this.announce(a);
        return;
      }
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  private book(e: ProjectedEvent, d: Of<'AppointmentBooked'>, created: string): void {
    const provider = this.providers.get(e.providerId) ?? null;
    if (provider === null) return; // INSERT ... SELECT FROM rm_providers: nothing before registration
    const existing = this.appointments.get(d.appointmentId);
    if (existing !== undefined && existing.provider_id !== e.providerId) return; // the id belongs to another provider
    requireStorable('AppointmentBooked', d.start, d.end, d.bookedAt, created);
    const a: AppointmentRow = {
      id: d.appointmentId,
      provider_id: e.providerId,
      owner_id: existing?.owner_id ?? provider.owner_id, // owner and provider stay as first booked
      service_id: d.serviceId,
      customer_id: d.customerId,
      start_at: d.start,
      end_at: d.end,
      status: d.status,
      notes: d.notes,
      buffer_before_minutes: d.bufferBeforeMinutes,
      buffer_after_minutes: d.bufferAfterMinutes,
      capacity: d.capacity,
      cancellation_window_hours: d.cancellationWindowHours,
      price_amount_minor: d.price?.amountMinor ?? null,
      price_currency: d.price?.currency ?? null,
      created_at: d.bookedAt,
      cancelled_at: null,
      cancelled_by: null,
      cancelled_by_role: null,
      cancellation_reason: null,
      late_cancellation: false,
      updated_at: created,
      revision: e.recorded.revision,
    };
    this.appointments.set(a.id, a);
    this.page.appointments.add(a.id);
    // A booking that replaced an earlier one with the same id may have moved it: all may differ.
    if (existing !== undefined) this.changes?.availability(e.providerId);
    // As the live projection: a (re)booking syncs the busy list as if nothing was there before.
    this.syncBusy(e.providerId, a, { status: null, start: null, end: null });
    this.announce(a);
  }

  private setStatus(e: ProjectedEvent, appointmentId: string, status: 'CONFIRMED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW', created: string, cancellation?: Of<'AppointmentCancelled'>): void {
    const current = this.appointments.get(appointmentId);
    if (current === undefined || current.provider_id !== e.providerId) return;
    requireStorable(`Appointment ${status}`, created, cancellation?.cancelledAt ?? null);
    const a = this.appointments.edit(appointmentId) as AppointmentRow;
    const old = { status: a.status, start: Date.parse(a.start_at), end: Date.parse(a.end_at) };
    a.status = status;
    a.updated_at = created;
    a.revision = e.recorded.revision;
    if (cancellation) {
      a.cancelled_at = cancellation.cancelledAt;
      a.cancelled_by = cancellation.cancelledBy;
      a.cancelled_by_role = cancellation.cancelledByRole;
      a.cancellation_reason = cancellation.reason;
      a.late_cancellation = cancellation.late;
    }
    this.page.appointments.add(a.id);
    this.syncBusy(e.providerId, a, old);
    this.announce(a);
  }

  private announce(a: AppointmentRow): void {
    this.changes?.appointment({ appointmentId: a.id, providerId: a.provider_id, customerId: a.customer_id, ownerId: a.owner_id });
  }

  /** `syncBusy` of schedule.projection.ts, on the in-memory busy list. */
  private syncBusy(providerId: string, a: AppointmentRow, old: { status: string | null; start: number | null; end: number | null }): void {
    const wasLive = old.status !== null && isLive(old.status);
    const live = isLive(a.status);
    const start = Date.parse(a.start_at);
    const end = Date.parse(a.end_at);
    const moved = old.start !== null && old.end !== null && (old.start !== start || old.end !== end);
    const occupied = (from: number, to: number) =>
      occupiedOf({ appointmentId: a.id, serviceId: a.service_id, start: from, end: to, bufferBeforeMinutes: a.buffer_before_minutes, bufferAfterMinutes: a.buffer_after_minutes, capacity: a.capacity });
    if (wasLive && (!live || moved) && old.start !== null && old.end !== null) this.changes?.availability(providerId, occupied(old.start, old.end));
    if (!live) {
      if (wasLive) this.changeBusy(providerId, a.id, undefined);
      return;
    }
    if (wasLive && !moved) return;
    this.changes?.availability(providerId, occupied(start, end));
    const next = busyEntryOf(a, start, end);
    requireStorable('busy interval', next.from, next.to);
    this.guard(providerId, next);
    this.changeBusy(providerId, a.id, next);
  }

  /**
   * What the database would say to `INSERT ... ON CONFLICT (appointment_id) DO UPDATE` of this row
   * at this step: the seat trigger (BEFORE INSERT, so whether or not the row exists) counts the other
   * seats of its session; the exclusion constraint refuses any other row of the provider whose
   * occupied range overlaps outside the session. The row's own current version never counts.
   */
  private guard(providerId: string, next: BusyEntry): void {
    if (this.probe !== null) {
      this.probe.push({ providerId, entry: next });
      return;
    }
    const rows = this.busy.get(providerId);
    let taken = 0;
    rows?.forEach((other) => {
      if (other.appointmentId === next.appointmentId) return;
      if (other.session === next.session) {
        taken++;
        return;
      }
      if (other.from < other.to && next.from < next.to && other.from < next.to && next.from < other.to) {
        throw new RebuildRefusal('23P01', `busy interval of ${next.appointmentId} would overlap ${other.appointmentId}`);
      }
    });
    if (taken + 1 > next.capacity) throw new RebuildRefusal('23514', `session ${next.session} of provider ${providerId} would be over capacity`);
  }

  private changeBusy(providerId: string, appointmentId: string, next: BusyEntry | undefined): void {
    let rows = this.busy.get(providerId);
    if (rows === undefined) this.busy.set(providerId, (rows = new Layered(this.track)));
    const known = this.page.busy.get(appointmentId);
    this.page.busy.set(appointmentId, { providerId, before: known === undefined ? rows.base.get(appointmentId) : known.before, rank: ++this.ranks });
    if (next === undefined) rows.delete(appointmentId);
    else rows.set(appointmentId, next);
  }

  /** ScheduleBatch.finish: each touched provider's revision and, after provider-level events, updated_at. */
  private finishTouched(): void {
    for (const [providerId, t] of this.page.touched) {
      const row = this.providers.edit(providerId) ?? null;
      if (row === null) continue;
      row.revision = t.revision;
      if (t.updatedAt !== null) row.updated_at = t.updatedAt;
      this.page.providers.add(providerId);
    }
  }
}

/** What the current page changed. */
class PageChanges {
  readonly providers = new Set<string>();
  readonly services = new Set<string>();
  readonly overrides = new Set<string>();
  readonly appointments = new Set<string>();
  /** Busy rows changed in this page: the row before the page, and the rank of the last change. */
  readonly busy = new Map<string, { providerId: string; before: BusyEntry | undefined; rank: number }>();
  /** Each touched provider's newest revision and, for provider-level changes, the time (ScheduleBatch). */
  readonly touched = new Map<string, { revision: number; updatedAt: string | null }>();
  /** Appointments that ended in this page and were written with it. */
  ended: string[] = [];
}

function definitionColumns(d: Of<'ServiceOffered'>) {
  return {
    name: d.name,
    duration_minutes: d.durationMinutes,
    buffer_before_minutes: d.bufferBeforeMinutes,
    buffer_after_minutes: d.bufferAfterMinutes,
    slot_interval_minutes: d.slotIntervalMinutes,
    min_notice_minutes: d.minNoticeMinutes,
    max_advance_days: d.maxAdvanceDays,
    cancellation_window_hours: d.cancellationWindowHours,
    capacity: d.capacity,
    requires_confirmation: d.requiresConfirmation,
    virtual: d.virtual,
    price_amount_minor: d.price?.amountMinor ?? null,
    price_currency: d.price?.currency ?? null,
  };
}
