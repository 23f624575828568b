/**
 * Properties that must hold for any schedule in any zone, generated around DST changes so the odd days
 * (skipped and repeated hours, 45-minute offsets, the date line) are the common case, not the rare one.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { at, iso } from './__tests__/fixtures';
import { occupiedRange } from './busy-index';
import { checkBooking, listSlots, workingIntervals, type SlotEngineInput } from './slot-engine';
import { WEEKDAYS, type BusyAppointment, type Interval, type LocalWindow, type ScheduleOverride, type ServiceRules } from './types';

const MINUTE = 60_000;
const DAY = 86_400_000;

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'Pacific/Auckland', 'UTC'];
/** DST days of the zones above in 2027, plus an ordinary date. */
const DATES = ['2027-03-14', '2027-03-28', '2027-04-04', '2027-09-26', '2027-10-03', '2027-10-31', '2027-11-07', '2027-06-15'];

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Windows on a 5-minute grid, with round-the-clock days now and then so chains across midnight occur. */
const localWindow: fc.Arbitrary<LocalWindow> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 288 }), fc.integer({ min: 0, max: 288 })) },
  { weight: 1, arbitrary: fc.constant<[number, number]>([0, 288]) },
)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ start: hhmm(Math.min(a, b) * 5), end: hhmm(Math.max(a, b) * 5) }));

const weeklyHours = fc
  .array(fc.array(localWindow, { maxLength: 3 }), { minLength: 7, maxLength: 7 })
  .map((days) => days.map((windows, i) => ({ weekday: WEEKDAYS[i] ?? 'MONDAY', windows })));

const override = (anchor: string): fc.Arbitrary<ScheduleOverride> =>
  fc
    .record({
      dayOffset: fc.integer({ min: -2, max: 3 }),
      blocked: fc.boolean(),
      windows: fc.array(localWindow, { maxLength: 2 }),
    })
    .map(({ dayOffset, blocked, windows }) => ({
      id: `ovr-${dayOffset}`,
      date: DateTime.fromISO(anchor, { zone: 'utc' }).plus({ days: dayOffset }).toISODate() ?? anchor,
      blocked,
      windows,
      reason: null,
    }));

const serviceRules: fc.Arbitrary<ServiceRules> = fc.record({
  id: fc.constant('svc-main'),
  durationMinutes: fc.constantFrom(15, 20, 30, 45, 50, 60, 90, 240),
  bufferBeforeMinutes: fc.constantFrom(0, 0, 5, 10, 30),
  bufferAfterMinutes: fc.constantFrom(0, 0, 5, 15, 45),
  slotIntervalMinutes: fc.constantFrom(10, 15, 20, 30, 45, 50, 60),
  minNoticeMinutes: fc.constantFrom(0, 0, 30, 60, 240, 1440),
  maxAdvanceDays: fc.integer({ min: 0, max: 5 }),
  capacity: fc.integer({ min: 1, max: 3 }),
});

interface Scenario {
  readonly input: SlotEngineInput;
  readonly window: Interval;
  /** Arbitrary instants in the window (on a minute grid), to probe starts that are not candidates. */
  readonly probes: readonly number[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({ timeZone: fc.constantFrom(...ZONES), anchor: fc.constantFrom(...DATES) })
  .chain(({ timeZone, anchor }) =>
    fc.record({
      timeZone: fc.constant(timeZone),
      anchor: fc.constant(anchor),
      weeklyHours,
      overrides: fc.array(override(anchor), { maxLength: 4 }),
      service: serviceRules,
      windowStartMinutes: fc.integer({ min: -36 * 60, max: 24 * 60 }),
      windowLengthMinutes: fc.integer({ min: 1, max: 2 * 24 * 60 }),
      nowOffsetMinutes: fc.integer({ min: -2 * 24 * 60, max: 6 * 60 }),
      busy: fc.array(
        fc.record({
          startMinutes: fc.integer({ min: -12 * 12, max: 60 * 12 }).map((n) => n * 5),
          durationMinutes: fc.constantFrom(15, 30, 45, 60, 120),
          sameService: fc.boolean(),
          bufferBeforeMinutes: fc.constantFrom(0, 10),
          bufferAfterMinutes: fc.constantFrom(0, 15),
        }),
        { maxLength: 12 },
      ),
      /** Candidates to book again: seat sharing only happens at exactly a candidate's start. */
      rebook: fc.array(fc.nat(), { maxLength: 6 }),
      probes: fc.array(fc.integer({ min: 0, max: 2 * 24 * 60 }), { maxLength: 10 }),
    }),
  )
  .map((g) => {
    const base = at(`${g.anchor}T00:00:00Z`);
    const window = { start: base + g.windowStartMinutes * MINUTE, end: base + (g.windowStartMinutes + g.windowLengthMinutes) * MINUTE };
    const schedule = { timeZone: g.timeZone, weeklyHours: g.weeklyHours, overrides: g.overrides };
    const randomBusy: BusyAppointment[] = g.busy.map((b, i) => ({
      appointmentId: `apt-${i}`,
      serviceId: b.sameService ? g.service.id : 'svc-other',
      start: window.start + b.startMinutes * MINUTE,
      end: window.start + (b.startMinutes + b.durationMinutes) * MINUTE,
      bufferBeforeMinutes: b.bufferBeforeMinutes,
      bufferAfterMinutes: b.bufferAfterMinutes,
      capacity: b.sameService ? g.service.capacity : 1,
    }));
    const grid = candidatesOf({ schedule, service: g.service, busy: [], now: 0 }, window);
    const rebooked: BusyAppointment[] = grid.length === 0 ? [] : g.rebook.map((n, i) => {
      const start = grid[n % grid.length] ?? window.start;
      return {
        appointmentId: `seat-${i}`,
        serviceId: g.service.id,
        start,
        end: start + g.service.durationMinutes * MINUTE,
        bufferBeforeMinutes: g.service.bufferBeforeMinutes,
        bufferAfterMinutes: g.service.bufferAfterMinutes,
        capacity: g.service.capacity,
      };
    });
    return {
      input: { schedule, service: g.service, busy: [...randomBusy, ...rebooked], now: window.start + g.nowOffsetMinutes * MINUTE },
      window,
      probes: g.probes.map((m) => window.start + m * MINUTE).filter((t) => t < window.end),
    };
  });

/** Every candidate start: the same request with nothing booked and no notice or advance limits. */
function candidatesOf(input: SlotEngineInput, window: Interval): number[] {
  const unlimited = { ...input.service, minNoticeMinutes: 0, maxAdvanceDays: 1_000_000, capacity: Number.MAX_SAFE_INTEGER };
  return listSlots({ ...input, service: unlimited, busy: [], now: window.start - DAY }, window).map((s) => s.start);
}

const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

const RUNS = { numRuns: 120 };

describe('slot engine properties (random schedules, zones, overrides and bookings)', () => {
  it('lists each bookable instant once, ascending, inside working time and inside the window', () => {
    fc.assert(
      fc.property(scenario, ({ input, window }) => {
        const slots = listSlots(input, window);
        for (const [i, slot] of slots.entries()) {
          expect(slot.start).toBeGreaterThanOrEqual(window.start);
          expect(slot.start).toBeLessThan(window.end);
          expect(slot.end - slot.start).toBe(input.service.durationMinutes * MINUTE);
          expect(isoIntervals(workingIntervals(input.schedule, slot))).toEqual(isoIntervals([slot]));
          const previous = slots[i - 1];
          if (previous !== undefined) expect(slot.start).toBeGreaterThan(previous.start);
        }
      }),
      RUNS,
    );
  });

  it('never lists a slot whose occupied time meets another appointment, except seats of the same session', () => {
    fc.assert(
      fc.property(scenario, ({ input, window }) => {
        const { service } = input;
        for (const slot of listSlots(input, window)) {
          const occupied = { start: slot.start - service.bufferBeforeMinutes * MINUTE, end: slot.end + service.bufferAfterMinutes * MINUTE };
          const sameSession = input.busy.filter((b) => b.serviceId === service.id && b.start === slot.start);
          const clashing = input.busy.filter((b) => !sameSession.includes(b) && overlaps(occupied, occupiedRange(b)));
          expect(clashing).toEqual([]);
          expect(slot.seatsLeft).toBe(service.capacity - sameSession.length);
          expect(slot.seatsLeft).toBeGreaterThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it('agrees with checkBooking on every candidate and rejects every other instant as outside availability', () => {
    fc.assert(
      fc.property(scenario, ({ input, window, probes }) => {
        const listed = new Map(listSlots(input, window).map((s) => [s.start, s]));
        const candidates = candidatesOf(input, window);
        const earliest = input.now + input.service.minNoticeMinutes * MINUTE;
        const latest = DateTime.fromMillis(input.now, { zone: input.schedule.timeZone }).plus({ days: input.service.maxAdvanceDays }).toMillis();

        expect(new Set(candidates).size).toBe(candidates.length);
        for (const start of candidates) {
          const check = checkBooking(input, start);
          const slot = listed.get(start);
          if (slot !== undefined) expect(check).toEqual({ ok: true, slot });
          else {
            const expected = start < earliest ? 'TOO_SOON' : start > latest ? 'TOO_FAR_AHEAD' : 'SLOT_TAKEN';
            expect([iso(start), check]).toEqual([iso(start), { ok: false, code: expected }]);
          }
        }
        for (const probe of probes.filter((t) => !candidates.includes(t))) {
          expect(checkBooking(input, probe)).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
        }
      }),
      RUNS,
    );
  });

  it('gives the same slots for a window as for its two halves: nothing depends on where the window starts', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ input, window }, fraction) => {
        const split = Math.round(window.start + (window.end - window.start) * fraction);
        const halves = [
          ...listSlots(input, { start: window.start, end: split }),
          ...listSlots(input, { start: split, end: window.end }),
        ];
        expect(halves).toEqual(listSlots(input, window));
      }),
      RUNS,
    );
  });

  it('returns working time as sorted, disjoint, non-touching intervals inside the window', () => {
    fc.assert(
      fc.property(scenario, ({ input, window }) => {
        const intervals = workingIntervals(input.schedule, window);
        for (const [i, interval] of intervals.entries()) {
          expect(interval.start).toBeGreaterThanOrEqual(window.start);
          expect(interval.end).toBeLessThanOrEqual(window.end);
          expect(interval.end).toBeGreaterThan(interval.start);
          const previous = intervals[i - 1];
          if (previous !== undefined) expect(interval.start).toBeGreaterThan(previous.end);
        }
      }),
      RUNS,
    );
  });
});

function isoIntervals(intervals: readonly Interval[]): string[] {
  return intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`);
}
