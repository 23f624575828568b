/**
 * Provider state <-> JSON, for snapshots. Bump SNAPSHOT_SCHEMA_VERSION whenever the state's shape
 * changes: older snapshots are then ignored and the stream is replayed, never misread.
 */
import type { JsonValue } from '../events/event-store';
import {
  type AppointmentState,
  type IdempotencyEntry,
  PersistentMap,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  isLive,
} from '../domain/provider';
import type { ScheduleOverride, WeeklyHours } from '../domain/schedule/types';

export const SNAPSHOT_SCHEMA_VERSION = 1;

interface RegisteredSnapshot {
  status: 'Registered';
  providerId: string;
  ownerId: string;
  profile: RegisteredProviderState['profile'];
  services: ServiceState[];
  weeklyHours: readonly WeeklyHours[];
  overrides: ScheduleOverride[];
  appointments: AppointmentState[];
  idempotency: Array<[string, IdempotencyEntry]>;
}

export function encodeState(state: ProviderState): JsonValue {
  if (state.status === 'Unregistered') return { status: 'Unregistered' };
  const snapshot: RegisteredSnapshot = {
    status: 'Registered',
    providerId: state.providerId,
    ownerId: state.ownerId,
    profile: state.profile,
    services: state.services.values(),
    weeklyHours: state.weeklyHours,
    overrides: state.overrides.values(),
    appointments: state.appointments.values(),
    idempotency: state.idempotency.entries(),
  };
  return JSON.parse(JSON.stringify(snapshot)) as JsonValue;
}

export function decodeState(json: unknown): ProviderState {
  const s = json as RegisteredSnapshot | { status: 'Unregistered' };
  if (s.status !== 'Registered') return { status: 'Unregistered' };
  const mapOf = <V>(entries: Iterable<[string, V]>): PersistentMap<string, V> => {
    let m = PersistentMap.empty<string, V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  };
  return {
    status: 'Registered',
    providerId: s.providerId,
    ownerId: s.ownerId,
    profile: s.profile,
    services: mapOf(s.services.map((x) => [x.id, x])),
    weeklyHours: s.weeklyHours,
    overrides: mapOf(s.overrides.map((x) => [x.id, x])),
    appointments: mapOf(s.appointments.map((x) => [x.id, x])),
    liveAppointmentsById: mapOf(s.appointments.filter((a) => isLive(a.status)).map((x) => [x.id, x])),
    idempotency: mapOf(s.idempotency),
  };
}
