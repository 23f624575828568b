/**
 * How many appointments one customer may hold with one provider: live (PENDING or CONFIRMED) ones
 * that have not ended yet. Without it one customer could book out a whole calendar in seconds. The
 * limit comes with the command (`BookAppointment.data.maxLiveBookings`, filled by the API from the
 * configuration); a command without one (a reactor, a script) is not limited here.
 */
import { DomainError } from '../errors';
import type { AppointmentState } from './state';

export function requireBelowLiveBookingLimit(
  live: readonly Pick<AppointmentState, 'customerId' | 'end'>[],
  customerId: string,
  now: number,
  limit: number | undefined,
): void {
  if (limit === undefined) return;
  let held = 0;
  for (const a of live) {
    if (a.customerId === customerId && a.end > now && ++held >= limit) {
      throw new DomainError('BOOKING_LIMIT_REACHED', `You hold ${limit} upcoming appointments with this provider, the most allowed; cancel one to book another`, { limit });
    }
  }
}
