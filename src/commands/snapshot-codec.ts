/**
 * Provider state <-> JSON, for snapshots. Bump SNAPSHOT_SCHEMA_VERSION whenever the shape changes:
 * older snapshots are then ignored and the stream is replayed, never misread.
 *
 * A snapshot comes in three parts (domain/provider/ended-appointments.ts explains why it may):
 * - the hot state, the one row a cold load waits for: profile, services, hours, overrides and the
 *   live appointments (compact tuples, each with the idempotency entry it owns). Its size follows
 *   what decisions need, not the history: a ten-year-old provider's is about a new one's.
 * - the fingerprints of everything archived (archive-index.ts), read after the hot state, off the
 *   command's path;
 * - archive rows, one per ended appointment and one per idempotency key it owns, written with the
 *   snapshot that archives them and read only when a command addresses one.
 * Version 3: the same parts, stored in tables of their own (migration 0005).
 */
import type { JsonValue } from '../events/event-store';
import {
  type AppointmentState,
  type EndedAppointment,
  type IdempotencyEntry,
  LiveAppointments,
  PersistentMap,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  endedAppointments,
  idempotencyIndexKey,
  isLive,
} from '../domain/provider';
import type { ScheduleOverride, WeeklyHours } from '../domain/schedule/types';
import { type ArchiveKind, fingerprintsOf, withFingerprints } from './archive-index';

export const SNAPSHOT_SCHEMA_VERSION = 3;

/**
 * A live appointment, field by field in AppointmentState's order, then the idempotency entry it owns:
 * null = none, true = { its id, its service, its start }, a number = the same with that start (it
 * was rescheduled since the booking).
 */
type AppointmentTuple = [
  id: string,
  serviceId: string,
  customerId: string,
  start: number,
  end: number,
  status: AppointmentState['status'],
  bufferBeforeMinutes: number,
  bufferAfterMinutes: number,
  capacity: number,
  cancellationWindowHours: number,
  priceAmountMinor: number | null,
  priceCurrency: string | null,
  notes: string | null,
  idempotencyKey: string,
  bookedAt: number,
  cancelledAt: number | null,
  cancelledBy: string | null,
  cancelledByRole: AppointmentState['cancelledByRole'],
  cancellationReason: string | null,
  lateCancellation: boolean,
  owns: true | number | null,
];

interface HotSnapshot {
  status: 'Registered';
  providerId: string;
  ownerId: string;
  profile: RegisteredProviderState['profile'];
  services: ServiceState[];
  weeklyHours: readonly WeeklyHours[];
  overrides: ScheduleOverride[];
  appointments: AppointmentTuple[];
  /** Idempotency entries no live appointment owns and no archived one took along (rare). */
  idempotency: Array<[string, IdempotencyEntry]>;
}

/** One archive row: an ended appointment (by id) or an idempotency entry (by index key). */
export interface ArchiveRow {
  readonly kind: ArchiveKind;
  readonly key: string;
  readonly body: JsonValue;
}

interface AppointmentRowBody {
  appointment: AppointmentState;
  idempotency: { key: string; entry: IdempotencyEntry } | null;
}

interface IdempotencyRowBody {
  key: string;
  entry: IdempotencyEntry;
}

export interface EncodedSnapshot {
  /** The hot state. */
  readonly state: JsonValue;
  /** Fingerprints of everything archived, this snapshot's archive included; null when nothing is. */
  readonly fingerprints: Uint32Array | null;
  /** Rows to store with it: the ended appointments memory held. */
  readonly archive: readonly ArchiveRow[];
  /** What memory may let go of once this snapshot is stored (`withoutEnded`). */
  readonly archived: readonly EndedAppointment[];
}

/** The snapshot of `state`, whose archive so far holds what `fingerprints` name (null: nothing). */
export function encodeSnapshot(state: ProviderState, fingerprints: Uint32Array | null): EncodedSnapshot {
  if (state.status === 'Unregistered') return { state: { status: 'Unregistered' }, fingerprints: null, archive: [], archived: [] };
  const archived = endedAppointments(state);
  const taken = new Set<string>();
  for (const r of archived) if (r.idempotency !== null) taken.add(r.idempotency.key);
  const appointments: AppointmentTuple[] = [];
  for (const a of state.live.values()) {
    const key = idempotencyIndexKey(a.customerId, a.idempotencyKey);
    const entry = state.idempotency.get(key);
    const owned = entry !== undefined && entry.appointmentId === a.id && entry.serviceId === a.serviceId;
    if (owned) taken.add(key);
    appointments.push([
      a.id,
      a.serviceId,
      a.customerId,
      a.start,
      a.end,
      a.status,
      a.bufferBeforeMinutes,
      a.bufferAfterMinutes,
      a.capacity,
      a.cancellationWindowHours,
      a.price?.amountMinor ?? null,
      a.price?.currency ?? null,
      a.notes,
      a.idempotencyKey,
      a.bookedAt,
      a.cancelledAt,
      a.cancelledBy,
      a.cancelledByRole,
      a.cancellationReason,
      a.lateCancellation,
      !owned ? null : entry.start === a.start ? true : entry.start,
    ]);
  }
  const hot: HotSnapshot = {
    status: 'Registered',
    providerId: state.providerId,
    ownerId: state.ownerId,
    profile: state.profile,
    services: state.services.values(),
    weeklyHours: state.weeklyHours,
    overrides: state.overrides.values(),
    appointments,
    idempotency: state.idempotency.entries().filter(([key]) => !taken.has(key)),
  };
  const archive: ArchiveRow[] = [];
  for (const r of archived) {
    const body: AppointmentRowBody = { appointment: r.appointment, idempotency: r.idempotency };
    archive.push({ kind: 'appointment', key: r.appointment.id, body: body as unknown as JsonValue });
    if (r.idempotency !== null) {
      const idem: IdempotencyRowBody = { key: r.idempotency.key, entry: r.idempotency.entry };
      archive.push({ kind: 'idempotency', key: r.idempotency.key, body: idem as unknown as JsonValue });
    }
  }
  return {
    state: JSON.parse(JSON.stringify(hot)) as JsonValue,
    fingerprints: archived.length > 0 ? withFingerprints(fingerprints, fingerprintsOf(archived)) : fingerprints,
    archive,
    archived,
  };
}

/** The hot state: what memory holds after a cold load, until a command addresses something archived. */
export function decodeState(json: unknown): ProviderState {
  const s = json as HotSnapshot | { status: 'Unregistered' };
  if (s.status !== 'Registered') return { status: 'Unregistered' };
  const mapOf = <V>(entries: Iterable<readonly [string, V]>): PersistentMap<string, V> => PersistentMap.of(entries);
  const live: AppointmentState[] = [];
  const idempotency: Array<[string, IdempotencyEntry]> = [...s.idempotency];
  for (const t of s.appointments) {
    const a: AppointmentState = {
      id: t[0],
      serviceId: t[1],
      customerId: t[2],
      start: t[3],
      end: t[4],
      status: t[5],
      bufferBeforeMinutes: t[6],
      bufferAfterMinutes: t[7],
      capacity: t[8],
      cancellationWindowHours: t[9],
      price: t[11] === null ? null : { amountMinor: t[10] as number, currency: t[11] },
      notes: t[12],
      idempotencyKey: t[13],
      bookedAt: t[14],
      cancelledAt: t[15],
      cancelledBy: t[16],
      cancelledByRole: t[17],
      cancellationReason: t[18],
      lateCancellation: t[19],
    };
    live.push(a);
    const owns = t[20];
    if (owns !== null) idempotency.push([idempotencyIndexKey(a.customerId, a.idempotencyKey), { appointmentId: a.id, serviceId: a.serviceId, start: owns === true ? a.start : owns }]);
  }
  const byId = mapOf(live.map((x): [string, AppointmentState] => [x.id, x]));
  return {
    status: 'Registered',
    providerId: s.providerId,
    ownerId: s.ownerId,
    profile: s.profile,
    services: mapOf(s.services.map((x) => [x.id, x])),
    weeklyHours: s.weeklyHours,
    overrides: mapOf(s.overrides.map((x) => [x.id, x])),
    appointments: byId,
    live: LiveAppointments.of(live.filter((a) => isLive(a.status))),
    idempotency: mapOf(idempotency),
  };
}

/** An archived appointment row: the appointment and the idempotency entry it owns. */
export function decodeArchivedAppointment(body: unknown): EndedAppointment {
  const b = body as AppointmentRowBody;
  return { appointment: b.appointment, idempotency: b.idempotency };
}

/** An archived idempotency row: the entry under its index key. */
export function decodeArchivedIdempotency(body: unknown): { key: string; entry: IdempotencyEntry } {
  const b = body as IdempotencyRowBody;
  return { key: b.key, entry: b.entry };
}
