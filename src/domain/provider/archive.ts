/**
 * Appointments that ended — cancelled, completed, marked no-show — can never again change a decision
 * except by being found: a command that addresses one is refused (with the same code and message
 * whether the appointment is held or not), a booking whose idempotency key or appointment id it used
 * is answered from it. So a provider's hot state (profile, services, hours, overrides, live
 * appointments) is all a decision needs, plus a way to fetch an ended appointment on the rare command
 * that addresses one.
 *
 * A snapshot archives every ended appointment (with its idempotency entry) into rows of their own and
 * keeps in the state only an `ArchiveIndex`: 32-bit fingerprints of the archived appointment ids and
 * idempotency keys. Before deciding, the command handler asks `archiveLookups` which of the command's
 * keys memory does not hold but the archive may (a false positive only costs one lookup), fetches
 * those rows and puts them back with `withArchived`. Then `decide` sees exactly what it would have
 * seen in a state folded from the whole stream. After a snapshot is stored, `withoutArchived` drops
 * what it archived from memory, so a long-lived process stays as small as a fresh one.
 *
 * Pure: no I/O here; the handler does the fetching.
 */
import type { ProviderCommand } from './commands';
import {
  type AppointmentState,
  type IdempotencyEntry,
  type ProviderState,
  type RegisteredProviderState,
  idempotencyIndexKey,
  isLive,
  withAppointment,
} from './state';

/**
 * Which keys the archive may hold: sorted, distinct fingerprints (`fingerprint`) of every archived
 * appointment id and idempotency key. A state decoded from a snapshot starts with `fingerprints`
 * null — not read yet (they follow the snapshot, off the command's path): then any key may be
 * archived, and `pending` collects what this state archives meanwhile, until `withKnownFingerprints`.
 */
export interface ArchiveIndex {
  readonly fingerprints: Uint32Array | null;
  readonly pending: readonly number[];
}

/** The index of a snapshot's archive whose fingerprints are still to be read. */
export const UNREAD_ARCHIVE: ArchiveIndex = { fingerprints: null, pending: [] };

/** An ended appointment as archived: the appointment and the idempotency entry it owns, if any. */
export interface ArchivedAppointment {
  readonly appointment: AppointmentState;
  readonly idempotency: { readonly key: string; readonly entry: IdempotencyEntry } | null;
}

/** What a command may need from the archive: keys memory does not hold and the archive may. */
export interface ArchiveLookups {
  readonly appointmentIds: readonly string[];
  /** Idempotency index keys (`idempotencyIndexKey`). */
  readonly idempotencyKeys: readonly string[];
}

export type ArchiveKeyKind = 'appointment' | 'idempotency';

/** FNV-1a over the kind and the key's UTF-16 code units: stable across processes and versions. */
export function fingerprint(kind: ArchiveKeyKind, key: string): number {
  let h = kind === 'appointment' ? 0x811c9dc5 : 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** False when the key is certainly not archived; true when it may be. */
export function mayBeArchived(index: ArchiveIndex | null, kind: ArchiveKeyKind, key: string): boolean {
  if (index === null) return false;
  const a = index.fingerprints;
  if (a === null) return true;
  const target = fingerprint(kind, key);
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid] as number;
    if (v === target) return true;
    if (v < target) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** `index` with `added` fingerprints (any order, duplicates allowed). */
export function withFingerprints(index: ArchiveIndex | null, added: readonly number[]): ArchiveIndex {
  if (index !== null && index.fingerprints === null) return { fingerprints: null, pending: [...index.pending, ...added] };
  return { fingerprints: mergeFingerprints(index?.fingerprints ?? new Uint32Array(0), added), pending: [] };
}

/**
 * The archive's fingerprints, read (those of the snapshot this state started from, or of a newer one:
 * the archive only grows, so a newer set is a superset), joined with what the state archived since.
 */
export function withKnownFingerprints(state: ProviderState, fingerprints: Uint32Array): ProviderState {
  if (state.status !== 'Registered' || state.archive === null || state.archive.fingerprints !== null) return state;
  return { ...state, archive: { fingerprints: mergeFingerprints(fingerprints, state.archive.pending), pending: [] } };
}

/** True when the state knows what is archived well enough to write a snapshot of it. */
export const archiveKnown = (state: ProviderState): boolean => state.status !== 'Registered' || state.archive === null || state.archive.fingerprints !== null;

function mergeFingerprints(old: Uint32Array, added: readonly number[]): Uint32Array {
  const extra = Uint32Array.from(added).sort();
  const merged = new Uint32Array(old.length + extra.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < old.length || j < extra.length) {
    const v = j >= extra.length || (i < old.length && (old[i] as number) <= (extra[j] as number)) ? (old[i++] as number) : (extra[j++] as number);
    if (n === 0 || merged[n - 1] !== v) merged[n++] = v;
  }
  return merged.slice(0, n);
}

/** Fingerprints of what `records` archive. */
export function fingerprintsOf(records: readonly ArchivedAppointment[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    out.push(fingerprint('appointment', r.appointment.id));
    if (r.idempotency !== null) out.push(fingerprint('idempotency', r.idempotency.key));
  }
  return out;
}

/**
 * The archived keys `command` may look up (decide.ts is the reference): a booking its idempotency
 * key and appointment id; confirm, cancel, reschedule, complete and no-show their appointment.
 */
export function archiveLookups(state: ProviderState, command: ProviderCommand, actorId: string): ArchiveLookups | null {
  if (state.status !== 'Registered' || state.archive === null) return null;
  const appointmentIds: string[] = [];
  const idempotencyKeys: string[] = [];
  const appointment = (id: unknown): void => {
    if (typeof id === 'string' && !state.appointments.has(id) && mayBeArchived(state.archive, 'appointment', id)) appointmentIds.push(id);
  };
  switch (command.type) {
    case 'BookAppointment': {
      const { idempotencyKey, appointmentId } = command.data;
      if (typeof idempotencyKey === 'string') {
        const key = idempotencyIndexKey(actorId, idempotencyKey);
        if (!state.idempotency.has(key) && mayBeArchived(state.archive, 'idempotency', key)) idempotencyKeys.push(key);
      }
      appointment(appointmentId);
      break;
    }
    case 'ConfirmAppointment':
    case 'CancelAppointment':
    case 'RescheduleAppointment':
    case 'CompleteAppointment':
    case 'MarkNoShow':
      appointment(command.data.appointmentId);
      break;
    default:
      break;
  }
  return appointmentIds.length === 0 && idempotencyKeys.length === 0 ? null : { appointmentIds, idempotencyKeys };
}

const UPDATES = new Set(['AppointmentConfirmed', 'AppointmentCancelled', 'AppointmentRescheduled', 'AppointmentCompleted', 'AppointmentMarkedNoShow']);

/**
 * Appointments that recorded events about to be folded change and that may be archived. The decider
 * never writes such events (an ended appointment stays ended), but `evolve` applies whatever is
 * recorded, so a state missing them would fold a different history.
 */
export function archivedTargets(state: ProviderState, events: Iterable<{ readonly type: string; readonly data: unknown }>): string[] {
  if (state.status !== 'Registered' || state.archive === null) return [];
  const out: string[] = [];
  const booked = new Set<string>();
  for (const e of events) {
    if (e.type === 'AppointmentBooked') {
      const id = (e.data as { appointmentId?: unknown } | null)?.appointmentId;
      if (typeof id === 'string') booked.add(id);
      continue;
    }
    if (!UPDATES.has(e.type)) continue;
    const id = (e.data as { appointmentId?: unknown } | null)?.appointmentId;
    // Booked earlier among these events: held by the time this one is folded.
    if (typeof id === 'string' && !booked.has(id) && !state.appointments.has(id) && mayBeArchived(state.archive, 'appointment', id) && !out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * Archived appointments (and idempotency entries) back in memory. Memory wins: it is never older than
 * the archive.
 */
export function withArchived(
  state: RegisteredProviderState,
  records: readonly ArchivedAppointment[],
  entries: ReadonlyArray<{ readonly key: string; readonly entry: IdempotencyEntry }> = [],
): RegisteredProviderState {
  let next = state;
  for (const { appointment } of records) if (!next.appointments.has(appointment.id)) next = withAppointment(next, appointment);
  let { idempotency } = next;
  for (const { idempotency: owned } of records) if (owned !== null && !idempotency.has(owned.key)) idempotency = idempotency.set(owned.key, owned.entry);
  for (const { key, entry } of entries) if (!idempotency.has(key)) idempotency = idempotency.set(key, entry);
  return { ...next, idempotency };
}

/** The ended appointments memory holds, each with the idempotency entry it owns: what a snapshot archives. */
export function archivable(state: RegisteredProviderState): ArchivedAppointment[] {
  const out: ArchivedAppointment[] = [];
  for (const appointment of state.appointments.values()) {
    if (isLive(appointment.status)) continue;
    const key = idempotencyIndexKey(appointment.customerId, appointment.idempotencyKey);
    const entry = state.idempotency.get(key);
    out.push({ appointment, idempotency: entry !== undefined && entry.appointmentId === appointment.id ? { key, entry } : null });
  }
  return out;
}

/**
 * `records` are stored: memory lets go of each one it still holds unchanged (the very same objects),
 * and the index learns their fingerprints.
 */
export function withoutArchived(state: ProviderState, records: readonly ArchivedAppointment[]): ProviderState {
  if (state.status !== 'Registered' || records.length === 0) return state;
  let { appointments, idempotency } = state;
  for (const { appointment, idempotency: owned } of records) {
    if (appointments.get(appointment.id) === appointment) appointments = appointments.delete(appointment.id);
    if (owned !== null && idempotency.get(owned.key) === owned.entry) idempotency = idempotency.delete(owned.key);
  }
  return { ...state, appointments, idempotency, archive: withFingerprints(state.archive, fingerprintsOf(records)) };
}
