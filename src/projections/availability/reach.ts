/**
 * How far a slot's occupied range can reach beyond its start, and an appointment's into a window
 * from outside it: the longest duration plus the longest buffer the decider allows a service
 * (validation.ts, LIMITS). Availability loads busy intervals this far around a window; the change
 * feed matches changes this far around a subscriber's window.
 */
import { LIMITS } from '../../domain/provider/validation';

export const AVAILABILITY_REACH_MS = (LIMITS.durationMinutes.max + LIMITS.bufferMinutes.max) * 60_000;
