/**
 * The payments port: what booking, cancelling and the Stripe webhook need from a payment provider.
 * Amounts are domain Money (minor units, ISO 4217 upper case). Every call that changes something at the
 * provider carries an idempotency key derived from our own ids (payment-keys.ts), so a retry, a second
 * node or a restart after a crash asks for the same thing again instead of doing it twice.
 */
import type { Money } from '../../domain/provider/money';

/** Where a payment stands at the provider, reduced to what the schedule cares about. */
export type PaymentIntentStatus = 'requires_payment' | 'processing' | 'succeeded' | 'canceled';

export interface PaymentFailure {
  /** The provider's error code, e.g. `card_declined`. */
  readonly code: string | null;
  /** The issuer's reason, e.g. `insufficient_funds`. */
  readonly declineCode: string | null;
  readonly message: string | null;
}

export interface PaymentIntent {
  readonly id: string;
  readonly status: PaymentIntentStatus;
  readonly amount: Money;
  /** For the customer's browser (Stripe.js) while unpaid. */
  readonly clientSecret: string | null;
  readonly appointmentId: string | null;
  readonly providerId: string | null;
  /** Why the last attempt to pay failed, while the customer may try again. */
  readonly lastFailure: PaymentFailure | null;
}

export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';

export interface Refund {
  readonly id: string;
  readonly paymentIntentId: string;
  readonly amount: Money;
  readonly status: RefundStatus;
}

/** A verified webhook, reduced to the outcomes the schedule acts on. `eventId` is applied once. */
export type PaymentEvent =
  | (PaymentEventBase & { readonly kind: 'payment_succeeded'; readonly amount: Money } & AppointmentRef)
  | (PaymentEventBase & { readonly kind: 'payment_failed'; readonly failure: PaymentFailure } & AppointmentRef)
  | (PaymentEventBase & { readonly kind: 'payment_canceled' } & AppointmentRef)
  /** A refund changed state (created pending, then succeeded or failed). */
  | (PaymentEventBase & { readonly kind: 'refund_updated'; readonly refund: Refund })
  /** The payment's charge was refunded, fully or in part: `refunded` is the total so far. */
  | (PaymentEventBase & { readonly kind: 'charge_refunded'; readonly refunded: Money; readonly fullyRefunded: boolean })
  /** Verified, but nothing we act on (another type, or a payment this service did not create). */
  | (PaymentEventBase & { readonly kind: 'ignored'; readonly type: string });

interface PaymentEventBase {
  readonly eventId: string;
  /** When the provider created the event (epoch ms): for the audit, never for ordering decisions. */
  readonly createdAt: number;
  /** Null only for `ignored` events that concern no payment. */
  readonly paymentIntentId: string | null;
}

interface AppointmentRef {
  readonly paymentIntentId: string;
  readonly appointmentId: string;
  readonly providerId: string;
}

export interface PaymentGateway {
  /** A payment for an appointment; asked again for the same appointment, the same intent comes back. */
  createPaymentIntent(input: { readonly appointmentId: string; readonly providerId: string; readonly amount: Money }): Promise<PaymentIntent>;
  retrievePaymentIntent(paymentIntentId: string): Promise<PaymentIntent>;
  /**
   * Cancels the intent if it can still be cancelled, and answers it as it now is: `canceled`, or
   * `succeeded` when the money came first (the caller then refunds).
   */
  cancelPaymentIntent(paymentIntentId: string): Promise<PaymentIntent>;
  /**
   * Refunds `amount` (> 0) of a succeeded payment. `causeId` is the id of what decided the refund
   * (the cancellation's event id, the late payment's webhook event id): one refund per cause.
   */
  refund(input: { readonly paymentIntentId: string; readonly amount: Money; readonly causeId: string; readonly appointmentId: string }): Promise<Refund>;
  /** Verifies a webhook's raw body against its signature header; throws PaymentWebhookRejectedError. */
  verifyWebhook(rawBody: string | Buffer, signatureHeader: string | undefined): PaymentEvent;
}

/** Base of every failure the gateway reports. `retryable`: the same call later may succeed. */
export abstract class PaymentGatewayError extends Error {
  abstract readonly retryable: boolean;
}

/** The provider could not be reached or failed (network, timeout, 5xx, 429): the API answers PAYMENT_PROVIDER_UNAVAILABLE. */
export class PaymentProviderUnavailableError extends PaymentGatewayError {
  readonly retryable = true;
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'PaymentProviderUnavailableError';
  }
}

/** The customer's payment method was refused (card declined, insufficient funds, …). */
export class PaymentDeclinedError extends PaymentGatewayError {
  readonly retryable = false;
  constructor(message: string, readonly failure: PaymentFailure) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

/**
 * The provider refused the request itself (invalid, a state that does not allow it, an idempotency
 * key reused with other parameters, wrong credentials): sending it again cannot help.
 */
export class PaymentRejectedError extends PaymentGatewayError {
  readonly retryable = false;
  constructor(message: string, readonly code: string | null, readonly status?: number) {
    super(message);
    this.name = 'PaymentRejectedError';
  }
}

/** A webhook that is not provably from the provider (missing, wrong or stale signature): answer 400. */
export class PaymentWebhookRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentWebhookRejectedError';
  }
}
