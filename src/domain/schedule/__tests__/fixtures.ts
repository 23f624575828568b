/** Builders for slot-engine tests: schedules read like a provider's settings, instants like ISO strings. */
import { DateTime } from 'luxon';
import type { SlotEngineInput } from '../slot-engine';
import type {
  BusyAppointment,
  Interval,
  LocalWindow,
  ProviderSchedule,
  ScheduleOverride,
  ServiceRules,
  Slot,
  Weekday,
} from '../types';

/** Epoch ms of an ISO instant with an explicit offset or `Z`. */
export function at(isoInstant: string): number {
  const parsed = DateTime.fromISO(isoInstant, { setZone: true });
  if (!parsed.isValid || !/(Z|[+-]\d\d:\d\d)$/.test(isoInstant)) throw new TypeError(`not an ISO instant: ${isoInstant}`);
  return parsed.toMillis();
}

/** `2027-03-28T07:00:00Z` for epoch ms: expectations stay readable as UTC instants. */
export function iso(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? `invalid(${ms})`;
}

export const isoOf = (intervals: readonly Interval[]): string[] => intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`);
export const startsOf = (slots: readonly Slot[]): string[] => slots.map((s) => iso(s.start));

/** An ISO interval `start/end` as epoch ms. */
export function span(isoInterval: string): Interval {
  const [start, end] = isoInterval.split('/');
  if (start === undefined || end === undefined) throw new TypeError(`not an ISO interval: ${isoInterval}`);
  return { start: at(start), end: at(end) };
}

/** `'09:00-17:00'` → a local window. */
export function window(text: string): LocalWindow {
  const [start, end] = text.split('-');
  if (start === undefined || end === undefined) throw new TypeError(`not a window: ${text}`);
  return { start, end };
}

export type WeekPlan = Partial<Record<Weekday, readonly string[]>>;

export const EVERY_DAY = (...windows: string[]): WeekPlan => ({
  MONDAY: windows,
  TUESDAY: windows,
  WEDNESDAY: windows,
  THURSDAY: windows,
  FRIDAY: windows,
  SATURDAY: windows,
  SUNDAY: windows,
});

export function schedule(timeZone: string, week: WeekPlan, overrides: readonly ScheduleOverride[] = []): ProviderSchedule {
  return {
    timeZone,
    weeklyHours: Object.entries(week).map(([weekday, windows]) => ({
      weekday: weekday as Weekday,
      windows: (windows ?? []).map(window),
    })),
    overrides,
  };
}

let overrideSeq = 0;
export function blockedDay(date: string): ScheduleOverride {
  overrideSeq += 1;
  return { id: `ovr-${overrideSeq}`, date, blocked: true, windows: [], reason: 'closed' };
}
export function blocked(date: string, ...windows: string[]): ScheduleOverride {
  overrideSeq += 1;
  return { id: `ovr-${overrideSeq}`, date, blocked: true, windows: windows.map(window), reason: null };
}
export function extra(date: string, ...windows: string[]): ScheduleOverride {
  overrideSeq += 1;
  return { id: `ovr-${overrideSeq}`, date, blocked: false, windows: windows.map(window), reason: null };
}

export function service(rules: Partial<ServiceRules> = {}): ServiceRules {
  return {
    id: 'svc-consult',
    durationMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    slotIntervalMinutes: 60,
    minNoticeMinutes: 0,
    maxAdvanceDays: 365,
    capacity: 1,
    ...rules,
  };
}

let appointmentSeq = 0;
/** A live appointment `start/end` (ISO interval) of `serviceId`. */
export function booked(
  isoInterval: string,
  details: Partial<Omit<BusyAppointment, 'start' | 'end'>> = {},
): BusyAppointment {
  appointmentSeq += 1;
  const { start, end } = span(isoInterval);
  return {
    appointmentId: `apt-${appointmentSeq}`,
    serviceId: 'svc-consult',
    start,
    end,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    capacity: 1,
    ...details,
  };
}

/** A request made long before the dates under test, so notice and advance limits stay out of the way. */
export function input(
  providerSchedule: ProviderSchedule,
  rules: Partial<ServiceRules> = {},
  busy: readonly BusyAppointment[] = [],
  now = at('2027-01-01T00:00:00Z'),
): SlotEngineInput {
  return { schedule: providerSchedule, service: service(rules), busy, now };
}
