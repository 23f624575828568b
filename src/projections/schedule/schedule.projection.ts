/**
 * Projection "schedule": providers, services, weekly hours, overrides, appointments and busy
 * intervals — everything availability and the appointment queries read, kept in one projection so
 * a provider's schedule and its busy list always come from the same checkpoint.
 *
 * It mirrors `evolve` (domain/provider/state.ts) event by event: events of an unregistered provider
 * are ignored, updates of unknown services/appointments are ignored, a status event sets the status
 * whatever it was, and the busy list holds exactly the PENDING/CONFIRMED appointments. Every write is
 * "set to this value", so a re-applied event changes nothing.
 *
 * The event-by-event code below is the reference. Batches normally go the set-based way
 * (ScheduleRebuilder.applyLive: a few statements per batch instead of two or more per event), which
 * must leave exactly what this code leaves (set-based-batches.int.test.ts holds it to that); this code
 * runs itself when the database refused a row of a batch and the engine re-applies it carefully.
 */
import type { SqlExecutor } from '../../db/sql';
import type { ProviderEvent } from '../../domain/provider/events';
import type { ProjectedEvent } from '../events';
import type { BatchContext, Projection } from '../engine/projection';
import { ScheduleRebuilder } from './schedule.rebuild';
import { type BusyRow, deleteBusy, describeRefusal, isLiveStatus, occupiedOf, upsertBusy } from './busy-intervals';

export const SCHEDULE_PROJECTION = 'schedule';

type Of<T extends ProviderEvent['type']> = Extract<ProviderEvent, { type: T }>['data'];

/** Per batch: each touched provider's newest revision and, for provider-level changes, the time. */
class ScheduleBatch {
  readonly providers = new Map<string, { revision: number; updatedAt: Date | null }>();

  touch(e: ProjectedEvent, providerLevel: boolean): void {
    const current = this.providers.get(e.providerId);
    this.providers.set(e.providerId, {
      revision: e.recorded.revision,
      updatedAt: providerLevel ? e.recorded.created : (current?.updatedAt ?? null),
    });
  }

  /** One statement for the whole batch: revision (and updated_at) of every touched provider. */
  async finish(tx: SqlExecutor): Promise<void> {
    if (this.providers.size === 0) return;
    const ids = [...this.providers.keys()];
    const values = [...this.providers.values()];
    await tx.query(
      `UPDATE rm_providers p SET revision = v.revision, updated_at = COALESCE(v.updated_at, p.updated_at)
         FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS v(id, revision, updated_at)
        WHERE p.id = v.id`,
      [ids, values.map((v) => v.revision), values.map((v) => v.updatedAt?.toISOString() ?? null)],
    );
  }
}

interface AppointmentRow {
  readonly old_status: string | null;
  readonly old_start: Date | null;
  readonly old_end: Date | null;
  readonly status: string;
  readonly customer_id: string;
  readonly owner_id: string;
  readonly service_id: string;
  readonly start_at: Date;
  readonly end_at: Date;
  readonly buffer_before_minutes: number;
  readonly buffer_after_minutes: number;
  readonly capacity: number;
}

const RETURNING = `a.status, a.customer_id, a.owner_id, a.service_id, a.start_at, a.end_at,
  a.buffer_before_minutes, a.buffer_after_minutes, a.capacity`;

const busyRowOf = (appointmentId: string, providerId: string, row: AppointmentRow): BusyRow => ({
  appointmentId,
  providerId,
  serviceId: row.service_id,
  start: row.start_at.getTime(),
  end: row.end_at.getTime(),
  bufferBeforeMinutes: row.buffer_before_minutes,
  bufferAfterMinutes: row.buffer_after_minutes,
  capacity: row.capacity,
});

export function scheduleProjection(): Projection {
  return {
    name: SCHEDULE_PROJECTION,
    tables: ['rm_providers', 'rm_services', 'rm_schedule_overrides', 'rm_appointments', 'rm_busy_intervals'],
    shadowDdl: (schema) =>
      `CREATE TRIGGER rm_busy_intervals_seats BEFORE INSERT OR UPDATE ON "${schema.replace(/"/g, '""')}".rm_busy_intervals
         FOR EACH ROW EXECUTE FUNCTION rm_busy_intervals_seat_guard()`,
    async applyBatch(tx, events, ctx) {
      // Set-based first; event by event (the reference) once the database refused a row of the batch.
      if (!ctx.careful) return new ScheduleRebuilder().applyLive(tx, events, ctx.changes);
      const batch = new ScheduleBatch();
      await ctx.forEachEvent(events, (e) => applyEvent(tx, e, batch, ctx));
      await batch.finish(tx);
    },
    rebuilder: () => new ScheduleRebuilder(),
  };
}

async function applyEvent(tx: SqlExecutor, e: ProjectedEvent, batch: ScheduleBatch, ctx: BatchContext): Promise<void> {
  const { event, providerId } = e;
  const created = e.recorded.created;
  const appointmentEvent = event.type.startsWith('Appointment');
  batch.touch(e, !appointmentEvent);
  switch (event.type) {
    case 'ProviderRegistered': {
      const d = event.data;
      await tx.query(
        `INSERT INTO rm_providers (id, owner_id, name, kind, bio, time_zone, weekly_hours, created_at, updated_at, revision)
         VALUES ($1, $2, $3, $4, $5, $6, '[]'::jsonb, $7, $7, $8)
         ON CONFLICT (id) DO NOTHING`,
        [providerId, d.ownerId, d.name, d.kind, d.bio, d.timeZone, created, e.recorded.revision],
      );
      ctx.changes.availability(providerId);
      return;
    }
    case 'ProviderProfileUpdated': {
      const d = event.data;
      await tx.query(`UPDATE rm_providers SET name = $2, kind = $3, bio = $4, time_zone = $5 WHERE id = $1`, [providerId, d.name, d.kind, d.bio, d.timeZone]);
      ctx.changes.availability(providerId);
      return;
    }
    case 'ServiceOffered':
      await offerService(tx, e, event.data);
      ctx.changes.availability(providerId);
      return;
    case 'ServiceUpdated': {
      const d = event.data;
      await tx.query(
        `UPDATE rm_services SET name = $3, duration_minutes = $4, buffer_before_minutes = $5, buffer_after_minutes = $6,
                slot_interval_minutes = $7, min_notice_minutes = $8, max_advance_days = $9, cancellation_window_hours = $10,
                capacity = $11, requires_confirmation = $12, virtual = $13, price_amount_minor = $14, price_currency = $15
          WHERE id = $1 AND provider_id = $2`,
        [d.serviceId, providerId, ...definitionParams(d)],
      );
      ctx.changes.availability(providerId);
      return;
    }
    case 'ServiceRetired':
      await tx.query(`UPDATE rm_services SET active = false WHERE id = $1 AND provider_id = $2`, [event.data.serviceId, providerId]);
      ctx.changes.availability(providerId);
      return;
    case 'WeeklyHoursSet':
      await tx.query(`UPDATE rm_providers SET weekly_hours = $2::jsonb WHERE id = $1`, [providerId, JSON.stringify(event.data.hours)]);
      ctx.changes.availability(providerId);
      return;
    case 'ScheduleOverrideAdded': {
      const d = event.data;
      await tx.query(
        `INSERT INTO rm_schedule_overrides (id, provider_id, date, blocked, windows, reason)
         SELECT $1, $2, $3::date, $4, $5::jsonb, $6 WHERE EXISTS (SELECT 1 FROM rm_providers WHERE id = $2)
         ON CONFLICT (id) DO UPDATE SET date = EXCLUDED.date, blocked = EXCLUDED.blocked, windows = EXCLUDED.windows, reason = EXCLUDED.reason
          WHERE rm_schedule_overrides.provider_id = EXCLUDED.provider_id`,
        [d.overrideId, providerId, d.date, d.blocked, JSON.stringify(d.windows), d.reason],
      );
      ctx.changes.availability(providerId);
      return;
    }
    case 'ScheduleOverrideRemoved':
      await tx.query(`DELETE FROM rm_schedule_overrides WHERE id = $1 AND provider_id = $2`, [event.data.overrideId, providerId]);
      ctx.changes.availability(providerId);
      return;
    case 'AppointmentBooked':
      await book(tx, e, event.data, ctx);
      return;
    case 'AppointmentConfirmed':
      await setStatus(tx, e, event.data.appointmentId, 'CONFIRMED', ctx);
      return;
    case 'AppointmentCancelled':
      await setStatus(tx, e, event.data.appointmentId, 'CANCELLED', ctx, event.data);
      return;
    case 'AppointmentCompleted':
      await setStatus(tx, e, event.data.appointmentId, 'COMPLETED', ctx);
      return;
    case 'AppointmentMarkedNoShow':
      await setStatus(tx, e, event.data.appointmentId, 'NO_SHOW', ctx);
      return;
    case 'AppointmentRescheduled':
      await reschedule(tx, e, event.data, ctx);
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function definitionParams(d: Of<'ServiceOffered'>): unknown[] {
  return [
    d.name,
    d.durationMinutes,
    d.bufferBeforeMinutes,
    d.bufferAfterMinutes,
    d.slotIntervalMinutes,
    d.minNoticeMinutes,
    d.maxAdvanceDays,
    d.cancellationWindowHours,
    d.capacity,
    d.requiresConfirmation,
    d.virtual,
    d.price?.amountMinor ?? null,
    d.price?.currency ?? null,
  ];
}

/** As `evolve`: offering an existing id replaces its definition and makes it active again. */
async function offerService(tx: SqlExecutor, e: ProjectedEvent, d: Of<'ServiceOffered'>): Promise<void> {
  await tx.query(
    `INSERT INTO rm_services (id, provider_id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes,
            slot_interval_minutes, min_notice_minutes, max_advance_days, cancellation_window_hours, capacity,
            requires_confirmation, virtual, price_amount_minor, price_currency, active, offered_revision)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, true, $16
      WHERE EXISTS (SELECT 1 FROM rm_providers WHERE id = $2)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, duration_minutes = EXCLUDED.duration_minutes,
            buffer_before_minutes = EXCLUDED.buffer_before_minutes, buffer_after_minutes = EXCLUDED.buffer_after_minutes,
            slot_interval_minutes = EXCLUDED.slot_interval_minutes, min_notice_minutes = EXCLUDED.min_notice_minutes,
            max_advance_days = EXCLUDED.max_advance_days, cancellation_window_hours = EXCLUDED.cancellation_window_hours,
            capacity = EXCLUDED.capacity, requires_confirmation = EXCLUDED.requires_confirmation, virtual = EXCLUDED.virtual,
            price_amount_minor = EXCLUDED.price_amount_minor, price_currency = EXCLUDED.price_currency, active = true
      WHERE rm_services.provider_id = EXCLUDED.provider_id`,
    [d.serviceId, e.providerId, ...definitionParams(d), e.recorded.revision],
  );
}

async function book(tx: SqlExecutor, e: ProjectedEvent, d: Of<'AppointmentBooked'>, ctx: BatchContext): Promise<void> {
  const { providerId } = e;
  const r = await tx.query<AppointmentRow & { replaced: boolean }>(
    `INSERT INTO rm_appointments AS a (id, provider_id, owner_id, service_id, customer_id, start_at, end_at, status, notes,
            buffer_before_minutes, buffer_after_minutes, capacity, cancellation_window_hours, price_amount_minor, price_currency,
            created_at, cancelled_at, cancelled_by, cancelled_by_role, cancellation_reason, late_cancellation, updated_at, revision)
     SELECT $1, p.id, p.owner_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, NULL, NULL, NULL, false, $16, $17
       FROM rm_providers p WHERE p.id = $2
     ON CONFLICT (id) DO UPDATE SET service_id = EXCLUDED.service_id, customer_id = EXCLUDED.customer_id,
            start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, status = EXCLUDED.status, notes = EXCLUDED.notes,
            buffer_before_minutes = EXCLUDED.buffer_before_minutes, buffer_after_minutes = EXCLUDED.buffer_after_minutes,
            capacity = EXCLUDED.capacity, cancellation_window_hours = EXCLUDED.cancellation_window_hours,
            price_amount_minor = EXCLUDED.price_amount_minor, price_currency = EXCLUDED.price_currency,
            created_at = EXCLUDED.created_at, cancelled_at = NULL, cancelled_by = NULL, cancelled_by_role = NULL,
            cancellation_reason = NULL, late_cancellation = false, updated_at = EXCLUDED.updated_at, revision = EXCLUDED.revision
      WHERE a.provider_id = EXCLUDED.provider_id
     RETURNING NULL::text AS old_status, NULL::timestamptz AS old_start, NULL::timestamptz AS old_end, (a.xmax::text <> '0') AS replaced, ${RETURNING}`,
    [
      d.appointmentId,
      providerId,
      d.serviceId,
      d.customerId,
      d.start,
      d.end,
      d.status,
      d.notes,
      d.bufferBeforeMinutes,
      d.bufferAfterMinutes,
      d.capacity,
      d.cancellationWindowHours,
      d.price?.amountMinor ?? null,
      d.price?.currency ?? null,
      d.bookedAt,
      e.recorded.created,
      e.recorded.revision,
    ],
  );
  const row = r.rows[0];
  if (row === undefined) return; // provider not registered (or the id belongs to another provider): as evolve, nothing
  // A booking that replaced an earlier one with the same id (evolve allows it) may have moved it: all may differ.
  if (row.replaced) ctx.changes.availability(providerId);
  await syncBusy(tx, e, d.appointmentId, { ...row, old_status: null }, ctx);
  announce(ctx, e, d.appointmentId, row);
}

async function setStatus(
  tx: SqlExecutor,
  e: ProjectedEvent,
  appointmentId: string,
  status: 'CONFIRMED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW',
  ctx: BatchContext,
  cancellation?: Of<'AppointmentCancelled'>,
): Promise<void> {
  const sets = cancellation
    ? `, cancelled_at = $6, cancelled_by = $7, cancelled_by_role = $8, cancellation_reason = $9, late_cancellation = $10`
    : '';
  const params: unknown[] = [appointmentId, e.providerId, status, e.recorded.created, e.recorded.revision];
  if (cancellation) params.push(cancellation.cancelledAt, cancellation.cancelledBy, cancellation.cancelledByRole, cancellation.reason, cancellation.late);
  const r = await tx.query<AppointmentRow>(
    `WITH old AS (SELECT id, status, start_at, end_at FROM rm_appointments WHERE id = $1 AND provider_id = $2 FOR UPDATE)
     UPDATE rm_appointments a SET status = $3, updated_at = $4, revision = $5${sets}
       FROM old WHERE a.id = old.id
     RETURNING old.status AS old_status, old.start_at AS old_start, old.end_at AS old_end, ${RETURNING}`,
    params,
  );
  const row = r.rows[0];
  if (row === undefined) return; // unknown appointment: as evolve, nothing
  await syncBusy(tx, e, appointmentId, row, ctx);
  announce(ctx, e, appointmentId, row);
}

async function reschedule(tx: SqlExecutor, e: ProjectedEvent, d: Of<'AppointmentRescheduled'>, ctx: BatchContext): Promise<void> {
  const r = await tx.query<AppointmentRow>(
    `WITH old AS (SELECT id, status, start_at, end_at FROM rm_appointments WHERE id = $1 AND provider_id = $2 FOR UPDATE)
     UPDATE rm_appointments a SET start_at = $3, end_at = $4, updated_at = $5, revision = $6
       FROM old WHERE a.id = old.id
     RETURNING old.status AS old_status, old.start_at AS old_start, old.end_at AS old_end, ${RETURNING}`,
    [d.appointmentId, e.providerId, d.start, d.end, e.recorded.created, e.recorded.revision],
  );
  const row = r.rows[0];
  if (row === undefined) return;
  await syncBusy(tx, e, d.appointmentId, row, ctx);
  announce(ctx, e, d.appointmentId, row);
}

/**
 * Make the busy list agree with the appointment's new state (as `withAppointment` does with the live
 * map), and note the occupied ranges that were freed or taken. A row the guards refuse is a breach:
 * recorded, and the appointment stays out of the busy list.
 */
async function syncBusy(tx: SqlExecutor, e: ProjectedEvent, appointmentId: string, row: AppointmentRow, ctx: BatchContext): Promise<void> {
  const wasLive = row.old_status !== null && isLiveStatus(row.old_status);
  const live = isLiveStatus(row.status);
  const busy = busyRowOf(appointmentId, e.providerId, row);
  const moved = row.old_start !== null && row.old_end !== null && (row.old_start.getTime() !== busy.start || row.old_end.getTime() !== busy.end);
  if (wasLive && (!live || moved) && row.old_start !== null && row.old_end !== null) {
    ctx.changes.availability(e.providerId, occupiedOf({ ...busy, start: row.old_start.getTime(), end: row.old_end.getTime() }));
  }
  if (!live) {
    if (wasLive) await deleteBusy(tx, appointmentId);
    return;
  }
  if (wasLive && !moved) return; // PENDING -> CONFIRMED: the same time stays busy
  ctx.changes.availability(e.providerId, occupiedOf(busy));
  const refusal = await ctx.attempt(() => upsertBusy(tx, busy));
  if (refusal === null) return;
  await deleteBusy(tx, appointmentId);
  const { kind, detail } = await describeRefusal(tx, busy, refusal);
  await ctx.breach(e, { subject: appointmentId, kind, providerId: e.providerId, detail });
}

function announce(ctx: BatchContext, e: ProjectedEvent, appointmentId: string, row: AppointmentRow): void {
  ctx.changes.appointment({ appointmentId, providerId: e.providerId, customerId: row.customer_id, ownerId: row.owner_id });
}
