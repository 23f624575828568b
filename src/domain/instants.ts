/**
 * The instants the system can hold, defined once: what a JavaScript Date represents (so formatting an
 * instant can never throw) and, on the early side, what PostgreSQL's timestamptz stores as well.
 */

/** Largest distance from the epoch, in ms, that a JavaScript Date holds (±275,760 years). */
export const MAX_INSTANT_MS = 8.64e15;

/**
 * Instants both a Date and PostgreSQL's timestamptz hold, epoch ms: from the first instant of year 1
 * (timestamptz goes back to 4713 BC, a Date much further) to the last a Date holds (timestamptz goes
 * on to 294276 AD).
 */
export const STORABLE_INSTANTS = { min: Date.parse('0001-01-01T00:00:00.000Z'), max: MAX_INSTANT_MS } as const;
