/**
 * The instants and dates the API accepts: years 0001 to 9998. Whatever is derived from an accepted
 * instant — a slot's end, the few days around a window that availability loads, the local date after
 * an override, a maximum-advance horizon — then stays inside what the answers' four-digit years can
 * write (and far inside what PostgreSQL holds), so a far-future input is a clear VALIDATION_FAILED at
 * the door instead of an internal error deep inside (year 9999 used to fail availableSlots and analytics).
 */
export const FIRST_ACCEPTED_INSTANT = Date.parse('0001-01-01T00:00:00Z');
/** Exclusive: 9999-01-01T00:00:00Z. */
export const END_OF_ACCEPTED_INSTANTS = Date.UTC(9999, 0, 1);
export const FIRST_ACCEPTED_DATE = '0001-01-01';
export const LAST_ACCEPTED_DATE = '9998-12-31';

export const isAcceptedInstant = (ms: number): boolean => ms >= FIRST_ACCEPTED_INSTANT && ms < END_OF_ACCEPTED_INSTANTS;

/** For a well-formed `YYYY-MM-DD` date (four-digit years compare as text). */
export const isAcceptedDate = (date: string): boolean => date >= FIRST_ACCEPTED_DATE && date <= LAST_ACCEPTED_DATE;
