/**
 * The feed read back with a maintained parser (ical.js, Mozilla's calendar parser), which resolves TZID
 * times through the VTIMEZONE in the feed itself: the instants it reads must be the ones we wrote, on
 * the days clocks change too.
 */
import type * as IcalJs from 'ical.js' with { 'resolution-mode': 'import' };
import { type IcalFeedAppointment, icalFeedUid, renderIcalFeed } from './ical-feed';

// ical.js is an ES module with a CommonJS build, and this test file is CommonJS: it requires that build,
// which Node hands over as `default` and Jest's module loader as the namespace itself.
const loaded = require('ical.js') as typeof IcalJs | typeof IcalJs.default;
const ICAL = 'default' in loaded ? loaded.default : loaded;
type Component = InstanceType<typeof ICAL.Component>;

const appointment = (id: string, start: string, end: string, extra: Partial<IcalFeedAppointment> = {}): IcalFeedAppointment => ({
  id,
  summary: `Appointment ${id}`,
  description: null,
  start,
  end,
  status: 'CONFIRMED',
  meetingLink: null,
  updatedAt: '2027-03-01T10:00:00.000Z',
  sequence: 0,
  ...extra,
});

interface ReadBack {
  readonly uid: string;
  readonly start: string;
  readonly end: string;
  /** The TZID the times were written with; null for UTC. */
  readonly tzid: string | null;
  readonly component: Component;
}

/** Parse the feed as a client would: its VTIMEZONEs registered, every VEVENT's instants in UTC. */
function readBack(text: string): { readonly calendar: Component; readonly events: ReadBack[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtimezone);
  const events = calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    const tzid = component.getFirstProperty('dtstart')?.getParameter('tzid');
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      tzid: typeof tzid === 'string' ? tzid : null,
      component,
    };
  });
  return { calendar, events };
}

describe('iCalendar feed', () => {
  afterEach(() => {
    ICAL.TimezoneService.reset();
  });

  it('given appointments around Berlin\'s spring change (last Sunday of March), then each reads back at its instants, in the provider\'s zone', () => {
    const appointments = [
      appointment('before', '2027-03-27T23:30:00.000Z', '2027-03-28T00:30:00.000Z'), // 00:30–01:30 CET
      appointment('across', '2027-03-28T00:30:00.000Z', '2027-03-28T01:30:00.000Z'), // 01:30 CET – 03:30 CEST
      appointment('after', '2027-03-28T08:00:00.000Z', '2027-03-28T09:00:00.000Z'), // 10:00–11:00 CEST
    ];
    const { calendar, events } = readBack(renderIcalFeed({ name: 'Salon Ada', timeZone: 'Europe/Berlin' }, appointments));

    expect(calendar.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid'))).toEqual(['Europe/Berlin']);
    expect(events.map(({ uid, start, end, tzid }) => ({ uid, start, end, tzid }))).toEqual(
      appointments.map((a) => ({ uid: `${a.id}@slotstream`, start: a.start, end: a.end, tzid: 'Europe/Berlin' })),
    );
    expect(events[1]!.component.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Europe/Berlin:20270328T013000');
    expect(events[1]!.component.getFirstProperty('dtend')!.toICALString()).toBe('DTEND;TZID=Europe/Berlin:20270328T033000');
  });

  it('given appointments around Berlin\'s autumn change (last Sunday of October), then each reads back at its instants, the repeated hour included', () => {
    const appointments = [
      appointment('before', '2027-10-30T23:00:00.000Z', '2027-10-30T23:45:00.000Z'), // 01:00–01:45 CEST
      appointment('first-0230', '2027-10-31T00:30:00.000Z', '2027-10-31T00:45:00.000Z'), // 02:30 CEST: the first 02:30
      appointment('second-0230', '2027-10-31T01:30:00.000Z', '2027-10-31T01:45:00.000Z'), // 02:30 CET: the second 02:30
      appointment('later', '2027-10-31T09:00:00.000Z', '2027-10-31T10:00:00.000Z'),
    ];
    const { events } = readBack(renderIcalFeed({ name: 'Salon Ada', timeZone: 'Europe/Berlin' }, appointments));

    expect(events.map(({ start, end }) => ({ start, end }))).toEqual(appointments.map(({ start, end }) => ({ start, end })));
    // 02:30 happens twice that night, and readers disagree on which one a Berlin 02:30 means: both are written in UTC.
    expect(events.map((e) => e.tzid)).toEqual(['Europe/Berlin', null, null, 'Europe/Berlin']);
  });

  it('given a New York provider, then appointments across its March and November changes read back at their instants', () => {
    const appointments = [
      appointment('spring', '2027-03-14T06:30:00.000Z', '2027-03-14T07:30:00.000Z'), // 01:30 EST – 03:30 EDT
      appointment('autumn', '2027-11-07T05:00:00.000Z', '2027-11-07T07:00:00.000Z'), // 01:00 EDT (the first 01:00) – 02:00 EST
      appointment('summer', '2027-07-01T13:00:00.000Z', '2027-07-01T14:00:00.000Z'),
    ];
    const { calendar, events } = readBack(renderIcalFeed({ name: 'Dr. Bob', timeZone: 'America/New_York' }, appointments));

    expect(calendar.getFirstSubcomponent('vtimezone')!.getFirstPropertyValue('tzid')).toBe('America/New_York');
    expect(events.map(({ start, end }) => ({ start, end }))).toEqual(appointments.map(({ start, end }) => ({ start, end })));
    expect(events.map((e) => e.tzid)).toEqual(['America/New_York', null, 'America/New_York']);
  });

  it('writes stable UIDs, the status, the change time and sequence, and the meeting link', () => {
    const render = (sequence: number) =>
      readBack(
        renderIcalFeed({ name: 'Salon Ada', timeZone: 'Europe/Berlin' }, [
          appointment('a1', '2027-05-03T08:00:00.000Z', '2027-05-03T08:30:00.000Z', {
            status: 'PENDING',
            description: 'Haircut',
            meetingLink: 'https://meet.jit.si/slotstream-a1',
            updatedAt: '2027-04-01T12:00:00.000Z',
            sequence,
          }),
        ]),
      ).events[0]!.component;
    const first = render(1);
    const later = render(2);

    expect(first.getFirstPropertyValue('uid')).toBe(icalFeedUid('a1'));
    expect(later.getFirstPropertyValue('uid')).toBe(icalFeedUid('a1'));
    expect(later.getFirstPropertyValue('sequence')).toBe(2);
    expect(first.getFirstPropertyValue('status')).toBe('TENTATIVE');
    expect(first.getFirstProperty('dtstamp')!.toICALString()).toBe('DTSTAMP:20270401T120000Z');
    expect(first.getFirstPropertyValue('url')).toBe('https://meet.jit.si/slotstream-a1');
    expect(first.getFirstPropertyValue('description')).toBe('Haircut\n\nhttps://meet.jit.si/slotstream-a1');
  });

  it('renders the same appointments to the same text, with the calendar named after the provider', () => {
    const feed = (): string => renderIcalFeed({ name: 'Salon Ada', timeZone: 'Europe/Berlin' }, [appointment('a1', '2027-05-03T08:00:00.000Z', '2027-05-03T08:30:00.000Z')]);
    expect(feed()).toBe(feed());
    expect(feed()).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(readBack(feed()).calendar.getFirstPropertyValue('x-wr-calname')).toBe('Salon Ada');
  });

  it('names an alias zone by the TZID its VTIMEZONE has, and falls back to UTC for a zone it has no VTIMEZONE for', () => {
    const kyiv = readBack(renderIcalFeed({ name: 'K', timeZone: 'Europe/Kiev' }, [appointment('k', '2027-05-03T08:00:00.000Z', '2027-05-03T09:00:00.000Z')]));
    expect(kyiv.events[0]).toMatchObject({ tzid: 'Europe/Kyiv', start: '2027-05-03T08:00:00.000Z' });

    const unknown = readBack(renderIcalFeed({ name: 'X', timeZone: 'Mars/Olympus_Mons' }, [appointment('x', '2027-05-03T08:00:00.000Z', '2027-05-03T09:00:00.000Z')]));
    expect(unknown.calendar.getAllSubcomponents('vtimezone')).toEqual([]);
    expect(unknown.events[0]).toMatchObject({ tzid: null, start: '2027-05-03T08:00:00.000Z', end: '2027-05-03T09:00:00.000Z' });
  });

  it('renders an empty calendar for a provider without live appointments', () => {
    const { calendar, events } = readBack(renderIcalFeed({ name: 'Quiet', timeZone: 'Europe/Berlin' }, []));
    expect(events).toEqual([]);
    expect(calendar.getAllSubcomponents('vtimezone')).toEqual([]);
  });
});
