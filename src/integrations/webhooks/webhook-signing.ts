import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing (standardwebhooks.com) through its maintained library, so receivers can
 * verify with theirs: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
 */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** A new endpoint secret: "whsec_" + base64 of 32 random bytes (shown once, at creation). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The three headers for one delivery attempt. `id` stays the same on every retry; `timestamp` is the attempt's. */
export function signWebhook(secret: string, delivery: { readonly id: string; readonly timestamp: Date; readonly body: string }): WebhookHeaders {
  // The library signs whole seconds, which is what the header carries.
  const timestamp = new Date(Math.floor(delivery.timestamp.getTime() / 1000) * 1000);
  return {
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(delivery.id, timestamp, delivery.body),
  };
}
