import type { MessageKind } from '../message-kinds';

/**
 * One language's messages, in ICU MessageFormat (formatted by intl-messageformat). Values available
 * to every message: name (the recipient), audience (customer | owner); with an appointment: service,
 * provider, customer, when (start, long), time (start, short); per kind: previousWhen, reason /
 * hasReason (yes | no), amount, expires, minutes, calendar.
 */
export interface MessageTemplate {
  readonly subject: string;
  /** Paragraphs of the body; one that formats to nothing is left out. */
  readonly paragraphs: readonly string[];
  /** A link the message is about: its label, shown with the URL from the message's data. */
  readonly action?: string;
  /** For kinds that also go by SMS. */
  readonly sms?: string;
}

export interface MessageCatalog {
  readonly kinds: Readonly<Record<MessageKind, MessageTemplate>>;
  /** The calendar entry's title. */
  readonly calendarTitle: string;
  readonly footer: string;
}
