/** The SMS port: one text to one E.164 number. */
export interface SmsMessage {
  /** E.164, e.g. +4915112345678. */
  readonly to: string;
  readonly body: string;
}

export interface SmsSender {
  /** Resolves with the provider's message id once accepted; rejects with a DeliveryError. */
  send(message: SmsMessage): Promise<{ readonly providerId: string }>;
}
