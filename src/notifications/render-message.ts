import Handlebars from 'handlebars';
import { IntlMessageFormat } from 'intl-messageformat';
import { renderInvite } from './calendar-invite';
import type { MessageCatalog } from './catalog/catalog';
import { de } from './catalog/de';
import { en } from './catalog/en';
import type { AppointmentDetails, InviteDetails, MessageData, MessageDataByKind, MessageKind, MessageRecipient } from './message-kinds';
import { formatInstant, formatMoney, resolveLocale, resolveZone } from './recipient-locale';

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** For kinds that also go by SMS. */
  readonly sms?: string;
  /** The .ics invitation of confirmations and changes. */
  readonly ics?: { readonly method: 'REQUEST' | 'CANCEL'; readonly content: string };
}

const CATALOGS = { en, de } as const satisfies Record<string, MessageCatalog>;
type Language = keyof typeof CATALOGS;
const LANGUAGES = Object.keys(CATALOGS) as Language[];

/** Which kinds carry an invitation, and with which method. */
const INVITES: Partial<Record<MessageKind, 'REQUEST' | 'CANCEL'>> = {
  BOOKING_CONFIRMED: 'REQUEST',
  BOOKING_RESCHEDULED: 'REQUEST',
  BOOKING_CANCELLED: 'CANCEL',
};

// Handlebars escapes every {{value}} (& < > " ' ` =), so names and reasons typed by users cannot add markup.
const layout = Handlebars.compile<{
  lang: string;
  subject: string;
  paragraphs: string[];
  action: { label: string; url: string } | null;
  footer: string;
}>(
  `<!DOCTYPE html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><title>{{subject}}</title></head>
<body style="font-family: Helvetica, Arial, sans-serif; line-height: 1.5; color: #222;">
{{#each paragraphs}}<p>{{this}}</p>
{{/each}}{{#if action}}<p><a href="{{action.url}}">{{action.label}}</a></p>
{{/if}}<p style="color: #777; font-size: 12px;">{{footer}}</p>
</body>
</html>
`,
  { strict: true },
);

type Values = Record<string, string | number>;

/**
 * A message in the recipient's language, zone and locale: subject, plain text, HTML, the SMS text for
 * kinds that go by SMS, and the invitation for confirmations and changes. Pure: everything it shows,
 * times included, comes from `data`; an unknown locale gets English.
 */
export function renderMessage<K extends MessageKind>(kind: K, locale: string | null | undefined, data: MessageDataByKind[K]): RenderedMessage {
  const { language, format } = resolveLocale(locale, LANGUAGES, 'en');
  const catalog: MessageCatalog = CATALOGS[language];
  const template = catalog.kinds[kind];
  const values = valuesOf(data as MessageData, format);
  const say = (source: string): string => formatMessage(source, language, values);

  const subject = say(template.subject);
  const paragraphs = template.paragraphs.map(say).filter((p) => p.trim() !== '');
  const actionUrl = actionUrlOf(data as MessageData);
  const action = template.action && actionUrl ? { label: say(template.action), url: actionUrl } : null;
  const footer = say(catalog.footer);
  const text = `${[...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : [])].join('\n\n')}\n\n-- \n${footer}\n`;
  const html = layout({ lang: language, subject, paragraphs, action, footer });

  const method = INVITES[kind];
  const withInvite = data as Partial<{ appointment: AppointmentDetails; invite: InviteDetails; recipient: MessageRecipient }>;
  const ics =
    method && withInvite.appointment && withInvite.invite && withInvite.recipient
      ? {
          method,
          content: renderInvite({
            method,
            appointment: withInvite.appointment,
            invite: withInvite.invite,
            attendee: withInvite.recipient,
            title: say(catalog.calendarTitle),
            description: paragraphs.slice(1).join('\n\n'),
          }),
        }
      : undefined;

  return { subject, text, html, ...(template.sms ? { sms: say(template.sms) } : {}), ...(ics ? { ics } : {}) };
}

/** The ICU values a kind's messages may use (see catalog.ts). */
function valuesOf(data: MessageData, locale: string): Values {
  const values: Values = { name: data.recipient.name, audience: 'audience' in data ? data.audience : 'customer' };
  if ('appointment' in data) {
    const a = data.appointment;
    const zone = resolveZone(data.recipient.timeZone, a.providerTimeZone);
    Object.assign(values, {
      service: a.serviceName,
      provider: a.providerName,
      customer: a.customerName,
      when: formatInstant(a.start, zone, locale),
      time: formatInstant(a.start, zone, locale, 'time'),
    });
    if ('previousStart' in data) values.previousWhen = formatInstant(data.previousStart, zone, locale);
    if ('reason' in data) Object.assign(values, { reason: data.reason ?? '', hasReason: data.reason ? 'yes' : 'no' });
    if ('amount' in data) values.amount = formatMoney(data.amount, locale);
    if ('expiresAt' in data) values.expires = formatInstant(data.expiresAt, zone, locale);
  }
  if ('validMinutes' in data) values.minutes = data.validMinutes;
  if ('calendarName' in data) Object.assign(values, { calendar: data.calendarName, provider: data.providerName });
  return values;
}

function actionUrlOf(data: MessageData): string | null {
  if ('resetUrl' in data) return data.resetUrl;
  if ('offerUrl' in data) return data.offerUrl;
  if ('reconnectUrl' in data) return data.reconnectUrl;
  if ('payUrl' in data) return data.payUrl;
  return null;
}

// Compiled once per (language, source): messages are few and formatted often.
const compiled = new Map<string, IntlMessageFormat>();
function formatMessage(source: string, language: Language, values: Values): string {
  const id = `${language}\u0000${source}`;
  let message = compiled.get(id);
  if (!message) {
    message = new IntlMessageFormat(source, language);
    compiled.set(id, message);
  }
  return String(message.format(values));
}
