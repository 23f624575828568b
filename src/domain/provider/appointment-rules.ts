/**
 * Where an appointment may go: the bridge from provider state to the pure slot engine, and the
 * translation of its answers into domain errors.
 */
import { DomainError } from '../errors';
import { checkBooking } from '../schedule/slot-engine';
import type { ServiceRules, Slot } from '../schedule/types';
import { scheduleOf, toBusyAppointment, type AppointmentState, type RegisteredProviderState } from './state';

const MINUTE_MS = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The slot at `start` for `rules`, or a `DomainError` carrying the slot engine's reason
 * (OUTSIDE_AVAILABILITY, TOO_SOON, TOO_FAR_AHEAD, SLOT_TAKEN). `moving` is the appointment being
 * rescheduled: its current place must not count as taken by itself.
 */
export function requireBookableSlot(
  state: RegisteredProviderState,
  rules: ServiceRules,
  start: number,
  now: number,
  moving?: AppointmentState,
): Slot {
  // The live appointments that may meet the candidate's occupied range (the engine narrows them further).
  const from = start - Math.max(rules.bufferBeforeMinutes, 0) * MINUTE_MS;
  const to = start + 1 + (Math.max(rules.durationMinutes, 0) + Math.max(rules.bufferAfterMinutes, 0)) * MINUTE_MS;
  const busy = state.live
    .near(from, to)
    .filter((a) => a.id !== moving?.id)
    .map(toBusyAppointment);
  const check = checkBooking({ schedule: scheduleOf(state), service: rules, busy, now }, start);
  if (check.ok) return check.slot;
  const at = iso(start);
  switch (check.code) {
    case 'OUTSIDE_AVAILABILITY':
      throw new DomainError(check.code, `The provider does not offer this service at ${at}`, { start: at });
    case 'TOO_SOON':
      throw new DomainError(
        check.code,
        `${at} is too soon: this service needs ${rules.minNoticeMinutes} minutes' notice`,
        { start: at, minNoticeMinutes: rules.minNoticeMinutes },
      );
    case 'TOO_FAR_AHEAD':
      throw new DomainError(
        check.code,
        `${at} is too far ahead: this service can be booked at most ${rules.maxAdvanceDays} days ahead`,
        { start: at, maxAdvanceDays: rules.maxAdvanceDays },
      );
    case 'SLOT_TAKEN':
      throw new DomainError(check.code, `${at} is already taken`, { start: at });
    default: {
      const _exhaustive: never = check.code;
      throw new DomainError('OUTSIDE_AVAILABILITY', `Unexpected slot check result ${String(_exhaustive)}`);
    }
  }
}

/**
 * The rules to move `appointment` by: the service's current grid, notice and advance limits, but the
 * appointment's own length, buffers and capacity. Those stay as booked (a reschedule event carries
 * only the new start and end), so they are what the appointment will occupy at its new time; checking
 * with anything else could let it overlap a neighbour.
 */
export function rulesForMove(current: ServiceRules, appointment: AppointmentState): ServiceRules {
  return {
    ...current,
    durationMinutes: Math.round((appointment.end - appointment.start) / MINUTE_MS),
    bufferBeforeMinutes: appointment.bufferBeforeMinutes,
    bufferAfterMinutes: appointment.bufferAfterMinutes,
    capacity: appointment.capacity,
  };
}
