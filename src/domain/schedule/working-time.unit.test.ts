import { at, blocked, blockedDay, EVERY_DAY, extra, isoOf, schedule, span } from './__tests__/fixtures';
import { workingIntervals } from './working-time';

/** The DST days of 2027 under test; all fall on a Sunday. */
const DST = {
  berlin: { zone: 'Europe/Berlin', springForward: '2027-03-28', fallBack: '2027-10-31' },
  newYork: { zone: 'America/New_York', springForward: '2027-03-14', fallBack: '2027-11-07' },
  sydney: { zone: 'Australia/Sydney', springForward: '2027-10-03', fallBack: '2027-04-04' },
} as const;

const DAY_MS = 86_400_000;
/** From the UTC midnight before `date` to the one after it: covers that local date in every zone under test. */
const around = (date: string) => ({ start: at(`${date}T00:00:00Z`) - DAY_MS, end: at(`${date}T00:00:00Z`) + DAY_MS });

describe('working time across DST: a 09:00 opening stays 09:00 local', () => {
  it.each([
    // zone, Saturday before, Sunday of the change, working time in UTC (offset changes between the days)
    ['Europe/Berlin', '2027-03-27T00:00Z/2027-03-29T00:00Z', ['2027-03-27T08:00:00Z/2027-03-27T16:00:00Z', '2027-03-28T07:00:00Z/2027-03-28T15:00:00Z']],
    ['Europe/Berlin', '2027-10-30T00:00Z/2027-11-01T00:00Z', ['2027-10-30T07:00:00Z/2027-10-30T15:00:00Z', '2027-10-31T08:00:00Z/2027-10-31T16:00:00Z']],
    ['America/New_York', '2027-03-13T00:00Z/2027-03-15T00:00Z', ['2027-03-13T14:00:00Z/2027-03-13T22:00:00Z', '2027-03-14T13:00:00Z/2027-03-14T21:00:00Z']],
    ['America/New_York', '2027-11-06T00:00Z/2027-11-08T00:00Z', ['2027-11-06T13:00:00Z/2027-11-06T21:00:00Z', '2027-11-07T14:00:00Z/2027-11-07T22:00:00Z']],
    ['Australia/Sydney', '2027-04-02T12:00Z/2027-04-04T12:00Z', ['2027-04-02T22:00:00Z/2027-04-03T06:00:00Z', '2027-04-03T23:00:00Z/2027-04-04T07:00:00Z']],
    ['Australia/Sydney', '2027-10-01T12:00Z/2027-10-03T12:00Z', ['2027-10-01T23:00:00Z/2027-10-02T07:00:00Z', '2027-10-02T22:00:00Z/2027-10-03T06:00:00Z']],
  ])('given weekend hours 09:00-17:00 in %s, when asked for %s, then each day opens at 09:00 local', (zone, window, expected) => {
    const hours = schedule(zone, { SATURDAY: ['09:00-17:00'], SUNDAY: ['09:00-17:00'] });

    expect(isoOf(workingIntervals(hours, span(window)))).toEqual(expected);
  });
});

describe('working time on a spring-forward day: nonexistent local times are not working time', () => {
  it.each([
    [DST.berlin, '2027-03-28T00:00:00Z/2027-03-28T02:00:00Z', '2027-03-28T01:00:00Z/2027-03-28T02:00:00Z'],
    [DST.newYork, '2027-03-14T06:00:00Z/2027-03-14T08:00:00Z', '2027-03-14T07:00:00Z/2027-03-14T08:00:00Z'],
    [DST.sydney, '2027-10-02T15:00:00Z/2027-10-02T17:00:00Z', '2027-10-02T16:00:00Z/2027-10-02T17:00:00Z'],
  ])('given %o, then 01:00-04:00 is 2 real hours and 02:30-04:00 starts at the transition', (dst, wholeWindow, fromGap) => {
    const day = around(dst.springForward);

    expect(isoOf(workingIntervals(schedule(dst.zone, { SUNDAY: ['01:00-04:00'] }), day))).toEqual([wholeWindow]);
    expect(isoOf(workingIntervals(schedule(dst.zone, { SUNDAY: ['02:30-04:00'] }), day))).toEqual([fromGap]);
  });
});

describe('working time on a fall-back day: the repeated hour is real working time', () => {
  it.each([
    [DST.berlin, '2027-10-30T22:00:00Z/2027-10-31T03:00:00Z', '02:00-03:00', '2027-10-31T00:00:00Z/2027-10-31T02:00:00Z'],
    [DST.newYork, '2027-11-07T04:00:00Z/2027-11-07T09:00:00Z', '01:00-02:00', '2027-11-07T05:00:00Z/2027-11-07T07:00:00Z'],
    [DST.sydney, '2027-04-03T13:00:00Z/2027-04-03T18:00:00Z', '02:00-03:00', '2027-04-03T15:00:00Z/2027-04-03T17:00:00Z'],
  ])('given %o, then 00:00-04:00 is 5 real hours and the repeated hour alone is 2', (dst, fiveHours, repeatedHour, twoHours) => {
    const day = around(dst.fallBack);

    expect(isoOf(workingIntervals(schedule(dst.zone, { SUNDAY: ['00:00-04:00'] }), day))).toEqual([fiveHours]);
    expect(isoOf(workingIntervals(schedule(dst.zone, { SUNDAY: [repeatedHour] }), day))).toEqual([twoHours]);
  });

  it('given a window ending inside the repeated hour, then it ends at the later occurrence; one starting there begins at the earlier', () => {
    const day = span('2027-10-30T12:00:00Z/2027-10-31T12:00:00Z');

    expect(isoOf(workingIntervals(schedule('Europe/Berlin', { SUNDAY: ['00:00-02:30'] }), day))).toEqual([
      '2027-10-30T22:00:00Z/2027-10-31T01:30:00Z',
    ]);
    expect(isoOf(workingIntervals(schedule('Europe/Berlin', { SUNDAY: ['02:30-05:00'] }), day))).toEqual([
      '2027-10-31T00:30:00Z/2027-10-31T04:00:00Z',
    ]);
  });
});

describe('hours crossing midnight', () => {
  it('given Monday 22:00-24:00 and Tuesday 00:00-02:00, then they are one 4-hour interval', () => {
    const hours = schedule('Europe/Berlin', { MONDAY: ['22:00-24:00'], TUESDAY: ['00:00-02:00'] });

    expect(isoOf(workingIntervals(hours, span('2027-06-07T00:00:00Z/2027-06-09T00:00:00Z')))).toEqual([
      '2027-06-07T20:00:00Z/2027-06-08T00:00:00Z',
    ]);
  });

  it('given overlapping windows on one day, then they merge', () => {
    const hours = schedule('UTC', { MONDAY: ['09:00-12:00', '11:00-13:00', '13:00-14:00', '15:00-16:00'] });

    expect(isoOf(workingIntervals(hours, span('2027-06-07T00:00:00Z/2027-06-08T00:00:00Z')))).toEqual([
      '2027-06-07T09:00:00Z/2027-06-07T14:00:00Z',
      '2027-06-07T15:00:00Z/2027-06-07T16:00:00Z',
    ]);
  });
});

describe('overrides', () => {
  const weekdays = { MONDAY: ['09:00-17:00'], TUESDAY: ['09:00-17:00'], WEDNESDAY: ['09:00-17:00'], THURSDAY: ['09:00-17:00'], FRIDAY: ['09:00-17:00'] };
  const week = span('2027-06-07T00:00:00Z/2027-06-14T00:00:00Z'); // Monday to Sunday, Berlin is UTC+2

  it('given Wednesday blocked, then Wednesday has no working time and the rest of the week is untouched', () => {
    const hours = schedule('Europe/Berlin', weekdays, [blockedDay('2027-06-09')]);

    expect(isoOf(workingIntervals(hours, week))).toEqual([
      '2027-06-07T07:00:00Z/2027-06-07T15:00:00Z',
      '2027-06-08T07:00:00Z/2027-06-08T15:00:00Z',
      '2027-06-10T07:00:00Z/2027-06-10T15:00:00Z',
      '2027-06-11T07:00:00Z/2027-06-11T15:00:00Z',
    ]);
  });

  it('given a lunch break blocked on Thursday, then only that range closes', () => {
    const hours = schedule('Europe/Berlin', weekdays, [blocked('2027-06-10', '12:00-13:00')]);

    expect(isoOf(workingIntervals(hours, span('2027-06-10T00:00:00Z/2027-06-11T00:00:00Z')))).toEqual([
      '2027-06-10T07:00:00Z/2027-06-10T10:00:00Z',
      '2027-06-10T11:00:00Z/2027-06-10T15:00:00Z',
    ]);
  });

  it('given an extra window on a Saturday (normally closed), then that Saturday is open', () => {
    const hours = schedule('Europe/Berlin', weekdays, [extra('2027-06-12', '10:00-14:00')]);

    expect(isoOf(workingIntervals(hours, span('2027-06-12T00:00:00Z/2027-06-14T00:00:00Z')))).toEqual([
      '2027-06-12T08:00:00Z/2027-06-12T12:00:00Z',
    ]);
  });

  it('given several overrides on one date, then extra windows are added first and blocks subtract afterwards', () => {
    const hours = schedule('Europe/Berlin', weekdays, [blocked('2027-06-11', '09:00-10:00'), extra('2027-06-11', '17:00-19:00')]);

    expect(isoOf(workingIntervals(hours, span('2027-06-11T00:00:00Z/2027-06-12T00:00:00Z')))).toEqual([
      '2027-06-11T08:00:00Z/2027-06-11T17:00:00Z',
    ]);
  });

  it('given a whole-day block and an extra window on the same date, then the day stays closed', () => {
    const hours = schedule('Europe/Berlin', weekdays, [extra('2027-06-12', '10:00-14:00'), blockedDay('2027-06-12')]);

    expect(workingIntervals(hours, span('2027-06-12T00:00:00Z/2027-06-13T00:00:00Z'))).toEqual([]);
  });

  it('given a block on the Tuesday of hours crossing midnight, then Monday night keeps its hours up to midnight', () => {
    const hours = schedule('Europe/Berlin', { MONDAY: ['22:00-24:00'], TUESDAY: ['00:00-02:00'] }, [blockedDay('2027-06-08')]);

    expect(isoOf(workingIntervals(hours, span('2027-06-07T00:00:00Z/2027-06-09T00:00:00Z')))).toEqual([
      '2027-06-07T20:00:00Z/2027-06-07T22:00:00Z', // Monday 22:00-24:00 CEST
    ]);
  });

  it('given a provider in Auckland blocking Tuesday 8 June, then the block is their Tuesday (Monday evening in UTC)', () => {
    const hours = schedule('Pacific/Auckland', weekdays, [blockedDay('2027-06-08')]);

    expect(isoOf(workingIntervals(hours, span('2027-06-06T00:00:00Z/2027-06-09T12:00:00Z')))).toEqual([
      '2027-06-06T21:00:00Z/2027-06-07T05:00:00Z', // Monday 09:00-17:00 NZST
      // Tuesday 09:00-17:00 NZST would be 2027-06-07T21:00Z/2027-06-08T05:00Z: blocked
      '2027-06-08T21:00:00Z/2027-06-09T05:00:00Z', // Wednesday
    ]);
  });

  it('given an unparsable override date or window, then it is ignored', () => {
    const hours = schedule('UTC', { MONDAY: ['09:00-17:00', '25:00-26:00', '12:00-11:00'] }, [
      blockedDay('2027-02-30'),
      extra('2027-06-07', 'noon-late'),
    ]);

    expect(isoOf(workingIntervals(hours, span('2027-06-07T00:00:00Z/2027-06-08T00:00:00Z')))).toEqual([
      '2027-06-07T09:00:00Z/2027-06-07T17:00:00Z',
    ]);
  });
});

describe('the asked window', () => {
  const hours = schedule('UTC', { MONDAY: ['09:00-17:00'] });

  it('given a window cutting through working time, then intervals are clipped to it', () => {
    expect(isoOf(workingIntervals(hours, span('2027-06-07T10:00:00Z/2027-06-07T12:00:00Z')))).toEqual([
      '2027-06-07T10:00:00Z/2027-06-07T12:00:00Z',
    ]);
  });

  it('given an empty, reversed or unreadable window or an unknown zone, then there is no working time', () => {
    expect(workingIntervals(hours, { start: 10, end: 10 })).toEqual([]);
    expect(workingIntervals(hours, { start: 10, end: 0 })).toEqual([]);
    expect(workingIntervals(hours, { start: Number.NaN, end: 10 })).toEqual([]);
    expect(workingIntervals(schedule('Mars/Olympus', { MONDAY: ['09:00-17:00'] }), span('2027-06-07T00:00:00Z/2027-06-08T00:00:00Z'))).toEqual([]);
  });
});

describe('zones with unusual offsets', () => {
  it.each([
    ['Asia/Kolkata', '2027-06-07T03:30:00Z/2027-06-07T11:30:00Z'],
    ['Pacific/Chatham', '2027-06-06T20:15:00Z/2027-06-07T04:15:00Z'],
    ['UTC', '2027-06-07T09:00:00Z/2027-06-07T17:00:00Z'],
  ])('given Monday 09:00-17:00 in %s, then working time is %s', (zone, expected) => {
    expect(isoOf(workingIntervals(schedule(zone, { MONDAY: ['09:00-17:00'] }), span('2027-06-06T12:00:00Z/2027-06-08T00:00:00Z')))).toEqual([expected]);
  });
});

it('given hours every day, then consecutive days stay separate intervals', () => {
  expect(workingIntervals(schedule('UTC', EVERY_DAY('09:00-17:00')), span('2027-06-07T00:00:00Z/2027-06-14T00:00:00Z'))).toHaveLength(7);
});
