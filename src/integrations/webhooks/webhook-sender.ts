/** The outgoing-webhook port: one signed POST, answered with what happened (never thrown). */
export interface WebhookRequest {
  readonly url: string;
  /** The endpoint's "whsec_…" secret. */
  readonly secret: string;
  /** webhook-id: the event's id, the same on every attempt, so receivers can deduplicate. */
  readonly id: string;
  /** This attempt's time (webhook-timestamp). */
  readonly timestamp: Date;
  /** The exact JSON text that is signed and sent. */
  readonly body: string;
}

export interface WebhookOutcome {
  /** A 2xx answer within the timeout. */
  readonly delivered: boolean;
  /** The receiver's HTTP status, if it answered. */
  readonly status: number | null;
  /** Why it did not count as delivered, short enough to store. */
  readonly error: string | null;
}

export interface WebhookSender {
  deliver(request: WebhookRequest): Promise<WebhookOutcome>;
}
