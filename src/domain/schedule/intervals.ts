import type { Interval } from './types';

/** Sorted, disjoint intervals; overlapping or touching ones become one, so working time has no seams. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && next.start <= last.end) {
      if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

/** `from` minus every interval of `cuts`; both sides may be in any order. */
export function subtractIntervals(from: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  let remaining = mergeIntervals(from);
  for (const cut of mergeIntervals(cuts)) {
    remaining = remaining.flatMap((i) => {
      if (cut.end <= i.start || cut.start >= i.end) return [i];
      const pieces: Interval[] = [];
      if (cut.start > i.start) pieces.push({ start: i.start, end: cut.start });
      if (cut.end < i.end) pieces.push({ start: cut.end, end: i.end });
      return pieces;
    });
  }
  return remaining;
}

/** The parts of sorted intervals that lie inside `window`. */
export function clipIntervals(intervals: readonly Interval[], window: Interval): Interval[] {
  const clipped: Interval[] = [];
  for (const i of intervals) {
    const start = Math.max(i.start, window.start);
    const end = Math.min(i.end, window.end);
    if (end > start) clipped.push({ start, end });
  }
  return clipped;
}

/** A window callers can compute with: finite bounds, positive length. Anything else is treated as empty. */
export function isUsableWindow(window: Interval): boolean {
  return Number.isFinite(window.start) && Number.isFinite(window.end) && window.end > window.start;
}
