import type { MessageCatalog } from './catalog';

const hello = 'Hello {name},';

export const en: MessageCatalog = {
  calendarTitle: '{service} with {provider}',
  footer: 'This message was sent by Slotstream.',
  kinds: {
    BOOKING_CONFIRMED: {
      subject: '{audience, select, owner {New booking: {customer}, {when}} other {Confirmed: {service} with {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {{customer} booked {service} for {when}.} other {Your booking of {service} with {provider} is confirmed for {when}.}}',
        'The attached invitation puts it in your calendar.',
      ],
      sms: '{provider}: your booking of {service} on {when} is confirmed.',
    },
    BOOKING_REQUESTED: {
      subject: '{audience, select, owner {Booking request: {customer}, {when}} other {Requested: {service} with {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {{customer} asks to book {service} for {when}. Please confirm or decline the request.} other {We have passed on your request for {service} with {provider} on {when}. You will hear from us as soon as it is confirmed.}}',
      ],
      sms: '{provider}: we received your request for {service} on {when} and will confirm it soon.',
    },
    BOOKING_CANCELLED: {
      subject: 'Cancelled: {service}, {when}',
      paragraphs: [
        hello,
        '{audience, select, owner {The booking of {service} by {customer} for {when} has been cancelled.} other {Your booking of {service} with {provider} for {when} has been cancelled.}}',
        '{hasReason, select, yes {Reason: {reason}} other {}}',
      ],
      sms: '{provider}: your booking of {service} on {when} has been cancelled.',
    },
    BOOKING_RESCHEDULED: {
      subject: 'Moved: {service} is now {when}',
      paragraphs: [
        hello,
        '{audience, select, owner {The booking of {service} by {customer} has moved from {previousWhen} to {when}.} other {Your booking of {service} with {provider} has moved from {previousWhen} to {when}.}}',
        'The attached invitation updates your calendar.',
      ],
      sms: '{provider}: your booking of {service} has moved to {when}.',
    },
    REMINDER_48H: {
      subject: '{audience, select, owner {Reminder: {customer}, {service}, {when}} other {Reminder: {service} with {provider}, {when}}}',
      paragraphs: [
        hello,
        '{audience, select, owner {A reminder: {customer} is booked for {service} on {when}.} other {A reminder of your booking of {service} with {provider} on {when}.}}',
      ],
      sms: 'Reminder: {service} with {provider} on {when}.',
    },
    REMINDER_1H: {
      subject: 'In one hour: {service} with {provider}',
      paragraphs: [hello, 'Your booking of {service} with {provider} starts in one hour, at {time}.'],
      sms: 'Reminder: {service} with {provider} starts at {time}.',
    },
    PAYMENT_FAILED: {
      subject: 'Payment failed: {service} on {when}',
      paragraphs: [hello, 'The payment of {amount} for {service} with {provider} on {when} did not go through.', 'Please pay before the appointment, or it may be cancelled.'],
      action: 'Pay now',
    },
    PAYMENT_REFUNDED: {
      subject: 'Refunded: {amount} for {service}',
      paragraphs: [hello, '{amount} for {service} with {provider} on {when} has been refunded. It can take a few days to reach your account.'],
    },
    WAITLIST_OFFER: {
      subject: 'A place is free: {service} on {when}',
      paragraphs: [hello, 'A place has come free for {service} with {provider} on {when}. It is yours if you take it by {expires}.'],
      action: 'Take the place',
    },
    PASSWORD_RESET: {
      subject: 'Reset your Slotstream password',
      paragraphs: [
        hello,
        'Someone asked to reset the password of your Slotstream account. If that was you, open the link below within {minutes, plural, one {# minute} other {# minutes}}; it works once.',
        'If it was not you, ignore this message: your password stays as it is.',
      ],
      action: 'Choose a new password',
    },
    CALENDAR_NEEDS_REAUTH: {
      subject: 'Reconnect {calendar} for {provider}',
      paragraphs: [
        hello,
        'Slotstream can no longer reach {calendar} for {provider}. Until you reconnect it, new bookings are not added there and busy times there do not block bookings.',
      ],
      action: 'Reconnect {calendar}',
    },
  },
};
