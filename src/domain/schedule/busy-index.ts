import type { BusyAppointment, Interval } from './types';
import { MINUTE_MS } from './zone-clock';

/** What a candidate runs into: other appointments it overlaps, and seats already sold in its own session. */
export interface Occupancy {
  /** True when an appointment other than a seat in the same session overlaps the candidate. */
  readonly conflict: boolean;
  /** Bookings of the candidate's service at exactly the candidate's start (one class session). */
  readonly seatsTaken: number;
}

/** Where an appointment keeps the provider busy: the appointment plus its own buffers. */
export function occupiedRange(b: BusyAppointment): Interval {
  return { start: b.start - b.bufferBeforeMinutes * MINUTE_MS, end: b.end + b.bufferAfterMinutes * MINUTE_MS };
}

/** Count of values in a sorted array that are < `bound` (or <= when `inclusive`). */
function countBelow(sorted: Float64Array, bound: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const value = sorted[mid] ?? Number.POSITIVE_INFINITY;
    if (value < bound || (inclusive && value === bound)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Busy appointments prepared for O(log n) conflict questions.
 *
 * The number of occupied ranges overlapping [qs, qe) is #(start < qe) − #(end <= qs): every range ending
 * at or before qs also starts before qe. Two sorted arrays answer that without walking appointments, so
 * one long appointment can never make later lookups slow.
 */
export class BusyIndex {
  private constructor(
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    /** Same-service appointments by start: the only ones that may share a candidate's time. */
    private readonly sessions: ReadonlyMap<number, readonly Interval[]>,
  ) {}

  /**
   * Keeps only appointments whose occupied range meets `relevant` (where candidates' occupied ranges
   * lie), so sorting cost follows the queried window rather than the provider's whole diary.
   */
  static build(busy: readonly BusyAppointment[], serviceId: string, relevant: Interval): BusyIndex {
    const starts: number[] = [];
    const ends: number[] = [];
    const sessions = new Map<number, Interval[]>();
    for (const b of busy) {
      const range = occupiedRange(b);
      // An empty or unreadable range occupies nothing; it can still hold a seat in its session.
      const occupies = range.end > range.start;
      if (occupies && range.start < relevant.end && range.end > relevant.start) {
        starts.push(range.start);
        ends.push(range.end);
      }
      if (b.serviceId === serviceId && b.start >= relevant.start && b.start <= relevant.end) {
        const session = sessions.get(b.start);
        if (session === undefined) sessions.set(b.start, [range]);
        else session.push(range);
      }
    }
    return new BusyIndex(Float64Array.from(starts).sort(), Float64Array.from(ends).sort(), sessions);
  }

  /** Occupancy of a candidate starting at `start` whose occupied range (with its buffers) is `occupied`. */
  occupancy(start: number, occupied: Interval): Occupancy {
    const overlapping =
      countBelow(this.starts, occupied.end, false) - countBelow(this.ends, occupied.start, true);
    const session = this.sessions.get(start) ?? [];
    const sharing = session.filter((r) => r.end > r.start && r.start < occupied.end && r.end > occupied.start).length;
    return { conflict: overlapping > sharing, seatsTaken: session.length };
  }
}
