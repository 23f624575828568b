import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { AppointmentDetails, InviteDetails, MessageRecipient } from './message-kinds';

/**
 * The iCalendar invitation for an appointment (ical-generator). One UID per appointment for its whole
 * life, SEQUENCE = the appointment's calendar revision, so a calendar updates (REQUEST again, higher
 * SEQUENCE) or removes (CANCEL) the entry it already has instead of adding a second one. Every time
 * in it comes from the data (DTSTAMP = when the change happened): the same message renders the same.
 */
export function renderInvite(input: {
  readonly method: 'REQUEST' | 'CANCEL';
  readonly appointment: AppointmentDetails;
  readonly invite: InviteDetails;
  readonly attendee: MessageRecipient;
  readonly title: string;
  readonly description: string;
}): string {
  const calendar = ical({
    prodId: { company: 'Slotstream', product: 'Slotstream', language: 'EN' },
    method: input.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: invitationUid(input.appointment.id),
    sequence: input.appointment.sequence,
    start: new Date(input.appointment.start),
    end: new Date(input.appointment.end),
    stamp: new Date(input.invite.issuedAt),
    summary: input.title,
    description: input.description,
    status: input.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: input.appointment.providerName, email: input.invite.organizerEmail },
    attendees: input.attendee.email
      ? [{ name: input.attendee.name, email: input.attendee.email, role: ICalAttendeeRole.REQ, status: input.method === 'CANCEL' ? ICalAttendeeStatus.DECLINED : ICalAttendeeStatus.ACCEPTED }]
      : [],
  });
  return calendar.toString();
}

export const invitationUid = (appointmentId: string): string => `appointment-${appointmentId}@slotstream`;
