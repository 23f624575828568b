/**
 * Projection "schedule": providers, services, weekly hours, overrides, appointments and busy
 * intervals — everything availability and the appointment queries read, kept in one projection so
 * a provider's schedule and its busy list always come from the same checkpoint.
 *
 * Its rules, once, as a fold: it mirrors `evolve` (domain/provider/state.ts) event by event. Events of
 * an unregistered provider are ignored, updates of unknown services, overrides or appointments (or of
 * ones another provider owns) are ignored, a status event sets the status whatever it was, and the
 * busy list holds exactly the PENDING/CONFIRMED appointments. Every write is "set to this value", so
 * folding an event again changes nothing.
 *
 * The fold never reads a busy row: a live appointment has exactly one (`busyRowOf`), so it writes the
 * busy row whenever the appointment starts or stops keeping its provider busy or moves. The database's
 * guards on rm_busy_intervals judge those rows; one they refuse (a history the decider never writes)
 * becomes a breach in the careful path and the appointment stays out of the busy list.
 */
import { isLive } from '../../domain/provider';
import { definitionOf } from '../../domain/provider/service-definition';
import type { ChangeCollector } from '../changes/change-collector';
import { type Projection, foldEach } from '../engine/projection';
import type { Row, Working } from '../engine/rows';
import { busyAppointmentOf, busyRowOf, describeRefusal, occupiedOf } from './busy-intervals';

export const SCHEDULE_PROJECTION = 'schedule';

type Appointment = Row<'rm_appointments'>;

export const foldSchedule = foldEach((rows, e, changes) => {
  const { event, providerId } = e;
  const at = e.recorded.created.toISOString();
  const provider = rows.get('rm_providers', providerId);
  switch (event.type) {
    case 'ProviderRegistered': {
      const d = event.data;
      if (provider === null) {
        rows.put('rm_providers', {
          id: providerId,
          owner_id: d.ownerId,
          name: d.name,
          kind: d.kind,
          bio: d.bio,
          time_zone: d.timeZone,
          weekly_hours: [],
          created_at: at,
          updated_at: at,
          revision: e.recorded.revision,
        });
      }
      break;
    }
    case 'ProviderProfileUpdated': {
      const d = event.data;
      if (provider !== null) rows.put('rm_providers', { ...provider, name: d.name, kind: d.kind, bio: d.bio, time_zone: d.timeZone });
      break;
    }
    case 'WeeklyHoursSet':
      if (provider !== null) rows.put('rm_providers', { ...provider, weekly_hours: event.data.hours });
      break;
    case 'ServiceOffered': {
      // As evolve: offering an existing id replaces its definition and makes it active again.
      const d = event.data;
      const service = rows.get('rm_services', d.serviceId);
      if (provider === null || (service !== null && service.provider_id !== providerId)) break;
      rows.put('rm_services', { id: d.serviceId, provider_id: providerId, definition: definitionOf(d), active: true, offered_revision: service?.offered_revision ?? e.recorded.revision });
      break;
    }
    case 'ServiceUpdated':
    case 'ServiceRetired': {
      const service = rows.get('rm_services', event.data.serviceId);
      if (service === null || service.provider_id !== providerId) break;
      rows.put('rm_services', event.type === 'ServiceUpdated' ? { ...service, definition: definitionOf(event.data) } : { ...service, active: false });
      break;
    }
    case 'ScheduleOverrideAdded': {
      const d = event.data;
      const override = rows.get('rm_schedule_overrides', d.overrideId);
      if (provider === null || (override !== null && override.provider_id !== providerId)) break;
      rows.put('rm_schedule_overrides', { id: d.overrideId, provider_id: providerId, date: d.date, blocked: d.blocked, windows: d.windows, reason: d.reason });
      break;
    }
    case 'ScheduleOverrideRemoved': {
      const override = rows.get('rm_schedule_overrides', event.data.overrideId);
      if (override !== null && override.provider_id === providerId) rows.remove('rm_schedule_overrides', override.id);
      break;
    }
    case 'AppointmentBooked': {
      const d = event.data;
      const existing = rows.get('rm_appointments', d.appointmentId);
      if (provider === null || (existing !== null && existing.provider_id !== providerId)) break;
      const booked: Appointment = {
        id: d.appointmentId,
        provider_id: providerId,
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
        updated_at: at,
        revision: e.recorded.revision,
      };
      // A booking that replaced an earlier one with the same id (evolve allows it) may have moved it:
      // all may differ, and the busy list takes it as if nothing had been there.
      if (existing !== null) changes.availability(providerId);
      setAppointment(rows, changes, null, booked);
      break;
    }
    case 'AppointmentConfirmed':
    case 'AppointmentCompleted':
    case 'AppointmentMarkedNoShow':
    case 'AppointmentCancelled':
    case 'AppointmentRescheduled': {
      const current = rows.get('rm_appointments', event.data.appointmentId);
      if (current === null || current.provider_id !== providerId) break;
      const next: Appointment = { ...current, updated_at: at, revision: e.recorded.revision };
      switch (event.type) {
        case 'AppointmentConfirmed':
          setAppointment(rows, changes, current, { ...next, status: 'CONFIRMED' });
          break;
        case 'AppointmentCompleted':
          setAppointment(rows, changes, current, { ...next, status: 'COMPLETED' });
          break;
        case 'AppointmentMarkedNoShow':
          setAppointment(rows, changes, current, { ...next, status: 'NO_SHOW' });
          break;
        case 'AppointmentCancelled': {
          const d = event.data;
          setAppointment(rows, changes, current, {
            ...next,
            status: 'CANCELLED',
            cancelled_at: d.cancelledAt,
            cancelled_by: d.cancelledBy,
            cancelled_by_role: d.cancelledByRole,
            cancellation_reason: d.reason,
            late_cancellation: d.late,
          });
          break;
        }
        case 'AppointmentRescheduled':
          setAppointment(rows, changes, current, { ...next, start_at: event.data.start, end_at: event.data.end });
          break;
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
      break;
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
  const isAppointmentEvent = event.type.startsWith('Appointment');
  if (!isAppointmentEvent) changes.availability(providerId);
  // The provider row carries the revision of its stream's newest event, and when its own data changed.
  const after = rows.get('rm_providers', providerId);
  if (after !== null) rows.put('rm_providers', { ...after, revision: e.recorded.revision, updated_at: isAppointmentEvent ? after.updated_at : at });
});

/**
 * Set an appointment row, keep its busy row in step (as `withAppointment` keeps the live map) and
 * note the occupied ranges that were freed or taken. `before` null: as if nothing had been there.
 */
function setAppointment(rows: Working, changes: ChangeCollector, before: Appointment | null, after: Appointment): void {
  rows.put('rm_appointments', after);
  const providerId = after.provider_id;
  changes.appointment({ appointmentId: after.id, providerId, customerId: after.customer_id, ownerId: after.owner_id });
  const wasLive = before !== null && isLive(before.status);
  const live = isLive(after.status);
  const was = before === null ? null : { start: Date.parse(before.start_at), end: Date.parse(before.end_at) };
  const now = busyAppointmentOf(after);
  const moved = was !== null && (was.start !== now.start || was.end !== now.end);
  if (wasLive && was !== null && (!live || moved)) changes.availability(providerId, occupiedOf(busyAppointmentOf(after, was)));
  if (!live) {
    if (wasLive) rows.remove('rm_busy_intervals', after.id);
    return;
  }
  if (wasLive && !moved) return; // PENDING -> CONFIRMED: the same time stays busy
  changes.availability(providerId, occupiedOf(now));
  rows.put('rm_busy_intervals', busyRowOf(after));
}

export function scheduleProjection(): Projection {
  return {
    name: SCHEDULE_PROJECTION,
    tables: ['rm_providers', 'rm_services', 'rm_schedule_overrides', 'rm_appointments', 'rm_busy_intervals'],
    shadowDdl: (schema) =>
      `CREATE TRIGGER rm_busy_intervals_seats BEFORE INSERT OR UPDATE ON "${schema.replace(/"/g, '""')}".rm_busy_intervals
         FOR EACH ROW EXECUTE FUNCTION rm_busy_intervals_seat_guard()`,
    fold: foldSchedule,
    guarded: { table: 'rm_busy_intervals', describe: describeRefusal },
  };
}
