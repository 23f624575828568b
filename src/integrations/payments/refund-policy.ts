/**
 * How much of a paid appointment goes back to the customer (payments.graphql, "Refunds"). Pure: the
 * caller says what happened; the answer is an amount in the payment's currency, 0 meaning no refund.
 */
import type { Money } from '../../domain/provider/money';

export type RefundCause =
  /** `byCustomer`: the appointment's own customer cancelled; `late`: inside the cancellation window. */
  | { readonly kind: 'cancelled'; readonly byCustomer: boolean; readonly late: boolean }
  | { readonly kind: 'no_show' }
  /** The payment succeeded after the hold had already let the slot go. */
  | { readonly kind: 'paid_after_hold_expired' };

export function refundAmount(input: { readonly paid: Money; readonly cause: RefundCause; readonly lateCancellationRefundPercent: number }): Money {
  const { paid, cause } = input;
  const share = (percent: number): Money => ({ currency: paid.currency, amountMinor: Math.floor((paid.amountMinor * percent) / 100) });
  switch (cause.kind) {
    case 'no_show':
      return share(0);
    case 'paid_after_hold_expired':
      return share(100);
    case 'cancelled':
      // The provider's side (owner, admin, the system) cancelling never costs the customer anything.
      if (!cause.byCustomer || !cause.late) return share(100);
      // A recorded service setting: clamp rather than fail (services only accept 0–100 anyway).
      return share(Math.min(100, Math.max(0, Math.trunc(input.lateCancellationRefundPercent))));
    default: {
      const exhaustive: never = cause;
      return exhaustive;
    }
  }
}
