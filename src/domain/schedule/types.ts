/**
 * Shapes shared by the slot engine, the provider decider and the read side.
 *
 * Instants are epoch milliseconds (UTC) inside the domain: cheap to compare and free of time-zone
 * ambiguity. Local wall-clock values (weekly hours, override dates) stay strings in the provider's
 * IANA zone until the slot engine turns them into instants with luxon.
 */

export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:mm`, 24h. `end` may be `24:00` (the following midnight); `end` must be after `start`. */
export interface LocalWindow {
  readonly start: string;
  readonly end: string;
}

export interface WeeklyHours {
  readonly weekday: Weekday;
  readonly windows: readonly LocalWindow[];
}

/**
 * A date-specific change to the weekly pattern, on a calendar date in the provider's zone (`YYYY-MM-DD`).
 * - `blocked: true`, no windows: the whole day is closed.
 * - `blocked: true`, windows: those local ranges are closed; the rest of the day keeps its weekly hours.
 * - `blocked: false`, windows: extra working time on that date (also on a day that is normally closed).
 */
export interface ScheduleOverride {
  readonly id: string;
  readonly date: string;
  readonly blocked: boolean;
  readonly windows: readonly LocalWindow[];
  readonly reason: string | null;
}

export interface ProviderSchedule {
  readonly timeZone: string;
  readonly weeklyHours: readonly WeeklyHours[];
  readonly overrides: readonly ScheduleOverride[];
}

/** The parts of a service that decide where it can be booked. */
export interface ServiceRules {
  readonly id: string;
  readonly durationMinutes: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly slotIntervalMinutes: number;
  readonly minNoticeMinutes: number;
  readonly maxAdvanceDays: number;
  /** 1 = one-to-one; more = a class whose bookings at the same start share seats. */
  readonly capacity: number;
}

/** A live (PENDING or CONFIRMED) appointment as the slot engine sees it. */
export interface BusyAppointment {
  readonly appointmentId: string;
  readonly serviceId: string;
  readonly start: number;
  readonly end: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  /** Capacity of the appointment's service at booking time (seats shared by bookings at one start). */
  readonly capacity: number;
}

export interface Slot {
  readonly start: number;
  readonly end: number;
  readonly seatsLeft: number;
}

/** Half-open UTC interval `[start, end)` in epoch ms. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}
