/**
 * The pure slot engine: where a service can be booked, given a provider's schedule, its live
 * appointments and the current time. No I/O and no clock of its own, so deciders and read models
 * asking the same question always get the same answer.
 *
 * Candidate starts step from the start of each merged working interval, and that grid never depends on
 * the asked window (see slot-grid.ts for the one exception: working time that runs unbroken for more
 * than a week restarts its grid at local Monday midnight). That is what lets `checkBooking` look at a
 * single instant and still agree with a month-long `listSlots`.
 */
import { BusyIndex } from './busy-index';
import { isUsableWindow } from './intervals';
import { candidateStarts, type GridRules } from './slot-grid';
import type { BusyAppointment, Interval, ProviderSchedule, ServiceRules, Slot } from './types';
import { WorkingCalendar } from './working-time';
import { MINUTE_MS } from './zone-clock';

export { workingIntervals } from './working-time';

export interface SlotEngineInput {
  readonly schedule: ProviderSchedule;
  readonly service: ServiceRules;
  readonly busy: readonly BusyAppointment[]; // live appointments of the provider (any service), any order
  readonly now: number; // epoch ms
}

export type BookingCheck =
  | { readonly ok: true; readonly slot: Slot }
  | { readonly ok: false; readonly code: 'OUTSIDE_AVAILABILITY' | 'TOO_SOON' | 'TOO_FAR_AHEAD' | 'SLOT_TAKEN' };

/** Everything about one request that does not depend on the candidate instant. */
interface Context {
  readonly calendar: WorkingCalendar;
  readonly grid: GridRules;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  /** Bookable starts are in [earliest, latest], both inclusive. */
  readonly earliest: number;
  readonly latest: number;
  readonly capacity: number;
  readonly serviceId: string;
}

/** Null when nothing can ever be bookable (unknown zone, non-positive duration or step). */
function contextOf(input: SlotEngineInput): Context | null {
  const calendar = WorkingCalendar.of(input.schedule);
  const { service } = input;
  const durationMs = service.durationMinutes * MINUTE_MS;
  const stepMs = service.slotIntervalMinutes * MINUTE_MS;
  if (calendar === null || !(durationMs > 0) || !(stepMs > 0) || !Number.isFinite(input.now)) return null;
  return {
    calendar,
    grid: { durationMs, stepMs },
    bufferBeforeMs: service.bufferBeforeMinutes * MINUTE_MS,
    bufferAfterMs: service.bufferAfterMinutes * MINUTE_MS,
    earliest: input.now + service.minNoticeMinutes * MINUTE_MS,
    // Calendar days in the provider's zone: "30 days ahead" at 10:00 stays 10:00 local across DST.
    latest: calendar.clock.plusDays(input.now, service.maxAdvanceDays),
    capacity: service.capacity,
    serviceId: service.id,
  };
}

/** Busy appointments that could meet any candidate starting in [from, until). */
function busyIndexFor(ctx: Context, busy: readonly BusyAppointment[], from: number, until: number): BusyIndex {
  const relevant = {
    start: from - Math.max(ctx.bufferBeforeMs, 0),
    end: until + ctx.grid.durationMs + Math.max(ctx.bufferAfterMs, 0),
  };
  return BusyIndex.build(busy, ctx.serviceId, relevant);
}

/** The slot at `start`, or null when another appointment is in the way or every seat is sold. */
function freeSlotAt(ctx: Context, index: BusyIndex, start: number): Slot | null {
  const end = start + ctx.grid.durationMs;
  const { conflict, seatsTaken } = index.occupancy(start, {
    start: start - ctx.bufferBeforeMs,
    end: end + ctx.bufferAfterMs,
  });
  const seatsLeft = ctx.capacity - seatsTaken;
  return conflict || seatsLeft <= 0 ? null : { start, end, seatsLeft };
}

/** Bookable slots whose start lies in [window.start, window.end), ascending, each with seatsLeft >= 1. */
export function listSlots(input: SlotEngineInput, window: Interval): Slot[] {
  const ctx = contextOf(input);
  if (ctx === null || !isUsableWindow(window)) return [];
  // Narrowing to the bookable horizon is safe: the candidate grid does not depend on the window.
  const bookable = { start: Math.max(window.start, ctx.earliest), end: Math.min(window.end, ctx.latest + 1) };
  if (!isUsableWindow(bookable)) return [];
  const index = busyIndexFor(ctx, input.busy, bookable.start, bookable.end);
  const slots: Slot[] = [];
  for (const start of candidateStarts(ctx.calendar, ctx.grid, bookable)) {
    if (start < ctx.earliest || start > ctx.latest) continue;
    const slot = freeSlotAt(ctx, index, start);
    if (slot !== null) slots.push(slot);
  }
  return slots;
}

/** Can `start` (epoch ms) be booked for input.service? Same rules as listSlots — one implementation. */
export function checkBooking(input: SlotEngineInput, start: number): BookingCheck {
  const ctx = contextOf(input);
  if (ctx === null || !Number.isFinite(start)) return { ok: false, code: 'OUTSIDE_AVAILABILITY' };
  if (!candidateStarts(ctx.calendar, ctx.grid, { start, end: start + 1 }).includes(start)) {
    return { ok: false, code: 'OUTSIDE_AVAILABILITY' };
  }
  if (start < ctx.earliest) return { ok: false, code: 'TOO_SOON' };
  if (start > ctx.latest) return { ok: false, code: 'TOO_FAR_AHEAD' };
  const slot = freeSlotAt(ctx, busyIndexFor(ctx, input.busy, start, start + 1), start);
  return slot === null ? { ok: false, code: 'SLOT_TAKEN' } : { ok: true, slot };
}
