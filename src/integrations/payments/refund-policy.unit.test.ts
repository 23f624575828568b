import type { Money } from '../../domain/provider/money';
import { type RefundCause, refundAmount } from './refund-policy';

const eur = (amountMinor: number): Money => ({ amountMinor, currency: 'EUR' });

/** given a payment and the service's late-cancellation share, when <cause>, then <refund>. */
const given = (paid: Money, lateCancellationRefundPercent = 0) => ({
  when: (cause: RefundCause) => ({
    thenRefund: (expected: Money) => expect(refundAmount({ paid, cause, lateCancellationRefundPercent })).toEqual(expected),
  }),
});

describe('refund policy', () => {
  it('given a paid appointment, when the provider\'s owner cancels (even late), then everything is refunded', () => {
    given(eur(4500), 30).when({ kind: 'cancelled', byCustomer: false, late: true }).thenRefund(eur(4500));
    given(eur(4500), 30).when({ kind: 'cancelled', byCustomer: false, late: false }).thenRefund(eur(4500));
  });

  it('given a paid appointment, when the customer cancels before the cancellation window, then everything is refunded', () => {
    given(eur(4500), 0).when({ kind: 'cancelled', byCustomer: true, late: false }).thenRefund(eur(4500));
  });

  it('given a paid appointment, when the customer cancels inside the window, then the service\'s late share is refunded, rounded down to whole minor units', () => {
    given(eur(4500), 50).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(2250));
    given(eur(999), 33).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(329)); // 329.67
    given(eur(1), 99).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(0));
    given(eur(4500), 0).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(0));
    given(eur(4500), 100).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(4500));
  });

  it('given a paid appointment, when it is marked a no-show, then nothing is refunded', () => {
    given(eur(4500), 100).when({ kind: 'no_show' }).thenRefund(eur(0));
  });

  it('given a payment that arrived after its hold expired, then everything is refunded', () => {
    given(eur(4500), 0).when({ kind: 'paid_after_hold_expired' }).thenRefund(eur(4500));
  });

  it('keeps the currency, counts in minor units of zero-decimal currencies too, and stays exact for large amounts', () => {
    expect(refundAmount({ paid: { amountMinor: 12345, currency: 'JPY' }, cause: { kind: 'cancelled', byCustomer: true, late: true }, lateCancellationRefundPercent: 10 })).toEqual({
      amountMinor: 1234,
      currency: 'JPY',
    });
    given(eur(99_999_999_99), 37).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(3_699_999_999));
  });

  it('clamps a recorded share outside 0–100 instead of refunding more than was paid', () => {
    given(eur(1000), 150).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(1000));
    given(eur(1000), -5).when({ kind: 'cancelled', byCustomer: true, late: true }).thenRefund(eur(0));
  });
});
