/**
 * State of one provider stream and `evolve`, which folds an event into it.
 *
 * Representation: `evolve` returns a new top-level object every time and never changes the one it was
 * given. Collections that grow with the stream (services, overrides, appointments, the idempotency
 * index) are `PersistentMap`s: O(1) per event when the stream is folded in order (a stream can hold
 * 100,000 events), and every earlier state stays valid, so a command handler may cache a state and
 * hand it to concurrent requests without one request's events leaking into another's view.
 *
 * A state may leave out appointments that ended long ago: ended-appointments.ts says why deciding
 * stays exact.
 *
 * Events are facts: `evolve` never throws. An event that does not fit the state (a service update for
 * an unknown service, anything before registration) is ignored rather than invented around.
 */
import type { ActorRole, AppointmentStatus, ProviderEvent } from './events';
import type { Money } from './money';
import type {
  BusyAppointment,
  ProviderSchedule,
  ScheduleOverride,
  WeeklyHours,
} from '../schedule/types';
import { LiveAppointments } from './live-appointments';
import { PersistentMap } from './persistent-map';
import { type ServiceDefinition, definitionOf } from './service-definition';

export interface ProviderProfile {
  readonly name: string;
  readonly kind: string | null;
  readonly bio: string | null;
  readonly timeZone: string;
}

export interface ServiceState {
  readonly id: string;
  readonly definition: ServiceDefinition;
  readonly active: boolean;
}

export interface AppointmentState {
  readonly id: string;
  readonly serviceId: string;
  readonly customerId: string;
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly status: AppointmentStatus;
  /** Copied from the service at booking time: later service edits do not move this appointment's buffers. */
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly capacity: number;
  readonly cancellationWindowHours: number;
  readonly price: Money | null;
  readonly notes: string | null;
  readonly idempotencyKey: string;
  readonly bookedAt: number;
  readonly cancelledAt: number | null;
  readonly cancelledBy: string | null;
  readonly cancelledByRole: ActorRole | null;
  readonly cancellationReason: string | null;
  readonly lateCancellation: boolean;
}

/** What an idempotency key was first used for: a retry must match it to count as the same request. */
export interface IdempotencyEntry {
  readonly appointmentId: string;
  readonly serviceId: string;
  /** The start as first booked (a later reschedule does not change what the request asked for). */
  readonly start: number;
}

export interface UnregisteredProviderState {
  readonly status: 'Unregistered';
}

export interface RegisteredProviderState {
  readonly status: 'Registered';
  readonly providerId: string;
  readonly ownerId: string;
  readonly profile: ProviderProfile;
  readonly services: PersistentMap<string, ServiceState>;
  readonly weeklyHours: readonly WeeklyHours[];
  readonly overrides: PersistentMap<string, ScheduleOverride>;
  readonly appointments: PersistentMap<string, AppointmentState>;
  /**
   * The PENDING/CONFIRMED subset of `appointments`, kept apart so the booking rule and the busy list
   * cost O(live appointments near the time), not O(every appointment the provider ever had).
   */
  readonly live: LiveAppointments<AppointmentState>;
  /** `idempotencyIndexKey(customerId, key)` -> the booking it produced. */
  readonly idempotency: PersistentMap<string, IdempotencyEntry>;
}

export type ProviderState = UnregisteredProviderState | RegisteredProviderState;

export const initialState: ProviderState = { status: 'Unregistered' };

/**
 * Index key of a customer's idempotency key. A JSON pair rather than `${customerId}:${key}`, so a
 * colon inside either part cannot make two different pairs collide.
 */
export const idempotencyIndexKey = (customerId: string, idempotencyKey: string): string =>
  JSON.stringify([customerId, idempotencyKey]);

export const isLive = (status: AppointmentStatus): boolean => status === 'PENDING' || status === 'CONFIRMED';

/** Both instants parse from the ISO strings the events carry (formatting, not reading the clock). */
const ms = (iso: string): number => Date.parse(iso);

/** `appointment` (a new version of it, or a new one) in the maps, the live ones included. */
export function withAppointment(state: RegisteredProviderState, appointment: AppointmentState): RegisteredProviderState {
  return {
    ...state,
    appointments: state.appointments.set(appointment.id, appointment),
    live: isLive(appointment.status) ? state.live.with(appointment) : state.live.without(appointment.id),
  };
}

function updateAppointment(
  state: RegisteredProviderState,
  appointmentId: string,
  change: (a: AppointmentState) => AppointmentState,
): RegisteredProviderState {
  const current = state.appointments.get(appointmentId);
  return current === undefined ? state : withAppointment(state, change(current));
}

export function evolve(state: ProviderState, event: ProviderEvent): ProviderState {
  if (state.status === 'Unregistered') {
    if (event.type !== 'ProviderRegistered') return state;
    const d = event.data;
    return {
      status: 'Registered',
      providerId: d.providerId,
      ownerId: d.ownerId,
      profile: { name: d.name, kind: d.kind, bio: d.bio, timeZone: d.timeZone },
      services: PersistentMap.empty(),
      weeklyHours: [],
      overrides: PersistentMap.empty(),
      appointments: PersistentMap.empty(),
      live: LiveAppointments.empty(),
      idempotency: PersistentMap.empty(),
    };
  }

  switch (event.type) {
    case 'ProviderRegistered':
      return state;
    case 'ProviderProfileUpdated': {
      const d = event.data;
      return { ...state, profile: { name: d.name, kind: d.kind, bio: d.bio, timeZone: d.timeZone } };
    }
    case 'ServiceOffered':
    case 'ServiceUpdated': {
      const { serviceId } = event.data;
      const definition = definitionOf(event.data);
      const existing = state.services.get(serviceId);
      const active = event.type === 'ServiceOffered' ? true : (existing?.active ?? true);
      if (event.type === 'ServiceUpdated' && existing === undefined) return state;
      return { ...state, services: state.services.set(serviceId, { id: serviceId, definition, active }) };
    }
    case 'ServiceRetired': {
      const existing = state.services.get(event.data.serviceId);
      if (existing === undefined) return state;
      return { ...state, services: state.services.set(existing.id, { ...existing, active: false }) };
    }
    case 'WeeklyHoursSet':
      return { ...state, weeklyHours: event.data.hours };
    case 'ScheduleOverrideAdded': {
      const d = event.data;
      const override: ScheduleOverride = {
        id: d.overrideId,
        date: d.date,
        blocked: d.blocked,
        windows: d.windows,
        reason: d.reason,
      };
      return { ...state, overrides: state.overrides.set(d.overrideId, override) };
    }
    case 'ScheduleOverrideRemoved':
      return { ...state, overrides: state.overrides.delete(event.data.overrideId) };
    case 'AppointmentBooked': {
      const d = event.data;
      const appointment: AppointmentState = {
        id: d.appointmentId,
        serviceId: d.serviceId,
        customerId: d.customerId,
        start: ms(d.start),
        end: ms(d.end),
        status: d.status,
        bufferBeforeMinutes: d.bufferBeforeMinutes,
        bufferAfterMinutes: d.bufferAfterMinutes,
        capacity: d.capacity,
        cancellationWindowHours: d.cancellationWindowHours,
        price: d.price,
        notes: d.notes,
        idempotencyKey: d.idempotencyKey,
        bookedAt: ms(d.bookedAt),
        cancelledAt: null,
        cancelledBy: null,
        cancelledByRole: null,
        cancellationReason: null,
        lateCancellation: false,
      };
      const next = withAppointment(state, appointment);
      return {
        ...next,
        idempotency: next.idempotency.set(idempotencyIndexKey(d.customerId, d.idempotencyKey), {
          appointmentId: d.appointmentId,
          serviceId: d.serviceId,
          start: appointment.start,
        }),
      };
    }
    case 'AppointmentConfirmed':
      return updateAppointment(state, event.data.appointmentId, (a) => ({ ...a, status: 'CONFIRMED' }));
    case 'AppointmentCancelled': {
      const d = event.data;
      return updateAppointment(state, d.appointmentId, (a) => ({
        ...a,
        status: 'CANCELLED',
        cancelledAt: ms(d.cancelledAt),
        cancelledBy: d.cancelledBy,
        cancelledByRole: d.cancelledByRole,
        cancellationReason: d.reason,
        lateCancellation: d.late,
      }));
    }
    case 'AppointmentRescheduled': {
      const d = event.data;
      return updateAppointment(state, d.appointmentId, (a) => ({ ...a, start: ms(d.start), end: ms(d.end) }));
    }
    case 'AppointmentCompleted':
      return updateAppointment(state, event.data.appointmentId, (a) => ({ ...a, status: 'COMPLETED' }));
    case 'AppointmentMarkedNoShow':
      return updateAppointment(state, event.data.appointmentId, (a) => ({ ...a, status: 'NO_SHOW' }));
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Fold events onto a state (from `initialState` by default). */
export const evolveAll = (events: Iterable<ProviderEvent>, from: ProviderState = initialState): ProviderState => {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
};

// ---- Views the slot engine, the command handler and the read side share ----

/** The schedule as the slot engine takes it. Overrides sorted by date then id, so the order is stable. */
export function scheduleOf(state: RegisteredProviderState): ProviderSchedule {
  const overrides = state.overrides
    .values()
    .sort((a, b) => (a.date === b.date ? compare(a.id, b.id) : compare(a.date, b.date)));
  return { timeZone: state.profile.timeZone, weeklyHours: state.weeklyHours, overrides };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const toBusyAppointment = (a: AppointmentState): BusyAppointment => ({
  appointmentId: a.id,
  serviceId: a.serviceId,
  start: a.start,
  end: a.end,
  bufferBeforeMinutes: a.bufferBeforeMinutes,
  bufferAfterMinutes: a.bufferAfterMinutes,
  capacity: a.capacity,
});

/** Live (PENDING/CONFIRMED) appointments as the slot engine's busy list, sorted by start. */
export function liveAppointments(state: RegisteredProviderState): BusyAppointment[] {
  return state.live
    .values()
    .map(toBusyAppointment)
    .sort((a, b) => a.start - b.start || compare(a.appointmentId, b.appointmentId));
}

/** The appointment a customer's idempotency key produced, if any (whatever its status is now). */
export function findAppointmentByIdempotencyKey(
  state: ProviderState,
  customerId: string,
  idempotencyKey: string,
): AppointmentState | undefined {
  if (state.status !== 'Registered') return undefined;
  const entry = state.idempotency.get(idempotencyIndexKey(customerId, idempotencyKey));
  return entry === undefined ? undefined : state.appointments.get(entry.appointmentId);
}
