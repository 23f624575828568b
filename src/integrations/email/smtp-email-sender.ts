import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { DeliveryError } from '../delivery-error';
import type { EmailMessage, EmailSender } from './email-sender';

export interface SmtpEmailSenderOptions {
  /** smtp://[user:pass@]host:port or smtps://… (nodemailer's own URL options, e.g. `?tls.servername=…`, work too). */
  readonly url: string;
  /** "Name <address>" or a bare address. */
  readonly from: string;
  /** Connection and greeting timeout; the socket may idle twice as long (default 10 s). */
  readonly timeoutMs?: number;
  /** Connections kept open to the server (default 3). */
  readonly maxConnections?: number;
}

/**
 * E-mail through nodemailer's pooled SMTP transport. The Message-ID is ours, not the server's:
 * `<notification-id@sender-domain>`, so whoever receives a second copy can tell it is the same message.
 */
export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(private readonly options: SmtpEmailSenderOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.transport = nodemailer.createTransport({
      url: options.url,
      pool: true,
      maxConnections: options.maxConnections ?? 3,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
    });
    this.domain = senderDomain(options.from);
  }

  async send(message: EmailMessage): Promise<{ readonly messageId: string }> {
    const messageId = messageIdFor(message.id, this.domain);
    const mail: SendMailOptions = {
      from: this.options.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId,
      // The invitation twice: as the text/calendar alternative that mail clients turn into accept/decline
      // buttons, and as an invite.ics file for everyone else.
      ...(message.calendar ? { icalEvent: { method: message.calendar.method, content: message.calendar.content } } : {}),
      attachments: [
        ...(message.calendar ? [{ filename: 'invite.ics', contentType: `application/ics; method=${message.calendar.method}`, content: message.calendar.content }] : []),
        ...(message.attachments ?? []).map((a) => ({ ...a })),
      ],
    };
    try {
      await this.transport.sendMail(mail);
    } catch (err) {
      throw deliveryErrorOf(err);
    }
    return { messageId };
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** `<id@domain>`; the id is a UUID in practice, anything else is reduced to what a Message-ID allows. */
export function messageIdFor(notificationId: string, domain: string): string {
  return `<${notificationId.replace(/[^A-Za-z0-9._-]/g, '_')}@${domain}>`;
}

function senderDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/** SMTP 5xx replies are final; 4xx replies and connection trouble are worth another try later. */
function deliveryErrorOf(err: unknown): DeliveryError {
  const e = err as { message?: unknown; responseCode?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  return new DeliveryError(`SMTP: ${code}${message}`.slice(0, 500), status !== undefined && status >= 500, status);
}
