import { at, blockedDay, booked, EVERY_DAY, input, iso, schedule, span, startsOf } from './__tests__/fixtures';
import { checkBooking, listSlots } from './slot-engine';

const MONDAY = '2027-06-07';
const mondayNineToFive = schedule('UTC', { MONDAY: ['09:00-17:00'] });
const wholeMonday = span(`${MONDAY}T00:00:00Z/2027-06-08T00:00:00Z`);

describe('slots across DST', () => {
  it.each([
    ['Europe/Berlin', '2027-03-27T00:00:00Z/2027-03-29T00:00:00Z', ['2027-03-27T08:00:00Z', '2027-03-28T07:00:00Z']],
    ['Europe/Berlin', '2027-10-30T00:00:00Z/2027-11-01T00:00:00Z', ['2027-10-30T07:00:00Z', '2027-10-31T08:00:00Z']],
    ['America/New_York', '2027-03-13T00:00:00Z/2027-03-15T00:00:00Z', ['2027-03-13T14:00:00Z', '2027-03-14T13:00:00Z']],
    ['America/New_York', '2027-11-06T00:00:00Z/2027-11-08T00:00:00Z', ['2027-11-06T13:00:00Z', '2027-11-07T14:00:00Z']],
    ['Australia/Sydney', '2027-04-02T12:00:00Z/2027-04-04T12:00:00Z', ['2027-04-02T22:00:00Z', '2027-04-03T23:00:00Z']],
    ['Australia/Sydney', '2027-10-01T12:00:00Z/2027-10-03T12:00:00Z', ['2027-10-01T23:00:00Z', '2027-10-02T22:00:00Z']],
  ])('given a 09:00 opening in %s, when listing %s, then both days start at 09:00 local', (zone, window, expected) => {
    const weekend = schedule(zone, { SATURDAY: ['09:00-10:00'], SUNDAY: ['09:00-10:00'] });

    expect(startsOf(listSlots(input(weekend), span(window)))).toEqual(expected);
  });

  it.each([
    // 01:00-04:00 local on the spring-forward Sunday; 02:00 and 02:30 never happen
    ['Europe/Berlin', '2027-03-28', ['2027-03-28T00:00:00Z', '2027-03-28T00:30:00Z', '2027-03-28T01:00:00Z', '2027-03-28T01:30:00Z']],
    ['America/New_York', '2027-03-14', ['2027-03-14T06:00:00Z', '2027-03-14T06:30:00Z', '2027-03-14T07:00:00Z', '2027-03-14T07:30:00Z']],
    ['Australia/Sydney', '2027-10-03', ['2027-10-02T15:00:00Z', '2027-10-02T15:30:00Z', '2027-10-02T16:00:00Z', '2027-10-02T16:30:00Z']],
  ])('given 01:00-04:00 in %s on spring-forward day %s, then the nonexistent hour offers nothing', (zone, date, expected) => {
    const sunday = schedule(zone, { SUNDAY: ['01:00-04:00'] });
    const slots = listSlots(input(sunday, { durationMinutes: 30, slotIntervalMinutes: 30 }), around(date));

    expect(startsOf(slots)).toEqual(expected);
  });

  it.each([
    // 00:00-04:00 local on the fall-back Sunday: 5 real hours, the repeated hour twice as distinct instants
    ['Europe/Berlin', '2027-10-31', ['2027-10-30T22:00:00Z', '2027-10-30T23:00:00Z', '2027-10-31T00:00:00Z', '2027-10-31T01:00:00Z', '2027-10-31T02:00:00Z']],
    ['America/New_York', '2027-11-07', ['2027-11-07T04:00:00Z', '2027-11-07T05:00:00Z', '2027-11-07T06:00:00Z', '2027-11-07T07:00:00Z', '2027-11-07T08:00:00Z']],
    ['Australia/Sydney', '2027-04-04', ['2027-04-03T13:00:00Z', '2027-04-03T14:00:00Z', '2027-04-03T15:00:00Z', '2027-04-03T16:00:00Z', '2027-04-03T17:00:00Z']],
  ])('given 00:00-04:00 in %s on fall-back day %s, then the repeated hour is offered twice, each instant once', (zone, date, expected) => {
    const sunday = schedule(zone, { SUNDAY: ['00:00-04:00'] });
    const slots = listSlots(input(sunday), around(date));

    expect(startsOf(slots)).toEqual(expected);
    expect(new Set(slots.map((s) => s.start)).size).toBe(slots.length);
  });

  it('given Berlin 02:00-03:00 on the fall-back day with 30-minute slots, then 02:00 and 02:30 appear once per occurrence', () => {
    const sunday = schedule('Europe/Berlin', { SUNDAY: ['02:00-03:00'] });
    const slots = listSlots(input(sunday, { durationMinutes: 30, slotIntervalMinutes: 30 }), around('2027-10-31'));

    // 02:00 CEST, 02:30 CEST, 02:00 CET, 02:30 CET
    expect(startsOf(slots)).toEqual(['2027-10-31T00:00:00Z', '2027-10-31T00:30:00Z', '2027-10-31T01:00:00Z', '2027-10-31T01:30:00Z']);
  });
});

describe('hours crossing midnight', () => {
  const lateShift = schedule('Europe/Berlin', { MONDAY: ['22:00-24:00'], TUESDAY: ['00:00-02:00'] });

  it('given Monday 22:00-24:00 and Tuesday 00:00-02:00, then a 2-hour slot can span midnight', () => {
    const slots = listSlots(input(lateShift, { durationMinutes: 120 }), span('2027-06-07T00:00:00Z/2027-06-09T00:00:00Z'));

    // 22:00-24:00, 23:00-01:00 (across midnight), 00:00-02:00 local CEST
    expect(slots.map((s) => `${iso(s.start)}/${iso(s.end)}`)).toEqual([
      '2027-06-07T20:00:00Z/2027-06-07T22:00:00Z',
      '2027-06-07T21:00:00Z/2027-06-07T23:00:00Z',
      '2027-06-07T22:00:00Z/2027-06-08T00:00:00Z',
    ]);
  });

  it('given a window starting after midnight, then the grid stays anchored at Monday 22:00', () => {
    const service = { durationMinutes: 45, slotIntervalMinutes: 45 };
    const afterMidnight = span('2027-06-07T22:00:00Z/2027-06-08T04:00:00Z'); // Tuesday 00:00-06:00 local

    // grid: 22:00, 22:45, 23:30, 00:15, 01:00 local; 01:45 would end after 02:00
    expect(startsOf(listSlots(input(lateShift, service), afterMidnight))).toEqual(['2027-06-07T22:15:00Z', '2027-06-07T23:00:00Z']);
    expect(checkBooking(input(lateShift, service), at('2027-06-07T22:00:00Z'))).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
    expect(checkBooking(input(lateShift, service), at('2027-06-07T22:15:00Z')).ok).toBe(true);
  });

  it('given a window starting inside working time, then slots keep the grid of the opening', () => {
    const slots = listSlots(input(mondayNineToFive, { slotIntervalMinutes: 30 }), span(`${MONDAY}T10:07:00Z/${MONDAY}T12:00:00Z`));

    expect(startsOf(slots)).toEqual([`${MONDAY}T10:30:00Z`, `${MONDAY}T11:00:00Z`, `${MONDAY}T11:30:00Z`]);
  });
});

describe('working around the clock', () => {
  const allDay = schedule('UTC', EVERY_DAY('00:00-24:00'));
  const fiftyMinutes = { durationMinutes: 50, slotIntervalMinutes: 50 };

  it('given hours that never pause and a step not dividing the day, then the grid restarts at Monday 00:00 local', () => {
    const slots = listSlots(input(allDay, fiftyMinutes), span('2027-06-06T22:00:00Z/2027-06-07T02:00:00Z'));

    // continuing the grid of the previous Monday: …21:50, 22:40, 23:30; then a fresh start at Monday 00:00
    expect(startsOf(slots)).toEqual([
      '2027-06-06T22:40:00Z',
      '2027-06-06T23:30:00Z',
      '2027-06-07T00:00:00Z',
      '2027-06-07T00:50:00Z',
      '2027-06-07T01:40:00Z',
    ]);
  });

  it('given round-the-clock hours resuming on a Wednesday, then the grid runs from there through the first Monday and restarts at the second', () => {
    const resumingWednesday = schedule('UTC', EVERY_DAY('00:00-24:00'), [blockedDay('2027-06-01')]);
    const seventyMinutes = { durationMinutes: 70, slotIntervalMinutes: 70 };

    // Wednesday 2027-06-02 00:00 + k × 70 min: …Sunday 23:00, Monday 00:10 (no restart: the chain is younger than a week)
    expect(startsOf(listSlots(input(resumingWednesday, seventyMinutes), span('2027-06-06T22:00:00Z/2027-06-07T01:00:00Z')))).toEqual([
      '2027-06-06T23:00:00Z',
      '2027-06-07T00:10:00Z',
    ]);
    // …Sunday 2027-06-13 23:00, then a fresh grid at Monday 2027-06-14 00:00
    expect(startsOf(listSlots(input(resumingWednesday, seventyMinutes), span('2027-06-13T22:30:00Z/2027-06-14T01:30:00Z')))).toEqual([
      '2027-06-13T23:00:00Z',
      '2027-06-14T00:00:00Z',
      '2027-06-14T01:10:00Z',
    ]);
  });

  it('given hours that never pause, then a single instant gets the same answer as a week-long listing', () => {
    const slots = listSlots(input(allDay, fiftyMinutes), span('2027-06-03T00:00:00Z/2027-06-10T00:00:00Z'));

    for (const slot of slots) expect(checkBooking(input(allDay, fiftyMinutes), slot.start)).toEqual({ ok: true, slot });
    expect(checkBooking(input(allDay, fiftyMinutes), at('2027-06-07T00:20:00Z'))).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
  });
});

describe('buffers', () => {
  it('given a 30-minute after-buffer, then the last appointment still ends exactly at closing time', () => {
    const service = { bufferBeforeMinutes: 15, bufferAfterMinutes: 30 };

    const slots = listSlots(input(mondayNineToFive, service), wholeMonday);

    expect(startsOf(slots)[0]).toBe(`${MONDAY}T09:00:00Z`); // its before-buffer lies before opening
    expect(slots.at(-1)).toEqual({ start: at(`${MONDAY}T16:00:00Z`), end: at(`${MONDAY}T17:00:00Z`), seatsLeft: 1 });
  });

  it('given buffers on the existing and the new appointment, then the gap needed is their sum', () => {
    // existing 10:00-11:00 occupies 09:40-11:15; a new one occupies 10 minutes before to 5 minutes after
    const existing = booked(`${MONDAY}T10:00:00Z/${MONDAY}T11:00:00Z`, { serviceId: 'svc-other', bufferBeforeMinutes: 20, bufferAfterMinutes: 15 });
    const service = { durationMinutes: 30, slotIntervalMinutes: 5, bufferBeforeMinutes: 10, bufferAfterMinutes: 5 };
    const request = input(mondayNineToFive, service, [existing]);

    expect(startsOf(listSlots(request, span(`${MONDAY}T09:00:00Z/${MONDAY}T11:40:00Z`)))).toEqual([
      `${MONDAY}T09:00:00Z`, // ends 09:30, buffer until 09:35
      `${MONDAY}T09:05:00Z`, // buffer until 09:40, touching the existing before-buffer
      `${MONDAY}T11:25:00Z`, // its before-buffer starts at 11:15, where the existing after-buffer ends
      `${MONDAY}T11:30:00Z`,
      `${MONDAY}T11:35:00Z`,
    ]);
    expect(checkBooking(request, at(`${MONDAY}T09:10:00Z`))).toEqual({ ok: false, code: 'SLOT_TAKEN' });
    expect(checkBooking(request, at(`${MONDAY}T11:20:00Z`))).toEqual({ ok: false, code: 'SLOT_TAKEN' });
    expect(checkBooking(request, at(`${MONDAY}T11:25:00Z`)).ok).toBe(true);
  });
});

describe('minimum notice and maximum advance', () => {
  const quarterHours = { durationMinutes: 15, slotIntervalMinutes: 15, minNoticeMinutes: 60 };

  it('given 60 minutes notice asked at 08:15, then 09:15 is the first bookable slot (inclusive) and 09:00 is too soon', () => {
    const request = input(mondayNineToFive, quarterHours, [], at(`${MONDAY}T08:15:00Z`));

    expect(startsOf(listSlots(request, wholeMonday))[0]).toBe(`${MONDAY}T09:15:00Z`);
    expect(checkBooking(request, at(`${MONDAY}T09:15:00Z`)).ok).toBe(true);
    expect(checkBooking(request, at(`${MONDAY}T09:00:00Z`))).toEqual({ ok: false, code: 'TOO_SOON' });
  });

  it('given the request one millisecond later, then 09:15 is too soon as well', () => {
    const request = input(mondayNineToFive, quarterHours, [], at(`${MONDAY}T08:15:00.001Z`));

    expect(checkBooking(request, at(`${MONDAY}T09:15:00Z`))).toEqual({ ok: false, code: 'TOO_SOON' });
    expect(startsOf(listSlots(request, wholeMonday))[0]).toBe(`${MONDAY}T09:30:00Z`);
  });

  it('given 30 days advance asked at 10:00 before the DST change, then the limit is 10:00 local 30 calendar days later', () => {
    const berlin = schedule('Europe/Berlin', EVERY_DAY('09:00-17:00'));
    const request = input(berlin, { ...quarterHours, minNoticeMinutes: 0, maxAdvanceDays: 30 }, [], at('2027-03-01T09:00:00Z'));

    // 2027-03-31 10:00 CEST is 08:00Z, an hour short of 30 × 24 h
    expect(checkBooking(request, at('2027-03-31T08:00:00Z')).ok).toBe(true);
    expect(checkBooking(request, at('2027-03-31T08:15:00Z'))).toEqual({ ok: false, code: 'TOO_FAR_AHEAD' });
    expect(startsOf(listSlots(request, span('2027-03-31T00:00:00Z/2027-04-02T00:00:00Z'))).at(-1)).toBe('2027-03-31T08:00:00Z');
  });
});

describe('classes with several seats', () => {
  const yoga = { id: 'svc-yoga', capacity: 3, slotIntervalMinutes: 30 };
  const seat = (start: string) => booked(`${MONDAY}T${start}:00Z/${MONDAY}T${addHour(start)}:00Z`, { serviceId: 'svc-yoga', capacity: 3 });
  const atTen = span(`${MONDAY}T10:00:00Z/${MONDAY}T10:01:00Z`);

  it('given bookings at 10:00, then seats at 10:00 count down and the session is full after the third', () => {
    const seatsLeft = (busy: ReturnType<typeof seat>[]) => listSlots(input(mondayNineToFive, yoga, busy), atTen).map((s) => s.seatsLeft);

    expect(seatsLeft([])).toEqual([3]);
    expect(seatsLeft([seat('10:00')])).toEqual([2]);
    expect(seatsLeft([seat('10:00'), seat('10:00')])).toEqual([1]);
    expect(seatsLeft([seat('10:00'), seat('10:00'), seat('10:00')])).toEqual([]);
    expect(checkBooking(input(mondayNineToFive, yoga, [seat('10:00'), seat('10:00'), seat('10:00')]), atTen.start)).toEqual({
      ok: false,
      code: 'SLOT_TAKEN',
    });
  });

  it('given a class booked at 10:00, then overlapping starts of the same class are taken but later sessions keep all seats', () => {
    const slots = listSlots(input(mondayNineToFive, yoga, [seat('10:00'), seat('10:00')]), span(`${MONDAY}T09:00:00Z/${MONDAY}T12:00:00Z`));

    expect(slots.map((s) => `${iso(s.start)} ${s.seatsLeft}`)).toEqual([
      `${MONDAY}T09:00:00Z 3`,
      `${MONDAY}T10:00:00Z 1`,
      `${MONDAY}T11:00:00Z 3`,
      `${MONDAY}T11:30:00Z 3`,
    ]);
  });

  it('given a class booking at 10:30, then a 10:00 start of the same class conflicts', () => {
    expect(checkBooking(input(mondayNineToFive, yoga, [seat('10:30')]), at(`${MONDAY}T10:00:00Z`))).toEqual({ ok: false, code: 'SLOT_TAKEN' });
  });

  it('given another service booked at 10:00, then it does not share the class seats', () => {
    const consult = booked(`${MONDAY}T10:00:00Z/${MONDAY}T11:00:00Z`, { serviceId: 'svc-consult' });

    expect(checkBooking(input(mondayNineToFive, yoga, [consult]), at(`${MONDAY}T10:00:00Z`))).toEqual({ ok: false, code: 'SLOT_TAKEN' });
  });

  it('given a one-to-one service booked at 10:00, then a second booking at 10:00 is taken', () => {
    const first = booked(`${MONDAY}T10:00:00Z/${MONDAY}T11:00:00Z`);

    expect(checkBooking(input(mondayNineToFive, {}, [first]), at(`${MONDAY}T10:00:00Z`))).toEqual({ ok: false, code: 'SLOT_TAKEN' });
  });
});

describe('checkBooking', () => {
  const request = input(mondayNineToFive, { slotIntervalMinutes: 30 }, [], at(`${MONDAY}T09:40:00Z`));
  const check = (instant: string) => checkBooking(request, at(instant));

  it.each([
    ['off the 30-minute grid', `${MONDAY}T11:10:00Z`],
    ['after closing', `${MONDAY}T18:00:00Z`],
    ['not fitting before closing', `${MONDAY}T16:30:00Z`],
    ['on a closed day', '2027-06-08T11:00:00Z'],
    ['in the past and off the grid', `${MONDAY}T09:10:00Z`],
  ])('given a start %s, then OUTSIDE_AVAILABILITY', (_, instant) => {
    expect(check(instant)).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
  });

  it('given an on-grid start in the past, then TOO_SOON', () => {
    expect(check(`${MONDAY}T09:30:00Z`)).toEqual({ ok: false, code: 'TOO_SOON' });
  });

  it('given a free start, then ok with the slot and its seats', () => {
    expect(check(`${MONDAY}T16:00:00Z`)).toEqual({ ok: true, slot: { start: at(`${MONDAY}T16:00:00Z`), end: at(`${MONDAY}T17:00:00Z`), seatsLeft: 1 } });
  });

  it('given an unknown zone, an unusable service or an unreadable instant, then nothing is bookable and nothing throws', () => {
    const nowhere = schedule('Mars/Olympus', { MONDAY: ['09:00-17:00'] });

    expect(listSlots(input(nowhere), wholeMonday)).toEqual([]);
    expect(checkBooking(input(nowhere), at(`${MONDAY}T10:00:00Z`))).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
    expect(listSlots(input(mondayNineToFive, { slotIntervalMinutes: 0 }), wholeMonday)).toEqual([]);
    expect(listSlots(input(mondayNineToFive, { durationMinutes: -5 }), wholeMonday)).toEqual([]);
    expect(listSlots(input(mondayNineToFive), { start: Number.NaN, end: 0 })).toEqual([]);
    expect(checkBooking(input(mondayNineToFive), Number.NaN)).toEqual({ ok: false, code: 'OUTSIDE_AVAILABILITY' });
  });
});

function around(date: string) {
  return { start: at(`${date}T00:00:00Z`) - 86_400_000, end: at(`${date}T00:00:00Z`) + 86_400_000 };
}

function addHour(hhmm: string): string {
  const [h, m] = hhmm.split(':');
  return `${String(Number(h) + 1).padStart(2, '0')}:${m ?? '00'}`;
}
