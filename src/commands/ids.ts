import { createHash } from 'node:crypto';

/** Namespace of Slotstream's name-based ids (an arbitrary fixed UUID). */
const NAMESPACE = Buffer.from('6f1d2c1e8a3b4f5a9c7d0e1f2a3b4c5d', 'hex');

/** RFC 4122 version-5 UUID: the same name always gives the same id. */
export function uuidFromName(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Ids of a booking derive from (provider, customer, idempotency key): a retried request decides the
 * same appointment id and the same event id, so EventStoreDB's (and our) duplicate detection of event
 * ids agrees with the decider's idempotency index even when two retries race.
 */
export function bookingIds(providerId: string, customerId: string, idempotencyKey: string): { appointmentId: string; eventId: string } {
  const name = JSON.stringify([providerId, customerId, idempotencyKey]);
  return { appointmentId: uuidFromName(`appointment:${name}`), eventId: uuidFromName(`booked-event:${name}`) };
}
