import { paymentKeys } from './payment-keys';

const APPOINTMENT = '0b6c5c0e-7d3a-5d8e-9a4f-2f1e0c9b8a71';

describe('payment idempotency keys', () => {
  it('given the same appointment or cause, when a key is derived again (a retry, another node, a restart), then it is the same key', () => {
    expect(paymentKeys.createPaymentIntent(APPOINTMENT)).toBe(paymentKeys.createPaymentIntent(APPOINTMENT));
    expect(paymentKeys.refund('event-1')).toBe(paymentKeys.refund('event-1'));
    expect(paymentKeys.cancelPaymentIntent('pi_1')).toBe(paymentKeys.cancelPaymentIntent('pi_1'));
  });

  it('given two appointments or two causes, then their keys differ', () => {
    expect(paymentKeys.createPaymentIntent(APPOINTMENT)).not.toBe(paymentKeys.createPaymentIntent('another'));
    expect(paymentKeys.refund('cancel-event')).not.toBe(paymentKeys.refund('late-payment-event'));
  });

  it('given one id used for two purposes, then the keys differ (Stripe scopes keys to the account, not the endpoint)', () => {
    const keys = new Set([paymentKeys.createPaymentIntent('x'), paymentKeys.cancelPaymentIntent('x'), paymentKeys.refund('x')]);
    expect(keys.size).toBe(3);
  });

  it('stays within Stripe\'s 255 characters for our ids', () => {
    for (const key of [paymentKeys.createPaymentIntent(APPOINTMENT), paymentKeys.cancelPaymentIntent(`pi_${'a'.repeat(24)}`), paymentKeys.refund(APPOINTMENT)]) {
      expect(key.length).toBeLessThanOrEqual(255);
    }
  });
});
