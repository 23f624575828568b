/**
 * Google Calendar events to and from our terms. Pure: no calls, no clock.
 *
 * Sync in: which events make the provider busy, and when. Sync out: the event an appointment becomes,
 * with an id derived from the appointment (Google accepts ids chosen by the client), so inserting it
 * again after a lost answer or a restart is a 409 on the same event, never a second one.
 */
import { createHash } from 'node:crypto';
import type { calendar_v3 } from '@googleapis/calendar';
import { DateTime } from 'luxon';
import type { AppointmentCalendarEvent, BusyChange } from './calendar-provider';

/** The private extended property that marks an event as one of our appointments. */
export const APPOINTMENT_PROPERTY = 'slotstreamAppointmentId';

/**
 * The calendar event id of an appointment: base32hex (`0-9a-v`) as Google requires, 5–1024 characters.
 * A prefix and a SHA-256 in hex (hex digits are base32hex digits) whatever our ids look like.
 */
export function googleEventIdFor(appointmentId: string): string {
  return `slotstream${createHash('sha256').update(appointmentId, 'utf8').digest('hex')}`;
}

/** Google Meet's conference request id: the same appointment asks for the same meeting. */
const meetingRequestIdFor = (appointmentId: string): string => `slotstream-${createHash('sha256').update(appointmentId, 'utf8').digest('hex').slice(0, 32)}`;

/**
 * What one listed event means for availability, or null when it is not an event (no id). All-day
 * events (`date`, end exclusive) are busy from local midnight to local midnight in `calendarZone`.
 */
export function busyChangeOf(event: calendar_v3.Schema$Event, calendarZone: string): BusyChange | null {
  if (!event.id) return null;
  const notBusy: BusyChange = { externalId: event.id, busy: null };
  if (event.extendedProperties?.private?.[APPOINTMENT_PROPERTY] !== undefined) return notBusy;
  if (event.status === 'cancelled' || event.transparency === 'transparent' || event.eventType === 'workingLocation') return notBusy;
  if (event.attendees?.some((a) => a.self === true && a.responseStatus === 'declined')) return notBusy;
  const start = instantOf(event.start, calendarZone);
  const end = instantOf(event.end, calendarZone);
  if (start === null || end === null || end <= start) return notBusy;
  return { externalId: event.id, busy: { start: new Date(start).toISOString(), end: new Date(end).toISOString() } };
}

function instantOf(time: calendar_v3.Schema$EventDateTime | undefined, calendarZone: string): number | null {
  if (time?.dateTime) {
    const instant = Date.parse(time.dateTime);
    return Number.isNaN(instant) ? null : instant;
  }
  if (time?.date) {
    const midnight = DateTime.fromISO(time.date, { zone: calendarZone });
    return midnight.isValid ? midnight.toMillis() : null;
  }
  return null;
}

/** The event an appointment becomes: ours (marked), opaque, in the provider's zone, with a Meet request when asked. */
export function googleEventFor(appointment: AppointmentCalendarEvent): calendar_v3.Schema$Event & { id: string } {
  return {
    id: googleEventIdFor(appointment.appointmentId),
    status: 'confirmed',
    summary: appointment.summary,
    description: appointment.description,
    start: { dateTime: appointment.start, timeZone: appointment.timeZone },
    end: { dateTime: appointment.end, timeZone: appointment.timeZone },
    transparency: 'opaque',
    extendedProperties: { private: { [APPOINTMENT_PROPERTY]: appointment.appointmentId } },
    ...(appointment.requestMeeting
      ? { conferenceData: { createRequest: { requestId: meetingRequestIdFor(appointment.appointmentId), conferenceSolutionKey: { type: 'hangoutsMeet' } } } }
      : {}),
  };
}

/** The video meeting of an event, once Google made it. */
export function meetingLinkOf(event: calendar_v3.Schema$Event): string | null {
  return event.hangoutLink ?? event.conferenceData?.entryPoints?.find((p) => p.entryPointType === 'video')?.uri ?? null;
}
