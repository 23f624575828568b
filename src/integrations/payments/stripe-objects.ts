/**
 * Stripe's objects and events, translated into the payments port's types. Pure: no calls, no clock.
 * Stripe writes currencies in lower case and amounts in the currency's smallest unit, as we do.
 */
import type Stripe from 'stripe';
import type { Money } from '../../domain/provider/money';
import type { PaymentEvent, PaymentFailure, PaymentIntent, PaymentIntentStatus, Refund, RefundStatus } from './payment-gateway';

export const toStripeAmount = (money: Money): { amount: number; currency: string } => ({ amount: money.amountMinor, currency: money.currency.toLowerCase() });
const money = (amountMinor: number, currency: string): Money => ({ amountMinor, currency: currency.toUpperCase() });

/** Stripe's seven statuses reduced to the four the schedule distinguishes (no manual capture is used). */
function intentStatusOf(status: Stripe.PaymentIntent.Status): PaymentIntentStatus {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'canceled':
      return 'canceled';
    case 'processing':
    case 'requires_capture':
      return 'processing';
    default:
      return 'requires_payment';
  }
}

const refundStatuses: readonly RefundStatus[] = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'];
const refundStatusOf = (status: string | null): RefundStatus => refundStatuses.find((s) => s === status) ?? 'pending';

const idOf = (value: string | { readonly id: string } | null): string | null => (value === null ? null : typeof value === 'string' ? value : value.id);

export function paymentIntentOf(intent: Stripe.PaymentIntent): PaymentIntent {
  const error = intent.last_payment_error;
  return {
    id: intent.id,
    status: intentStatusOf(intent.status),
    amount: money(intent.amount, intent.currency),
    clientSecret: intent.client_secret,
    appointmentId: intent.metadata.appointmentId ?? null,
    providerId: intent.metadata.providerId ?? null,
    lastFailure: error ? failureOf(error) : null,
  };
}

function failureOf(error: { readonly code?: string; readonly decline_code?: string; readonly message?: string }): PaymentFailure {
  return { code: error.code ?? null, declineCode: error.decline_code ?? null, message: error.message ?? null };
}

export function refundOf(refund: Stripe.Refund, paymentIntentId: string): Refund {
  return { id: refund.id, paymentIntentId, amount: money(refund.amount, refund.currency), status: refundStatusOf(refund.status) };
}

/** A verified Stripe event as the outcome it means for us; payments we did not create are `ignored`. */
export function paymentEventOf(event: Stripe.Event): PaymentEvent {
  const base = { eventId: event.id, createdAt: event.created * 1000 };
  const ignored = (paymentIntentId: string | null = null): PaymentEvent => ({ ...base, kind: 'ignored', type: event.type, paymentIntentId });
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const intent = event.data.object;
      const { appointmentId, providerId } = intent.metadata;
      if (appointmentId === undefined || providerId === undefined) return ignored(intent.id);
      const ref = { ...base, paymentIntentId: intent.id, appointmentId, providerId };
      if (event.type === 'payment_intent.succeeded') return { ...ref, kind: 'payment_succeeded', amount: money(intent.amount_received, intent.currency) };
      if (event.type === 'payment_intent.canceled') return { ...ref, kind: 'payment_canceled' };
      return { ...ref, kind: 'payment_failed', failure: intent.last_payment_error ? failureOf(intent.last_payment_error) : { code: null, declineCode: null, message: null } };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed': {
      const paymentIntentId = idOf(event.data.object.payment_intent);
      if (paymentIntentId === null) return ignored();
      return { ...base, kind: 'refund_updated', paymentIntentId, refund: refundOf(event.data.object, paymentIntentId) };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      if (paymentIntentId === null) return ignored();
      return { ...base, kind: 'charge_refunded', paymentIntentId, refunded: money(charge.amount_refunded, charge.currency), fullyRefunded: charge.refunded };
    }
    default:
      return ignored();
  }
}
