import type { Money } from '../domain/provider/money';

/** Every message kind of the notifications contract. */
export const MESSAGE_KINDS = [
  'BOOKING_CONFIRMED',
  'BOOKING_REQUESTED',
  'BOOKING_CANCELLED',
  'BOOKING_RESCHEDULED',
  'REMINDER_48H',
  'REMINDER_1H',
  'PAYMENT_FAILED',
  'PAYMENT_REFUNDED',
  'WAITLIST_OFFER',
  'PASSWORD_RESET',
  'CALENDAR_NEEDS_REAUTH',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Who reads it: the customer who booked, or the provider's owner (their wording differs). */
export type Audience = 'customer' | 'owner';

export interface MessageRecipient {
  readonly name: string;
  /** The recipient's own IANA zone; absent or unknown = the provider's. */
  readonly timeZone?: string | null;
  /** Named as the invitation's attendee when given. */
  readonly email?: string | null;
}

export interface AppointmentDetails {
  readonly id: string;
  readonly serviceName: string;
  readonly providerName: string;
  readonly providerTimeZone: string;
  readonly customerName: string;
  /** ISO instants. */
  readonly start: string;
  readonly end: string;
  /** The calendar entry's revision: 0 when booked, +1 at each reschedule and at the cancellation (SEQUENCE). */
  readonly sequence: number;
}

/** What an invitation needs beyond the appointment: who sends it, and when it was issued (DTSTAMP). */
export interface InviteDetails {
  readonly organizerEmail: string;
  /** ISO instant of the event that caused the message: the same on every re-render of it. */
  readonly issuedAt: string;
}

interface AboutAppointment {
  readonly recipient: MessageRecipient;
  readonly appointment: AppointmentDetails;
}
interface ToEither extends AboutAppointment {
  readonly audience: Audience;
}

export interface MessageDataByKind {
  BOOKING_CONFIRMED: ToEither & { readonly invite: InviteDetails };
  BOOKING_REQUESTED: ToEither;
  BOOKING_CANCELLED: ToEither & { readonly invite: InviteDetails; readonly reason: string | null };
  BOOKING_RESCHEDULED: ToEither & { readonly invite: InviteDetails; readonly previousStart: string };
  REMINDER_48H: ToEither;
  REMINDER_1H: AboutAppointment;
  PAYMENT_FAILED: AboutAppointment & { readonly amount: Money; readonly payUrl: string | null };
  PAYMENT_REFUNDED: AboutAppointment & { readonly amount: Money };
  WAITLIST_OFFER: AboutAppointment & { readonly expiresAt: string; readonly offerUrl: string };
  PASSWORD_RESET: { readonly recipient: MessageRecipient; readonly resetUrl: string; readonly validMinutes: number };
  CALENDAR_NEEDS_REAUTH: { readonly recipient: MessageRecipient; readonly providerName: string; readonly calendarName: string; readonly reconnectUrl: string };
}
export type MessageData<K extends MessageKind = MessageKind> = MessageDataByKind[K];
