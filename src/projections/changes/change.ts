import { AVAILABILITY_REACH_MS } from '../availability/reach';

/**
 * What the read side tells the rest of the system after a projection commits: which provider's free
 * slots may have changed, which appointment changed, and when a rebuild replaced a read model.
 */
export type ReadModelChange = AvailabilityChange | AppointmentChange | ResetChange;

/**
 * A provider's free slots may differ in `[from, to)`: the occupied ranges (appointments with their
 * buffers) that were taken or freed. `from`/`to` null = anything of the provider may differ (hours,
 * overrides, services or the time zone changed).
 *
 * A slot is affected when its own occupied range (start - bufferBefore, end + bufferAfter) meets
 * `[from, to)`; `availabilityChangeAffects` answers that for a subscriber's window.
 */
export interface AvailabilityChange {
  readonly kind: 'availability';
  readonly providerId: string;
  readonly from: Date | null;
  readonly to: Date | null;
}

/** An appointment was booked or changed; customer and owner say who should hear about it. */
export interface AppointmentChange {
  readonly kind: 'appointment';
  readonly appointmentId: string;
  readonly providerId: string;
  readonly customerId: string;
  readonly ownerId: string;
}

/** A rebuild swapped in a new copy of a projection's read model: every cached answer may be stale. */
export interface ResetChange {
  readonly kind: 'reset';
  readonly projection: string;
}


/**
 * Whether an availability change can alter the slots a subscriber watches: slot starts in
 * `[from, to)` of one provider. `reachMs` is how far a slot's occupied range can reach beyond its
 * start window (buffer before; duration plus buffer after): pass the watched service's own figure
 * for precision, or keep the default that covers every service.
 */
export function availabilityChangeAffects(
  change: ReadModelChange,
  watched: { readonly providerId: string; readonly from: Date; readonly to: Date },
  reachMs = AVAILABILITY_REACH_MS,
): boolean {
  if (change.kind === 'reset') return true;
  if (change.kind !== 'availability' || change.providerId !== watched.providerId) return false;
  if (change.from === null || change.to === null) return true;
  return change.from.getTime() < watched.to.getTime() + reachMs && change.to.getTime() > watched.from.getTime() - reachMs;
}
