/**
 * Idempotency keys for the payment provider, derived from our own ids and never random: the same
 * decision made again (a retried job, a second node, a restart between the provider's answer and our
 * append) sends the same key, and the provider answers the first result instead of acting twice.
 * Stripe keeps keys for 24 hours and scopes them to the account, so each names its purpose; all stay
 * well under Stripe's 255 characters for our ids.
 */
const PREFIX = 'slotstream';

export const paymentKeys = {
  /** The one PaymentIntent of an appointment. */
  createPaymentIntent: (appointmentId: string): string => `${PREFIX}:payment-intent:${appointmentId}`,
  /** Cancelling an intent (hold expired, booking cancelled before payment). */
  cancelPaymentIntent: (paymentIntentId: string): string => `${PREFIX}:cancel:${paymentIntentId}`,
  /** The refund that one cause decided: the cancellation event, or the webhook event of a payment that came too late. */
  refund: (causeId: string): string => `${PREFIX}:refund:${causeId}`,
} as const;
