/**
 * nodemailer against a real SMTP server on loopback (test/fakes/smtp-fake.ts): what arrives, with
 * which Message-ID, and how refusals, dropped connections and a stopped server come back to us.
 */
import { DeliveryError } from '../delivery-error';
import { SmtpFake } from '../../../test/fakes/smtp-fake';
import type { EmailMessage } from './email-sender';
import { SmtpEmailSender } from './smtp-email-sender';

const INVITE = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:appointment-1@slotstream', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');

const message = (id: string, overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  id,
  to: 'Ada Customer <ada@example.com>',
  subject: 'Your booking is confirmed',
  text: 'See you on Monday.',
  html: '<p>See you on Monday.</p>',
  ...overrides,
});

describe('SmtpEmailSender', () => {
  let smtp: SmtpFake;
  let sender: SmtpEmailSender;

  beforeEach(async () => {
    smtp = await SmtpFake.start({ user: 'mailer', pass: 's3cret:pass' });
    sender = new SmtpEmailSender({ url: smtp.url, from: 'Slotstream <no-reply@bookings.example>', timeoutMs: 2_000 });
  });
  afterEach(async () => {
    await sender.close();
    await smtp.stop();
  });

  it('delivers subject, text, HTML and the invitation, authenticated, under a Message-ID derived from the notification', async () => {
    const sent = await sender.send(message('6c1f0b7e-1d2a-4c55-9d7e-2f1f3c4b5a69', { calendar: { method: 'REQUEST', content: INVITE } }));

    expect(sent.messageId).toBe('<6c1f0b7e-1d2a-4c55-9d7e-2f1f3c4b5a69@bookings.example>');
    const [mail] = await smtp.waitForMessages(1);
    expect(mail).toMatchObject({
      messageId: sent.messageId,
      envelopeFrom: 'no-reply@bookings.example',
      envelopeTo: ['ada@example.com'],
      from: '"Slotstream" <no-reply@bookings.example>',
      subject: 'Your booking is confirmed',
      text: 'See you on Monday.',
      html: '<p>See you on Monday.</p>',
      user: 'mailer',
    });
    const invite = mail!.attachments.find((a) => a.filename === 'invite.ics');
    expect(invite?.contentType).toBe('application/ics');
    expect(invite?.content).toBe(INVITE);
    // The same invitation as the calendar alternative clients act on.
    expect(mail!.parsed.attachments.some((a) => a.contentType === 'text/calendar' && a.content.toString('utf8') === INVITE)).toBe(true);
  });

  it('sends a second copy of the same notification under the same Message-ID', async () => {
    await sender.send(message('n-1'));
    await sender.send(message('n-1'));
    const mails = await smtp.waitForMessages(2);
    expect(mails.map((m) => m.messageId)).toEqual(['<n-1@bookings.example>', '<n-1@bookings.example>']);
  });

  it('reports a 4xx refusal as temporary and a 5xx refusal as permanent', async () => {
    smtp.refuseNext(1, 451);
    smtp.refuseNext(1, 550);
    const temporary = await sender.send(message('n-2')).catch((e: unknown) => e);
    const permanent = await sender.send(message('n-3')).catch((e: unknown) => e);

    expect(temporary).toBeInstanceOf(DeliveryError);
    expect(temporary).toMatchObject({ permanent: false, status: 451 });
    expect(permanent).toMatchObject({ permanent: true, status: 550 });
    expect(smtp.messages).toEqual([]);
  });

  it('reports a connection dropped before the answer as temporary; the next send goes through', async () => {
    smtp.dropNext(1);
    await expect(sender.send(message('n-4'))).rejects.toMatchObject({ name: 'DeliveryError', permanent: false });
    await sender.send(message('n-4'));
    expect((await smtp.waitForMessages(1)).map((m) => m.messageId)).toEqual(['<n-4@bookings.example>']);
  });

  it('reports a stopped server as temporary, and sends once it is back on the same port', async () => {
    await smtp.stop();
    await expect(sender.send(message('n-5'))).rejects.toMatchObject({ name: 'DeliveryError', permanent: false });
    await smtp.start();
    await sender.send(message('n-5'));
    expect((await smtp.waitForMessages(1)).map((m) => m.messageId)).toEqual(['<n-5@bookings.example>']);
  });

  it('reports wrong credentials as permanent', async () => {
    const wrong = new SmtpEmailSender({ url: smtp.url.replace('s3cret', 'wrong'), from: 'no-reply@bookings.example', timeoutMs: 2_000 });
    try {
      await expect(wrong.send(message('n-6'))).rejects.toMatchObject({ name: 'DeliveryError', permanent: true, status: 535 });
    } finally {
      await wrong.close();
    }
  });
});
