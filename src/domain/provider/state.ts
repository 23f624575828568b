/**
 * State of one provider stream and `evolve`, which folds an event into it.
 *
 * Representation: `evolve` returns a new top-level object every time and never changes the one it was
 * given. Collections that grow with the stream (services, overrides, appointments, the idempotency
 * index) are `PersistentMap`s: O(1) per event when the stream is folded in order (a stream can hold
 * 100,000 events), and every earlier state stays valid, so a command handler may cache a state and
 * hand it to concurrent requests without one request's events leaking into another's view.
 *
 * What ended long ago may not be held at all: see `archive` below and archive.ts.
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
import type { ArchiveIndex } from './archive';
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
   * The PENDING/CONFIRMED subset of `appointments`, kept separately so building the busy list costs
   * O(live appointments), not O(every appointment the provider ever had).
   */
  readonly liveAppointmentsById: PersistentMap<string, AppointmentState>;
  /**
   * The same live appointments by the UTC day of their start, so a booking looks only at the few days
   * around its time (`liveAppointmentsNear`), however many live appointments a provider keeps (past
   * ones nobody completed stay live for ever). `liveReach`: how far any of them ever occupied time
   * before its start and after it (an upper bound: it only grows while a state lives).
   */
  readonly liveByDay: PersistentMap<number, PersistentMap<string, AppointmentState>>;
  readonly liveReach: LiveReach;
  /** `idempotencyIndexKey(customerId, key)` -> the booking it produced. */
  readonly idempotency: PersistentMap<string, IdempotencyEntry>;
  /**
   * Ended appointments (and the idempotency entries they own) a snapshot archived, which `appointments`
   * and `idempotency` then no longer hold: only their fingerprints are here, and the command handler
   * puts back what a command addresses before deciding (archive.ts). Null: nothing is left out, the
   * maps hold the whole history (a state folded from the stream).
   */
  readonly archive: ArchiveIndex | null;
}

/** Milliseconds an occupied range may reach before a live appointment's start and after it. */
export interface LiveReach {
  readonly beforeMs: number;
  readonly afterMs: number;
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

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const dayOf = (instant: number): number => Math.floor(instant / DAY_MS);

/** `appointment` (a new version of it, or a new one) in the maps, the live ones and their index included. */
export function withAppointment(state: RegisteredProviderState, appointment: AppointmentState): RegisteredProviderState {
  let { liveByDay, liveReach } = state;
  const before = state.liveAppointmentsById.get(appointment.id);
  if (before !== undefined) {
    const day = dayOf(before.start);
    const bucket = liveByDay.get(day)?.delete(appointment.id);
    liveByDay = bucket === undefined || bucket.size === 0 ? liveByDay.delete(day) : liveByDay.set(day, bucket);
  }
  const live = isLive(appointment.status);
  if (live) {
    const day = dayOf(appointment.start);
    liveByDay = liveByDay.set(day, (liveByDay.get(day) ?? PersistentMap.empty<string, AppointmentState>()).set(appointment.id, appointment));
    liveReach = reachWith(liveReach, appointment);
  }
  return {
    ...state,
    appointments: state.appointments.set(appointment.id, appointment),
    liveAppointmentsById: live ? state.liveAppointmentsById.set(appointment.id, appointment) : state.liveAppointmentsById.delete(appointment.id),
    liveByDay,
    liveReach,
  };
}

function reachWith(reach: LiveReach, a: AppointmentState): LiveReach {
  const beforeMs = Math.max(reach.beforeMs, a.bufferBeforeMinutes * MINUTE_MS);
  const afterMs = Math.max(reach.afterMs, a.end - a.start + a.bufferAfterMinutes * MINUTE_MS);
  // NaN (an unreadable instant) never reaches anything: keep the bound as it was.
  return beforeMs === reach.beforeMs && afterMs === reach.afterMs ? reach : { beforeMs: beforeMs || reach.beforeMs, afterMs: afterMs || reach.afterMs };
}

/** The day index and reach of `live` appointments (a state decoded from a snapshot builds it so). */
export function indexLive(live: readonly AppointmentState[]): Pick<RegisteredProviderState, 'liveByDay' | 'liveReach'> {
  const days = new Map<number, Array<[string, AppointmentState]>>();
  let liveReach: LiveReach = { beforeMs: 0, afterMs: 0 };
  for (const a of live) {
    const day = dayOf(a.start);
    const bucket = days.get(day);
    if (bucket === undefined) days.set(day, [[a.id, a]]);
    else bucket.push([a.id, a]);
    liveReach = reachWith(liveReach, a);
  }
  const liveByDay = PersistentMap.of([...days].map(([day, bucket]): [number, PersistentMap<string, AppointmentState>] => [day, PersistentMap.of(bucket)]));
  return { liveByDay, liveReach };
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
      liveAppointmentsById: PersistentMap.empty(),
      liveByDay: PersistentMap.empty(),
      liveReach: { beforeMs: 0, afterMs: 0 },
      idempotency: PersistentMap.empty(),
      archive: null,
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
  return state.liveAppointmentsById
    .values()
    .map(toBusyAppointment)
    .sort((a, b) => a.start - b.start || compare(a.appointmentId, b.appointmentId));
}

/**
 * Every live appointment whose occupied range (appointment plus its buffers) may meet [from, to),
 * perhaps with a few that do not: the ones starting within the days `liveReach` allows around it.
 */
export function liveAppointmentsNear(state: RegisteredProviderState, from: number, to: number): AppointmentState[] {
  const first = dayOf(from - state.liveReach.afterMs);
  const last = dayOf(to + state.liveReach.beforeMs);
  if (!(last - first < state.liveByDay.size + 2)) return state.liveAppointmentsById.values();
  const out: AppointmentState[] = [];
  for (let day = first; day <= last; day++) {
    const bucket = state.liveByDay.get(day);
    if (bucket !== undefined) for (const a of bucket.values()) out.push(a);
  }
  return out;
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
