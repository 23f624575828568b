/**
 * Appointments that ended — cancelled, completed, marked no-show — can never again change a decision
 * except by being found: a command that addresses one is refused (with the same code and message
 * whether the appointment is held or not), and a booking whose idempotency key or appointment id it
 * used is answered from it. So a state without its ended appointments (and the idempotency entries
 * they own) decides every command exactly as the whole state does, once the ended appointments the
 * command addresses are put back.
 *
 * These pure functions are all the domain says about it: which ended appointments a state holds,
 * the state without some of them, which keys a command (or recorded events) address that a state
 * does not hold, and the state with ended appointments restored. Where ended appointments are kept
 * meanwhile, and how the write side knows which ones exist, is storage (src/commands).
 */
import { type AddressedKeys, appointmentsUpdatedBy, keysAddressedBy } from './addressing';
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

/** An ended appointment with the idempotency entry it owns, if any. */
export interface EndedAppointment {
  readonly appointment: AppointmentState;
  readonly idempotency: { readonly key: string; readonly entry: IdempotencyEntry } | null;
}

/** The ended appointments `state` holds, each with the idempotency entry it owns. */
export function endedAppointments(state: RegisteredProviderState): EndedAppointment[] {
  const out: EndedAppointment[] = [];
  for (const appointment of state.appointments.values()) {
    if (isLive(appointment.status)) continue;
    const key = idempotencyIndexKey(appointment.customerId, appointment.idempotencyKey);
    const entry = state.idempotency.get(key);
    out.push({ appointment, idempotency: entry !== undefined && entry.appointmentId === appointment.id ? { key, entry } : null });
  }
  return out;
}

/**
 * `state` without `records`: each one it still holds unchanged (the very same objects) is let go of;
 * one that changed since (a recorded event touched it) stays.
 */
export function withoutEnded(state: ProviderState, records: readonly EndedAppointment[]): ProviderState {
  if (state.status !== 'Registered' || records.length === 0) return state;
  let { appointments, idempotency } = state;
  for (const { appointment, idempotency: owned } of records) {
    if (appointments.get(appointment.id) === appointment) appointments = appointments.delete(appointment.id);
    if (owned !== null && idempotency.get(owned.key) === owned.entry) idempotency = idempotency.delete(owned.key);
  }
  return { ...state, appointments, idempotency };
}

/** The keys `command` (sent by `actorId`) addresses that `state` does not hold: what may have to be restored. */
export function keysNotHeld(state: RegisteredProviderState, command: ProviderCommand, actorId: string): AddressedKeys {
  const { appointmentIds, idempotencyKeys } = keysAddressedBy(command, actorId);
  return {
    appointmentIds: appointmentIds.filter((id) => !state.appointments.has(id)),
    idempotencyKeys: idempotencyKeys.filter((key) => !state.idempotency.has(key)),
  };
}

/**
 * Appointments recorded `events` update that `state` does not hold. The decider never writes such
 * events (an ended appointment stays ended), but `evolve` applies whatever is recorded, so a state
 * missing them would fold a different history.
 */
export function updatedNotHeld(state: RegisteredProviderState, events: Iterable<{ readonly type: string; readonly data: unknown }>): string[] {
  return appointmentsUpdatedBy(events).filter((id) => !state.appointments.has(id));
}

/** `state` with ended appointments (and idempotency entries) back. What it holds wins: it is never older. */
export function withEndedRestored(
  state: RegisteredProviderState,
  records: readonly EndedAppointment[],
  entries: ReadonlyArray<{ readonly key: string; readonly entry: IdempotencyEntry }> = [],
): RegisteredProviderState {
  let next = state;
  for (const { appointment } of records) if (!next.appointments.has(appointment.id)) next = withAppointment(next, appointment);
  let { idempotency } = next;
  for (const { idempotency: owned } of records) if (owned !== null && !idempotency.has(owned.key)) idempotency = idempotency.set(owned.key, owned.entry);
  for (const { key, entry } of entries) if (!idempotency.has(key)) idempotency = idempotency.set(key, entry);
  return { ...next, idempotency };
}
