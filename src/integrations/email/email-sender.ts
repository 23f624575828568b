/** The e-mail port: one message to one recipient. */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: string;
}

export interface EmailMessage {
  /**
   * The notification's id. The Message-ID is derived from it, so a copy sent again after a crash
   * (accepted by the server, but not yet recorded as sent) carries the same Message-ID.
   */
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** An iCalendar invitation, sent as the calendar alternative clients act on and as an .ics attachment. */
  readonly calendar?: { readonly method: 'REQUEST' | 'CANCEL'; readonly content: string };
  readonly attachments?: readonly EmailAttachment[];
}

export interface EmailSender {
  /** Resolves with the Message-ID once the server accepted the message; rejects with a DeliveryError. */
  send(message: EmailMessage): Promise<{ readonly messageId: string }>;
  close(): Promise<void>;
}
