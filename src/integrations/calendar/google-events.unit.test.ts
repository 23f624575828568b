import type { calendar_v3 } from '@googleapis/calendar';
import { APPOINTMENT_PROPERTY, busyChangeOf, googleEventFor, googleEventIdFor, meetingLinkOf } from './google-events';

const BERLIN = 'Europe/Berlin';
const timed: calendar_v3.Schema$Event = {
  id: 'ext1',
  status: 'confirmed',
  start: { dateTime: '2025-03-30T01:30:00+01:00' },
  end: { dateTime: '2025-03-30T03:30:00+02:00' },
};

/** given a Google event (in a calendar of `zone`), then it makes the provider busy for `interval`, or not at all. */
const given = (event: calendar_v3.Schema$Event, zone = BERLIN) => ({
  thenBusy: (start: string, end: string) => expect(busyChangeOf(event, zone)).toEqual({ externalId: event.id, busy: { start, end } }),
  thenNotBusy: () => expect(busyChangeOf(event, zone)).toEqual({ externalId: event.id, busy: null }),
});

describe('Google events, sync in', () => {
  it('given a timed event, then it is busy for its instants, whatever offsets it is written in', () => {
    given(timed).thenBusy('2025-03-30T00:30:00.000Z', '2025-03-30T01:30:00.000Z');
    given({ ...timed, start: { dateTime: '2025-06-01T09:00:00Z', timeZone: 'America/New_York' }, end: { dateTime: '2025-06-01T10:00:00Z' } }).thenBusy(
      '2025-06-01T09:00:00.000Z',
      '2025-06-01T10:00:00.000Z',
    );
  });

  it('given a tentative event, then it is busy (only free or declined time is not)', () => {
    given({ ...timed, status: 'tentative' }).thenBusy('2025-03-30T00:30:00.000Z', '2025-03-30T01:30:00.000Z');
  });

  it('given one of our own appointments, then it is never read back as busy', () => {
    given({ ...timed, extendedProperties: { private: { [APPOINTMENT_PROPERTY]: 'appointment-1' } } }).thenNotBusy();
  });

  it('given a cancelled (deleted), transparent ("free"), working-location or declined event, then it is not busy', () => {
    given({ ...timed, status: 'cancelled' }).thenNotBusy();
    given({ id: 'deleted', status: 'cancelled' }).thenNotBusy();
    given({ ...timed, transparency: 'transparent' }).thenNotBusy();
    given({ ...timed, eventType: 'workingLocation' }).thenNotBusy();
    given({ ...timed, attendees: [{ email: 'other@example.com', responseStatus: 'accepted' }, { email: 'me@example.com', self: true, responseStatus: 'declined' }] }).thenNotBusy();
  });

  it('given an event the owner accepted among others who declined, then it is busy', () => {
    given({ ...timed, attendees: [{ email: 'other@example.com', responseStatus: 'declined' }, { email: 'me@example.com', self: true, responseStatus: 'accepted' }] }).thenBusy(
      '2025-03-30T00:30:00.000Z',
      '2025-03-30T01:30:00.000Z',
    );
  });

  it('given an all-day event on the day clocks go forward in Berlin, then it is busy for that 23-hour local day', () => {
    given({ id: 'allday', start: { date: '2025-03-30' }, end: { date: '2025-03-31' } }).thenBusy('2025-03-29T23:00:00.000Z', '2025-03-30T22:00:00.000Z');
  });

  it('given a two-day all-day event over the October change, then it is busy from local midnight to local midnight (49 hours)', () => {
    given({ id: 'weekend', start: { date: '2025-10-25' }, end: { date: '2025-10-27' } }).thenBusy('2025-10-24T22:00:00.000Z', '2025-10-26T23:00:00.000Z');
  });

  it('given an all-day event in a New York calendar, then its day is New York\'s', () => {
    given({ id: 'ny', start: { date: '2025-03-09' }, end: { date: '2025-03-10' } }, 'America/New_York').thenBusy('2025-03-09T05:00:00.000Z', '2025-03-10T04:00:00.000Z');
  });

  it('given an event without usable times (missing, unreadable, or ending before it starts), then it is not busy', () => {
    given({ id: 'no-times', status: 'confirmed' }).thenNotBusy();
    given({ ...timed, start: { dateTime: 'soon' } }).thenNotBusy();
    given({ ...timed, end: timed.start }).thenNotBusy();
  });

  it('given an item without an id, then there is nothing to record', () => {
    expect(busyChangeOf({ status: 'confirmed', start: timed.start, end: timed.end }, BERLIN)).toBeNull();
  });
});

describe('Google events, sync out', () => {
  const appointment = {
    appointmentId: '7d0c5a62-51c4-5d7e-8f43-0f2b8c1d9e10',
    summary: 'Haircut with Ada',
    description: 'Booked through Slotstream',
    start: '2025-03-30T08:00:00.000Z',
    end: '2025-03-30T08:45:00.000Z',
    timeZone: BERLIN,
    requestMeeting: false,
  };

  it('derives one event id per appointment, in Google\'s alphabet (base32hex, 5–1024 characters)', () => {
    const id = googleEventIdFor(appointment.appointmentId);
    expect(id).toMatch(/^[0-9a-v]{5,1024}$/);
    expect(googleEventIdFor(appointment.appointmentId)).toBe(id);
    expect(googleEventIdFor('another appointment')).not.toBe(id);
  });

  it('makes the appointment an opaque event in the provider\'s zone, marked as ours so sync in skips it', () => {
    const event = googleEventFor(appointment);
    expect(event).toEqual({
      id: googleEventIdFor(appointment.appointmentId),
      status: 'confirmed',
      summary: 'Haircut with Ada',
      description: 'Booked through Slotstream',
      start: { dateTime: '2025-03-30T08:00:00.000Z', timeZone: BERLIN },
      end: { dateTime: '2025-03-30T08:45:00.000Z', timeZone: BERLIN },
      transparency: 'opaque',
      extendedProperties: { private: { [APPOINTMENT_PROPERTY]: appointment.appointmentId } },
    });
    expect(busyChangeOf(event, BERLIN)).toEqual({ externalId: event.id, busy: null });
  });

  it('asks for a Google Meet with a request id that is the same for the same appointment', () => {
    const first = googleEventFor({ ...appointment, requestMeeting: true });
    expect(first.conferenceData).toEqual({ createRequest: { requestId: expect.stringMatching(/^slotstream-[0-9a-f]{32}$/), conferenceSolutionKey: { type: 'hangoutsMeet' } } });
    expect(googleEventFor({ ...appointment, requestMeeting: true }).conferenceData).toEqual(first.conferenceData);
  });

  it('reads the meeting link from the event, once Google made one', () => {
    expect(meetingLinkOf({ hangoutLink: 'https://meet.google.com/abc-defg-hij' })).toBe('https://meet.google.com/abc-defg-hij');
    expect(meetingLinkOf({ conferenceData: { entryPoints: [{ entryPointType: 'phone', uri: 'tel:+1' }, { entryPointType: 'video', uri: 'https://meet.google.com/x' }] } })).toBe(
      'https://meet.google.com/x',
    );
    expect(meetingLinkOf({ conferenceData: { createRequest: { status: { statusCode: 'pending' } } } })).toBeNull();
  });
});
