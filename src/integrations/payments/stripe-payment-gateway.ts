import Stripe from 'stripe';
import type { Money } from '../../domain/provider/money';
import {
  type PaymentEvent,
  type PaymentGateway,
  type PaymentIntent,
  type Refund,
  PaymentDeclinedError,
  PaymentProviderUnavailableError,
  PaymentRejectedError,
  PaymentWebhookRejectedError,
} from './payment-gateway';
import { paymentKeys } from './payment-keys';
import { paymentEventOf, paymentIntentOf, refundOf, toStripeAmount } from './stripe-objects';

export interface StripePaymentGatewayOptions {
  readonly secretKey: string;
  /** STRIPE_WEBHOOK_SECRET; absent = every webhook is refused. */
  readonly webhookSecret: string | undefined;
  /** STRIPE_API_BASE: scheme, host and port (the SDK takes no path). */
  readonly apiBase: string;
  readonly timeoutMs?: number;
  readonly maxNetworkRetries?: number;
}

/**
 * One retry inside the SDK. A PaymentIntent is created inside the booking request (the customer needs
 * its client secret in the answer), so a blip (a reset connection, a 409 lock conflict, a 5xx) is worth
 * one quick second try: it carries our idempotency key, so Stripe replays instead of charging twice.
 * More would keep the customer waiting (each try up to the timeout); refunds and cancellations run in
 * jobs that retry with their own backoff and count the attempts.
 */
export const STRIPE_MAX_NETWORK_RETRIES = 1;
/**
 * Stripe answers in well under a second; the SDK's default of 80 s would hold a booking request open
 * for minutes (with the retry). Past 10 s we answer PAYMENT_PROVIDER_UNAVAILABLE and nothing is booked.
 */
export const STRIPE_TIMEOUT_MS = 10_000;

/** The payments port on the `stripe` SDK, pointed at STRIPE_API_BASE like stripe-node's own tests do. */
export class StripePaymentGateway implements PaymentGateway {
  private readonly stripe: Stripe;

  constructor(private readonly options: StripePaymentGatewayOptions) {
    const base = new URL(options.apiBase);
    const protocol = base.protocol === 'http:' ? 'http' : 'https';
    this.stripe = new Stripe(options.secretKey, {
      host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port !== '' ? Number(base.port) : protocol === 'http' ? 80 : 443,
      protocol,
      maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
      timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
      // No latency reports to Stripe about earlier requests: nothing leaves but the calls we make.
      telemetry: false,
      appInfo: { name: 'Slotstream' },
    });
  }

  async createPaymentIntent(input: { readonly appointmentId: string; readonly providerId: string; readonly amount: Money }): Promise<PaymentIntent> {
    const intent = await this.call(() =>
      this.stripe.paymentIntents.create(
        {
          ...toStripeAmount(input.amount),
          automatic_payment_methods: { enabled: true },
          metadata: { appointmentId: input.appointmentId, providerId: input.providerId },
        },
        { idempotencyKey: paymentKeys.createPaymentIntent(input.appointmentId) },
      ),
    );
    return paymentIntentOf(intent);
  }

  async retrievePaymentIntent(paymentIntentId: string): Promise<PaymentIntent> {
    return paymentIntentOf(await this.call(() => this.stripe.paymentIntents.retrieve(paymentIntentId)));
  }

  async cancelPaymentIntent(paymentIntentId: string): Promise<PaymentIntent> {
    try {
      const canceled = await this.call(() => this.stripe.paymentIntents.cancel(paymentIntentId, {}, { idempotencyKey: paymentKeys.cancelPaymentIntent(paymentIntentId) }));
      return paymentIntentOf(canceled);
    } catch (err) {
      // Already canceled, or paid in the meantime: not a failure of ours. Answer the intent as it is.
      if (err instanceof PaymentRejectedError && err.code === 'payment_intent_unexpected_state') return this.retrievePaymentIntent(paymentIntentId);
      throw err;
    }
  }

  async refund(input: { readonly paymentIntentId: string; readonly amount: Money; readonly causeId: string; readonly appointmentId: string }): Promise<Refund> {
    if (!Number.isSafeInteger(input.amount.amountMinor) || input.amount.amountMinor <= 0) throw new RangeError('a refund needs a positive amount in minor units');
    const refund = await this.call(() =>
      this.stripe.refunds.create(
        {
          payment_intent: input.paymentIntentId,
          amount: toStripeAmount(input.amount).amount,
          reason: 'requested_by_customer',
          metadata: { appointmentId: input.appointmentId, causeId: input.causeId },
        },
        { idempotencyKey: paymentKeys.refund(input.causeId) },
      ),
    );
    return refundOf(refund, input.paymentIntentId);
  }

  verifyWebhook(rawBody: string | Buffer, signatureHeader: string | undefined): PaymentEvent {
    if (this.options.webhookSecret === undefined) throw new PaymentWebhookRejectedError('STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified');
    if (signatureHeader === undefined || signatureHeader === '') throw new PaymentWebhookRejectedError('missing Stripe-Signature header');
    let event: Stripe.Event;
    try {
      // Default tolerance (300 s): a replayed capture of an old delivery is refused as stale.
      event = this.stripe.webhooks.constructEvent(rawBody, signatureHeader, this.options.webhookSecret);
    } catch (err) {
      throw new PaymentWebhookRejectedError(err instanceof Error ? err.message : String(err));
    }
    return paymentEventOf(event);
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw paymentErrorOf(err);
    }
  }
}

/** Network trouble, timeouts, 5xx and 429 are the provider being unavailable; card errors are declines; the rest is refused. */
function paymentErrorOf(err: unknown): Error {
  if (!(err instanceof Stripe.errors.StripeError)) return err instanceof Error ? err : new Error(String(err));
  const status = err.statusCode;
  const summary = `Stripe: ${status !== undefined ? `${status} ` : ''}${err.code !== undefined ? `(${err.code}) ` : ''}${err.message}`.slice(0, 500);
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeRateLimitError || (status !== undefined && status >= 500)) {
    return new PaymentProviderUnavailableError(summary, status);
  }
  if (err instanceof Stripe.errors.StripeCardError) {
    return new PaymentDeclinedError(summary, { code: err.code ?? null, declineCode: err.decline_code ?? null, message: err.message });
  }
  return new PaymentRejectedError(summary, err.code ?? (err instanceof Stripe.errors.StripeIdempotencyError ? 'idempotency_error' : null), status);
}
