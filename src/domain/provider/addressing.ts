/**
 * What commands and events address by id: the entity a command acts on, the entities an event
 * brings into being, and every key a command looks up. Pure; decide.ts is the reference for each.
 * The write side uses them to find a command's stream (an index of entity -> stream, written for
 * the entities events create) and to fetch what a command needs from a snapshot's archive.
 */
import { type ProviderCommand, isAppointmentCommand } from './commands';
import type { ProviderEvent } from './events';
import { idempotencyIndexKey } from './state';

/** The existing entity `command` acts on (an appointment today), or null for a command on the provider itself. */
export function subjectOf(command: ProviderCommand): string | null {
  return isAppointmentCommand(command) ? command.data.appointmentId : null;
}

/**
 * Ids of the entities `event` brings into being that commands later address by id alone (an
 * appointment today; series, holds and waitlist entries will be).
 */
export function entitiesCreatedBy(event: ProviderEvent): string[] {
  return event.type === 'AppointmentBooked' ? [event.data.appointmentId] : [];
}

/** Keys a command looks up in the state: appointment ids and idempotency index keys (`idempotencyIndexKey`). */
export interface AddressedKeys {
  readonly appointmentIds: readonly string[];
  readonly idempotencyKeys: readonly string[];
}

/**
 * Every key `command` (sent by `actorId`) looks up: a booking its idempotency key (did this request
 * succeed before?) and its appointment id (is it taken?); an appointment command its appointment.
 * Values of the wrong type look nothing up: the decider refuses them.
 */
export function keysAddressedBy(command: ProviderCommand, actorId: string): AddressedKeys {
  if (command.type === 'BookAppointment') {
    const { idempotencyKey, appointmentId } = command.data as { idempotencyKey: unknown; appointmentId: unknown };
    return {
      appointmentIds: typeof appointmentId === 'string' ? [appointmentId] : [],
      idempotencyKeys: typeof idempotencyKey === 'string' ? [idempotencyIndexKey(actorId, idempotencyKey)] : [],
    };
  }
  const subject = subjectOf(command) as unknown;
  return { appointmentIds: typeof subject === 'string' ? [subject] : [], idempotencyKeys: [] };
}

const UPDATES: ReadonlySet<string> = new Set(['AppointmentConfirmed', 'AppointmentCancelled', 'AppointmentRescheduled', 'AppointmentCompleted', 'AppointmentMarkedNoShow']);

/**
 * Appointments that recorded `events` change without booking them first (among these events), in
 * order of appearance, each once. Typed loosely: recorded events are facts of any shape.
 */
export function appointmentsUpdatedBy(events: Iterable<{ readonly type: string; readonly data: unknown }>): string[] {
  const out: string[] = [];
  const booked = new Set<string>();
  for (const e of events) {
    const id = (e.data as { appointmentId?: unknown } | null)?.appointmentId;
    if (typeof id !== 'string') continue;
    if (e.type === 'AppointmentBooked') booked.add(id);
    else if (UPDATES.has(e.type) && !booked.has(id) && !out.includes(id)) out.push(id);
  }
  return out;
}
