/**
 * The real stripe SDK, through StripePaymentGateway, against a stateful Stripe fake on a local port
 * (test/fakes/stripe.ts): what Stripe receives (amounts, metadata, idempotency keys), what it keeps
 * (one PaymentIntent, one refund per cause, however often we ask), and how failures come back to us.
 */
import { StripeFake } from '../../../test/fakes/stripe';
import { PaymentDeclinedError, PaymentProviderUnavailableError, PaymentRejectedError, PaymentWebhookRejectedError } from './payment-gateway';
import { paymentKeys } from './payment-keys';
import { StripePaymentGateway, type StripePaymentGatewayOptions } from './stripe-payment-gateway';

const APPOINTMENT = '7d0c5a62-51c4-5d7e-8f43-0f2b8c1d9e10';
const PROVIDER = '3f9b1d2e-8c47-4a15-9e6d-5b0a7c3e2f81';
const price = { amountMinor: 4500, currency: 'EUR' };

describe('StripePaymentGateway', () => {
  let stripe: StripeFake;
  const gateway = (overrides: Partial<StripePaymentGatewayOptions> = {}): StripePaymentGateway =>
    new StripePaymentGateway({ secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.baseUrl, timeoutMs: 5_000, ...overrides });
  const book = (g = gateway(), amount = price) => g.createPaymentIntent({ appointmentId: APPOINTMENT, providerId: PROVIDER, amount });
  const paid = async (g = gateway()) => {
    const intent = await book(g);
    stripe.succeed(intent.id);
    return intent;
  };

  beforeEach(async () => {
    stripe = await StripeFake.start();
  });
  afterEach(async () => {
    await stripe.stop();
  });

  describe('PaymentIntents', () => {
    it('creates one for the price, with the appointment and provider as metadata and a key derived from the appointment', async () => {
      const intent = await book();

      expect(intent).toEqual({
        id: expect.stringMatching(/^pi_/),
        status: 'requires_payment',
        amount: price,
        clientSecret: expect.stringMatching(new RegExp(`^${intent.id}_secret_`)),
        appointmentId: APPOINTMENT,
        providerId: PROVIDER,
        lastFailure: null,
      });
      expect(stripe.paymentIntent(intent.id)).toMatchObject({ amount: 4500, currency: 'eur', metadata: { appointmentId: APPOINTMENT, providerId: PROVIDER } });
      expect(stripe.requests).toEqual([{ method: 'POST', path: '/v1/payment_intents', idempotencyKey: paymentKeys.createPaymentIntent(APPOINTMENT), status: 200, replayed: false }]);
    });

    it('asked again for the same appointment (a retried booking, another node), answers the same intent and Stripe holds one', async () => {
      const first = await book(gateway());
      const second = await book(gateway());

      expect(second).toEqual(first);
      expect(stripe.paymentIntents()).toHaveLength(1);
      expect(stripe.requests.map((r) => r.replayed)).toEqual([false, true]);
    });

    it('refuses the same appointment at another price: Stripe\'s idempotency check, not a second intent', async () => {
      await book();
      const error = await book(gateway(), { amountMinor: 5000, currency: 'EUR' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PaymentRejectedError);
      expect(error).toMatchObject({ code: 'idempotency_error', status: 400, retryable: false });
      expect(stripe.paymentIntents()).toHaveLength(1);
    });

    it('retries one 500 inside the SDK with the same key, and one intent exists', async () => {
      stripe.failNext(1, 500);
      const intent = await book();

      expect(stripe.paymentIntents().map((p) => p.id)).toEqual([intent.id]);
      expect(stripe.requests.map((r) => [r.status, r.idempotencyKey])).toEqual([
        [500, paymentKeys.createPaymentIntent(APPOINTMENT)],
        [200, paymentKeys.createPaymentIntent(APPOINTMENT)],
      ]);
    });

    it.each([
      [500, 2],
      [503, 2],
      [429, 1], // the SDK leaves rate limits to the caller's backoff
    ])('reports Stripe answering %i (after %i tries) as the provider being unavailable, and nothing is created', async (status, tries) => {
      stripe.failNext(2, status);
      const error = await book().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PaymentProviderUnavailableError);
      expect(error).toMatchObject({ status, retryable: true });
      expect(stripe.requests).toHaveLength(tries);
      expect(stripe.paymentIntents()).toEqual([]);
    });

    it('gives up on a Stripe that never answers after the timeout of each try, as unavailable', async () => {
      stripe.hangNext(2);
      await expect(book(gateway({ timeoutMs: 300 }))).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      expect(stripe.requests.map((r) => r.status)).toEqual([0, 0]);
    });

    it('reports refused connections as unavailable, and works again once Stripe is back', async () => {
      await stripe.refuseConnections();
      await expect(book()).rejects.toBeInstanceOf(PaymentProviderUnavailableError);

      await stripe.acceptConnections();
      await expect(book()).resolves.toMatchObject({ status: 'requires_payment' });
    });

    it('when Stripe acts but the answer is lost, the retry gets the same intent', async () => {
      stripe.dropAnswerOfNext(1);
      const intent = await book();

      expect(stripe.paymentIntents().map((p) => p.id)).toEqual([intent.id]);
      expect(stripe.requests.map((r) => r.replayed)).toEqual([false, true]);
    });

    it('reports a wrong secret key as refused, not as Stripe being unavailable', async () => {
      await expect(book(gateway({ secretKey: 'sk_test_wrong' }))).rejects.toMatchObject({ name: 'PaymentRejectedError', status: 401, retryable: false });
    });

    it('retrieves the intent as the customer\'s attempts change it: declined (with the reason), then paid', async () => {
      const g = gateway();
      const intent = await book(g);

      stripe.fail(intent.id, { code: 'card_declined', declineCode: 'insufficient_funds' });
      expect(await g.retrievePaymentIntent(intent.id)).toMatchObject({
        status: 'requires_payment',
        lastFailure: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card was declined.' },
      });

      stripe.succeed(intent.id);
      expect(await g.retrievePaymentIntent(intent.id)).toMatchObject({ status: 'succeeded', lastFailure: null });
    });

    it('cancels an unpaid intent, again without harm, and answers a paid one as succeeded instead of failing', async () => {
      const g = gateway();
      const unpaid = await book(g);
      await expect(g.cancelPaymentIntent(unpaid.id)).resolves.toMatchObject({ status: 'canceled' });
      await expect(g.cancelPaymentIntent(unpaid.id)).resolves.toMatchObject({ status: 'canceled' });
      expect(stripe.requests.filter((r) => r.path.endsWith('/cancel')).map((r) => [r.idempotencyKey, r.replayed])).toEqual([
        [paymentKeys.cancelPaymentIntent(unpaid.id), false],
        [paymentKeys.cancelPaymentIntent(unpaid.id), true],
      ]);

      const other = await g.createPaymentIntent({ appointmentId: 'another-appointment', providerId: PROVIDER, amount: price });
      stripe.succeed(other.id);
      await expect(g.cancelPaymentIntent(other.id)).resolves.toMatchObject({ id: other.id, status: 'succeeded' });
    });

    it('reports an unknown intent as refused', async () => {
      await expect(gateway().retrievePaymentIntent('pi_missing')).rejects.toMatchObject({ name: 'PaymentRejectedError', code: 'resource_missing', status: 404 });
    });
  });

  describe('refunds', () => {
    it('refunds a paid intent in full or in part, one refund per cause however often it is asked', async () => {
      const g = gateway();
      const intent = await paid(g);

      const partial = await g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 1500, currency: 'EUR' }, causeId: 'cancel-event-1', appointmentId: APPOINTMENT });
      const again = await g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 1500, currency: 'EUR' }, causeId: 'cancel-event-1', appointmentId: APPOINTMENT });

      expect(partial).toEqual({ id: expect.stringMatching(/^re_/), paymentIntentId: intent.id, amount: { amountMinor: 1500, currency: 'EUR' }, status: 'succeeded' });
      expect(again).toEqual(partial);
      expect(stripe.refundsFor(intent.id)).toHaveLength(1);
      expect(stripe.refundsFor(intent.id)[0]).toMatchObject({ metadata: { appointmentId: APPOINTMENT, causeId: 'cancel-event-1' } });
      expect(stripe.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotencyKey)).toEqual([paymentKeys.refund('cancel-event-1'), paymentKeys.refund('cancel-event-1')]);

      await g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 3000, currency: 'EUR' }, causeId: 'cancel-event-2', appointmentId: APPOINTMENT });
      expect(stripe.refundsFor(intent.id).map((r) => r.amount)).toEqual([1500, 3000]);
    });

    it('retried after Stripe failed or lost the answer, still refunds once', async () => {
      const g = gateway();
      const intent = await paid(g);
      const refund = () => g.refund({ paymentIntentId: intent.id, amount: price, causeId: 'cancel-event', appointmentId: APPOINTMENT });

      stripe.failNext(2, 500);
      await expect(refund()).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      stripe.dropAnswerOfNext(1);
      await expect(refund()).resolves.toMatchObject({ status: 'succeeded' });
      await expect(refund()).resolves.toMatchObject({ status: 'succeeded' });

      expect(stripe.refundsFor(intent.id)).toHaveLength(1);
    });

    it('answers a pending refund as pending; Stripe settles it later', async () => {
      const g = gateway();
      const intent = await paid(g);
      stripe.refundsPending = true;

      const refund = await g.refund({ paymentIntentId: intent.id, amount: price, causeId: 'c', appointmentId: APPOINTMENT });
      expect(refund.status).toBe('pending');
      expect(stripe.settleRefund(refund.id, 'succeeded').map((e) => e.type)).toEqual(['refund.updated', 'charge.refunded']);
    });

    it('refuses more than is left, an unpaid intent, and amounts that are not positive', async () => {
      const g = gateway();
      const intent = await paid(g);
      await expect(g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 4501, currency: 'EUR' }, causeId: 'a', appointmentId: APPOINTMENT })).rejects.toMatchObject({
        name: 'PaymentRejectedError',
        code: 'amount_too_large',
      });
      const unpaid = await g.createPaymentIntent({ appointmentId: 'unpaid', providerId: PROVIDER, amount: price });
      await expect(g.refund({ paymentIntentId: unpaid.id, amount: price, causeId: 'b', appointmentId: 'unpaid' })).rejects.toMatchObject({ code: 'charge_not_refundable' });
      await expect(g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 0, currency: 'EUR' }, causeId: 'c', appointmentId: APPOINTMENT })).rejects.toBeInstanceOf(RangeError);
      expect(stripe.refundsFor(intent.id)).toEqual([]);
    });
  });

  describe('webhooks', () => {
    it('verifies and reads payment outcomes: succeeded, failed (with the decline), canceled', async () => {
      const g = gateway();
      const first = await book(g);
      const failed = stripe.fail(first.id, { code: 'card_declined', declineCode: 'stolen_card' });
      const succeeded = stripe.succeed(first.id);
      const other = await g.createPaymentIntent({ appointmentId: 'a2', providerId: PROVIDER, amount: price });
      await g.cancelPaymentIntent(other.id);
      const canceled = stripe.events.find((e) => e.type === 'payment_intent.canceled')!;

      const ref = { paymentIntentId: first.id, appointmentId: APPOINTMENT, providerId: PROVIDER, createdAt: expect.any(Number) };
      expect(g.verifyWebhook(failed.payload, failed.signature)).toEqual({
        ...ref,
        eventId: failed.id,
        kind: 'payment_failed',
        failure: { code: 'card_declined', declineCode: 'stolen_card', message: 'Your card was declined.' },
      });
      expect(g.verifyWebhook(Buffer.from(succeeded.payload), succeeded.signature)).toEqual({ ...ref, eventId: succeeded.id, kind: 'payment_succeeded', amount: price });
      expect(g.verifyWebhook(canceled.payload, canceled.signature)).toMatchObject({ kind: 'payment_canceled', paymentIntentId: other.id, appointmentId: 'a2' });
    });

    it('reads refunds: the refund\'s state and the charge\'s refunded total', async () => {
      const g = gateway();
      const intent = await paid(g);
      stripe.refundsPending = true;
      const refund = await g.refund({ paymentIntentId: intent.id, amount: { amountMinor: 2000, currency: 'EUR' }, causeId: 'c', appointmentId: APPOINTMENT });
      const [updated, chargeRefunded] = stripe.settleRefund(refund.id, 'succeeded');

      expect(g.verifyWebhook(updated!.payload, updated!.signature)).toMatchObject({ kind: 'refund_updated', paymentIntentId: intent.id, refund: { ...refund, status: 'succeeded' } });
      expect(g.verifyWebhook(chargeRefunded!.payload, chargeRefunded!.signature)).toMatchObject({
        kind: 'charge_refunded',
        paymentIntentId: intent.id,
        refunded: { amountMinor: 2000, currency: 'EUR' },
        fullyRefunded: false,
      });
    });

    it('marks events it does not act on as ignored: other types, and payments this service did not create', async () => {
      const g = gateway();
      const intent = await book(g);
      const created = stripe.events.find((e) => e.type === 'payment_intent.created')!;
      expect(g.verifyWebhook(created.payload, created.signature)).toMatchObject({ kind: 'ignored', type: 'payment_intent.created', eventId: created.id });

      const foreign = JSON.parse(stripe.succeed(intent.id).payload) as { data: { object: { metadata: Record<string, string> } } };
      foreign.data.object.metadata = {};
      const payload = JSON.stringify(foreign);
      expect(g.verifyWebhook(payload, stripe.sign(payload))).toMatchObject({ kind: 'ignored', type: 'payment_intent.succeeded', paymentIntentId: intent.id });
    });

    it('refuses a missing, forged or stale signature, an altered body, and any webhook when no secret is configured', async () => {
      const g = gateway();
      const event = stripe.succeed((await book(g)).id);
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;

      const refusals = [
        () => g.verifyWebhook(event.payload, undefined),
        () => g.verifyWebhook(event.payload, ''),
        () => g.verifyWebhook(event.payload, stripe.sign(event.payload, { secret: 'whsec_someone_else' })),
        () => g.verifyWebhook(event.payload, stripe.sign(event.payload, { timestampSeconds: tenMinutesAgo })),
        () => g.verifyWebhook(event.payload.replace('"amount": 4500', '"amount": 1'), event.signature),
        () => gateway({ webhookSecret: undefined }).verifyWebhook(event.payload, event.signature),
      ];
      for (const refusal of refusals) expect(refusal).toThrow(PaymentWebhookRejectedError);
      expect(g.verifyWebhook(event.payload, event.signature)).toMatchObject({ kind: 'payment_succeeded' });
    });
  });

  it('tells a card declined by Stripe apart from other refusals', async () => {
    // Stripe answers card errors (402) when a payment is confirmed server-side; Slotstream leaves confirming to Stripe.js,
    // so the fake answers one to any request: the mapping is what is under test.
    stripe.failNext(1, 402, { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    const error = await book().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PaymentDeclinedError);
    expect(error).not.toBeInstanceOf(PaymentRejectedError);
    expect(error).toMatchObject({ retryable: false, failure: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
  });
});
