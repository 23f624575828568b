import { type AppointmentDetails, type InviteDetails, MESSAGE_KINDS, type MessageDataByKind, type MessageKind } from './message-kinds';
import { renderMessage } from './render-message';

// A Berlin provider; 14:00 UTC on 9 March 2026 is 15:00 in Berlin (CET) and 10:00 in New York (EDT since 8 March).
const appointment: AppointmentDetails = {
  id: '3f0c6a52-8a5e-4d1b-9a57-0d6c1b2e4f10',
  serviceName: 'Haircut',
  providerName: 'Salon Mitte',
  providerTimeZone: 'Europe/Berlin',
  customerName: 'Ada Lovelace',
  start: '2026-03-09T14:00:00.000Z',
  end: '2026-03-09T14:30:00.000Z',
  sequence: 0,
};
const invite: InviteDetails = { organizerEmail: 'no-reply@slotstream.example', issuedAt: '2026-03-01T10:00:00.000Z' };
const customerInNewYork = { name: 'Ada', timeZone: 'America/New_York', email: 'ada@example.com' };
const ownerInBerlin = { name: 'Bea', email: 'bea@example.com' };

/** One valid data set per kind. */
const samples: { [K in MessageKind]: MessageDataByKind[K] } = {
  BOOKING_CONFIRMED: { recipient: customerInNewYork, audience: 'customer', appointment, invite },
  BOOKING_REQUESTED: { recipient: ownerInBerlin, audience: 'owner', appointment },
  BOOKING_CANCELLED: { recipient: customerInNewYork, audience: 'customer', appointment: { ...appointment, sequence: 2 }, invite, reason: 'Illness' },
  BOOKING_RESCHEDULED: { recipient: customerInNewYork, audience: 'customer', appointment: { ...appointment, sequence: 1 }, invite, previousStart: '2026-03-08T09:00:00.000Z' },
  REMINDER_48H: { recipient: ownerInBerlin, audience: 'owner', appointment },
  REMINDER_1H: { recipient: customerInNewYork, appointment },
  PAYMENT_FAILED: { recipient: customerInNewYork, appointment, amount: { amountMinor: 4550, currency: 'EUR' }, payUrl: 'https://book.example.com/pay/3f0c' },
  PAYMENT_REFUNDED: { recipient: customerInNewYork, appointment, amount: { amountMinor: 4550, currency: 'EUR' } },
  WAITLIST_OFFER: { recipient: customerInNewYork, appointment, expiresAt: '2026-03-08T18:00:00.000Z', offerUrl: 'https://book.example.com/waitlist/take?o=1&t=2' },
  PASSWORD_RESET: { recipient: { name: 'Ada' }, resetUrl: 'https://book.example.com/reset-password?token=abc123', validMinutes: 30 },
  CALENDAR_NEEDS_REAUTH: { recipient: ownerInBerlin, providerName: 'Salon Mitte', calendarName: 'Google Calendar', reconnectUrl: 'https://book.example.com/calendar/reconnect' },
};

const SMS_KINDS: MessageKind[] = ['BOOKING_CONFIRMED', 'BOOKING_REQUESTED', 'BOOKING_CANCELLED', 'BOOKING_RESCHEDULED', 'REMINDER_48H', 'REMINDER_1H'];
const render = <K extends MessageKind>(kind: K, locale: string | null, data: MessageDataByKind[K] = samples[kind]) => renderMessage(kind, locale, data);

/** iCalendar content lines, folded lines joined again. */
const icsLines = (ics: string): string[] => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('renderMessage', () => {
  describe.each(['en', 'de'])('every kind in %s', (locale) => {
    it.each(MESSAGE_KINDS.map((k) => [k]))('%s: subject, text and an HTML document, every placeholder filled, SMS text where it goes by SMS', (kind) => {
      const m = render(kind, locale);
      expect(m.subject.length).toBeGreaterThan(5);
      expect(m.text).toMatch(locale === 'de' ? /^Hallo / : /^Hello /);
      expect(m.html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${locale}">`));
      for (const part of [m.subject, m.text, m.html, m.sms ?? '']) expect(part).not.toMatch(/[{}]/);
      expect(m.sms !== undefined).toBe(SMS_KINDS.includes(kind));
    });
  });

  it('given a New York customer of a Berlin provider, then the customer reads New York time and the owner Berlin time', () => {
    const customer = render('BOOKING_CONFIRMED', 'en-US');
    expect(customer.subject).toBe('Confirmed: Haircut with Salon Mitte, Monday, March 9, 2026 at 10:00 AM EDT');
    expect(customer.sms).toBe('Salon Mitte: your booking of Haircut on Monday, March 9, 2026 at 10:00 AM EDT is confirmed.');

    const owner = render('BOOKING_CONFIRMED', 'de-DE', { ...samples.BOOKING_CONFIRMED, recipient: ownerInBerlin, audience: 'owner' });
    expect(owner.subject).toBe('Neue Buchung: Ada Lovelace, Montag, 9. März 2026 um 15:00 MEZ');
    expect(owner.text).toContain('Ada Lovelace hat Haircut für Montag, 9. März 2026 um 15:00 MEZ gebucht.');
  });

  it('given a recipient without a zone, or with one that does not exist, then times are in the provider\'s zone', () => {
    for (const timeZone of [null, 'Mars/Olympus_Mons']) {
      expect(render('REMINDER_1H', 'en-GB', { recipient: { name: 'Ada', timeZone }, appointment }).sms).toBe('Reminder: Haircut with Salon Mitte starts at 15:00 CET.');
    }
  });

  it('given a locale we have no messages for, or no locale at all, then it speaks English', () => {
    for (const locale of ['fr-FR', 'zz', 'not a locale!!', null]) {
      const m = render('REMINDER_1H', locale);
      expect(m.subject).toBe('In one hour: Haircut with Salon Mitte');
      expect(m.sms).toBe('Reminder: Haircut with Salon Mitte starts at 10:00 AM EDT.');
    }
  });

  it('escapes what users typed in the HTML, and keeps it as typed in the text', () => {
    const m = render('BOOKING_CANCELLED', 'en', {
      ...samples.BOOKING_CANCELLED,
      recipient: { ...ownerInBerlin },
      audience: 'owner',
      appointment: { ...samples.BOOKING_CANCELLED.appointment, customerName: '<script>alert("x")</script>' },
      reason: 'Double-booked & "sorry"',
    });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(m.html).toContain('<p>Reason: Double-booked &amp; &quot;sorry&quot;</p>');
    expect(m.text).toContain('by <script>alert("x")</script> for');
    expect(m.text).toContain('Reason: Double-booked & "sorry"');
  });

  it('leaves out the reason of a cancellation that has none', () => {
    const m = render('BOOKING_CANCELLED', 'de', { ...samples.BOOKING_CANCELLED, reason: null });
    expect(m.text).not.toContain('Grund');
    expect(m.html).not.toContain('<p></p>');
  });

  it('puts the reset link in text and HTML, with the validity in words', () => {
    const en = render('PASSWORD_RESET', 'en');
    expect(en.text).toContain('within 30 minutes');
    expect(en.text).toContain('Choose a new password: https://book.example.com/reset-password?token=abc123');
    expect(en.html).toContain('<a href="https://book.example.com/reset-password?token&#x3D;abc123">Choose a new password</a>');
    expect(render('PASSWORD_RESET', 'de', { ...samples.PASSWORD_RESET, validMinutes: 1 }).text).toContain('innerhalb von 1 Minute;');
  });

  it('formats amounts in the reader\'s locale and currency', () => {
    expect(render('PAYMENT_REFUNDED', 'en-US').subject).toBe('Refunded: €45.50 for Haircut');
    expect(render('PAYMENT_REFUNDED', 'de').subject).toBe('Erstattet: 45,50\u00a0€ für Haircut');
  });

  describe('the invitation', () => {
    it('given a confirmation, then it is a REQUEST for the appointment\'s UID, SEQUENCE 0, in UTC, stamped with the event\'s time', () => {
      const ics = render('BOOKING_CONFIRMED', 'en').ics;
      expect(ics?.method).toBe('REQUEST');
      expect(icsLines(ics!.content)).toEqual(
        expect.arrayContaining([
          'METHOD:REQUEST',
          `UID:appointment-${appointment.id}@slotstream`,
          'SEQUENCE:0',
          'DTSTAMP:20260301T100000Z',
          'DTSTART:20260309T140000Z',
          'DTEND:20260309T143000Z',
          'SUMMARY:Haircut with Salon Mitte',
          'STATUS:CONFIRMED',
          'ORGANIZER;CN="Salon Mitte":mailto:no-reply@slotstream.example',
        ]),
      );
    });

    it('given a reschedule and then a cancellation, then the same UID with a growing SEQUENCE, the last a CANCEL', () => {
      const moved = icsLines(render('BOOKING_RESCHEDULED', 'en').ics!.content);
      const cancelled = render('BOOKING_CANCELLED', 'en').ics!;
      expect(moved).toEqual(expect.arrayContaining(['METHOD:REQUEST', `UID:appointment-${appointment.id}@slotstream`, 'SEQUENCE:1']));
      expect(cancelled.method).toBe('CANCEL');
      expect(icsLines(cancelled.content)).toEqual(expect.arrayContaining(['METHOD:CANCEL', `UID:appointment-${appointment.id}@slotstream`, 'SEQUENCE:2', 'STATUS:CANCELLED']));
    });

    it('is carried only by confirmations and changes', () => {
      const withInvite = MESSAGE_KINDS.filter((k) => render(k, 'en').ics !== undefined);
      expect(withInvite).toEqual(['BOOKING_CONFIRMED', 'BOOKING_CANCELLED', 'BOOKING_RESCHEDULED']);
    });
  });

  it('renders the same message the same way every time: no clock, no state', () => {
    for (const kind of MESSAGE_KINDS) expect(render(kind, 'de')).toEqual(render(kind, 'de'));
  });
});
