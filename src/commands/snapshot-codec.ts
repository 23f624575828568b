/**
 * Provider state <-> JSON, for snapshots. Bump SNAPSHOT_SCHEMA_VERSION whenever the shape changes:
 * older snapshots are then ignored and the stream is replayed, never misread.
 *
 * Version 2 splits a snapshot in three (domain/provider/archive.ts explains why):
 * - the hot state, the one row a cold load waits for: profile, services, hours, overrides and the
 *   live appointments (compact tuples, each with the idempotency entry it owns). Its size follows
 *   what decisions need, not the history: a ten-year-old provider's is about a new one's.
 * - the fingerprints of everything archived (four bytes per archived appointment id or idempotency
 *   key), one row read after the hot state, off the command's path;
 * - archive rows, one per ended appointment and one per idempotency key it owns, written with the
 *   snapshot that archives them and read only when a command addresses one.
 */
import { endianness } from 'node:os';
import type { JsonValue } from '../events/event-store';
import {
  type AppointmentState,
  type ArchiveKeyKind,
  type ArchivedAppointment,
  type IdempotencyEntry,
  PersistentMap,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  UNREAD_ARCHIVE,
  archivable,
  archiveKnown,
  fingerprintsOf,
  idempotencyIndexKey,
  indexLive,
  isLive,
  withFingerprints,
} from '../domain/provider';
import type { ScheduleOverride, WeeklyHours } from '../domain/schedule/types';

export const SNAPSHOT_SCHEMA_VERSION = 2;

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
  /** Whether anything was archived: then its fingerprints are in the filter row. */
  archived: boolean;
}

/** One archive row: an ended appointment (by id) or an idempotency entry (by index key). */
export interface ArchiveRow {
  readonly kind: ArchiveKeyKind;
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
  /** The hot state (StoredSnapshot.state). */
  readonly state: JsonValue;
  /** Fingerprints of everything archived, with this snapshot's archive; null when nothing is. */
  readonly filter: string | null;
  /** Rows to store with it: the ended appointments memory held. */
  readonly archive: readonly ArchiveRow[];
  /** What memory may let go of once this snapshot is stored (`withoutArchived`). */
  readonly archived: readonly ArchivedAppointment[];
}

/** The snapshot of `state`; it must know its archive (`archiveKnown`). */
export function encodeSnapshot(state: ProviderState): EncodedSnapshot {
  if (state.status === 'Unregistered') return { state: { status: 'Unregistered' }, filter: null, archive: [], archived: [] };
  if (!archiveKnown(state)) throw new Error('a snapshot needs the archive fingerprints of the state it stores');
  const archived = archivable(state);
  const taken = new Set<string>();
  for (const r of archived) if (r.idempotency !== null) taken.add(r.idempotency.key);
  const index = archived.length > 0 ? withFingerprints(state.archive, fingerprintsOf(archived)) : state.archive;
  const appointments: AppointmentTuple[] = [];
  for (const a of state.liveAppointmentsById.values()) {
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
    archived: index !== null,
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
    filter: index?.fingerprints ? encodeFingerprints(index.fingerprints) : null,
    archive,
    archived,
  };
}

/** The hot state; its archive fingerprints (if anything was archived) are still to be read. */
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
    liveAppointmentsById: mapOf(live.filter((a) => isLive(a.status)).map((x): [string, AppointmentState] => [x.id, x])),
    ...indexLive(live.filter((a) => isLive(a.status))),
    idempotency: mapOf(idempotency),
    archive: s.archived ? UNREAD_ARCHIVE : null,
  };
}

/** An archived appointment row: the appointment and the idempotency entry it owns. */
export function decodeArchivedAppointment(body: unknown): ArchivedAppointment {
  const b = body as AppointmentRowBody;
  return { appointment: b.appointment, idempotency: b.idempotency };
}

/** An archived idempotency row: the entry under its index key. */
export function decodeArchivedIdempotency(body: unknown): { key: string; entry: IdempotencyEntry } {
  const b = body as IdempotencyRowBody;
  return { key: b.key, entry: b.entry };
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Fingerprints as stored in the filter row: sorted uint32, little-endian, base64. */
export function encodeFingerprints(values: Uint32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  const buf = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32LE(v, i * 4));
  return buf.toString('base64');
}

export function decodeFingerprints(text: string): Uint32Array {
  const buf = Buffer.from(text, 'base64');
  const out = new Uint32Array(buf.length >>> 2);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf.subarray(0, out.length * 4));
  else for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}
