/**
 * Stripe's API as a small stateful node:http server, covering the endpoints Slotstream calls:
 * PaymentIntents (create, retrieve, cancel) and Refunds (create, retrieve), with Bearer auth, Stripe's
 * form encoding, Stripe's error bodies and Stripe's idempotency (the same Idempotency-Key with the same
 * parameters answers the first result again; with other parameters, a 400 idempotency_error).
 *
 * The test plays the customer and Stripe's back office: `succeed` / `fail` a payment, `settleRefund`
 * a pending refund. Every change records an event, signed like Stripe signs webhooks
 * (`stripe.webhooks.generateTestHeaderString`), ready to post to the app. Fault switches: answer the next
 * requests with a status, never answer them, act on them but lose the answer, or refuse connections.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

type Json = Record<string, unknown>;

export interface FakePaymentIntent extends Json {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  client_secret: string;
  metadata: Record<string, string>;
  last_payment_error: Json | null;
  latest_charge: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  created: number;
  livemode: false;
}

export interface FakeRefund extends Json {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: 'pending' | 'succeeded' | 'failed';
  reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

interface FakeCharge extends Json {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  payment_intent: string;
  refunded: boolean;
  paid: true;
  status: 'succeeded';
  created: number;
}

/** An event as Stripe would deliver it: the exact body and its Stripe-Signature header. */
export interface StripeWebhook {
  readonly id: string;
  readonly type: string;
  readonly payload: string;
  readonly signature: string;
}

export interface StripeRequestLog {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  /** The answer's status; 0 = never answered. */
  readonly status: number;
  readonly replayed: boolean;
}

type Fault = { readonly kind: 'answer'; readonly answer: Answer } | { readonly kind: 'hang' } | { readonly kind: 'drop' };
type Answer = { readonly status: number; readonly body: Json };

const CANCELABLE = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture', 'processing']);

export class StripeFake {
  readonly requests: StripeRequestLog[] = [];
  /** Every event, oldest first. */
  readonly events: StripeWebhook[] = [];
  /** New refunds stay `pending` until `settleRefund` (bank transfers, some cards) instead of succeeding at once. */
  refundsPending = false;
  private readonly intents = new Map<string, FakePaymentIntent>();
  private readonly charges = new Map<string, FakeCharge>();
  private readonly refunds = new Map<string, FakeRefund>();
  private readonly idempotency = new Map<string, { readonly fingerprint: string; readonly answer: Answer }>();
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private server!: http.Server;
  private port = 0;

  private constructor(
    readonly secretKey: string,
    readonly webhookSecret: string,
  ) {}

  static async start(options: { readonly secretKey?: string; readonly webhookSecret?: string } = {}): Promise<StripeFake> {
    const fake = new StripeFake(options.secretKey ?? 'sk_test_slotstream_fake', options.webhookSecret ?? 'whsec_slotstream_fake');
    await fake.listen();
    return fake;
  }

  /** What STRIPE_API_BASE points at. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ---- fault switches ----

  /**
   * Answer the next `count` requests with `status` and a Stripe error body (default: api_error), before
   * Stripe would act on them; e.g. 402 with `{ type: 'card_error', code: 'card_declined', decline_code }`.
   */
  failNext(count: number, status = 500, error: { readonly type: string; readonly message?: string } & Json = { type: 'api_error' }): void {
    const { type, message, ...extra } = error;
    const answer = stripeError(status, type, message ?? "Something went wrong on Stripe's end.", extra);
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'answer', answer });
  }

  /** Accept the next `count` requests and never answer them (until `stop()`). */
  hangNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'hang' });
  }

  /** Act on the next `count` requests, then break the connection before the answer: the caller cannot know it happened. */
  dropAnswerOfNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'drop' });
  }

  /** Stop listening: connections are refused (ECONNREFUSED) until `acceptConnections()`. */
  async refuseConnections(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listen again, on the same port. */
  async acceptConnections(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    if (!this.server.listening) return;
    await this.refuseConnections();
  }

  // ---- what the test reads ----

  paymentIntent(id: string): FakePaymentIntent | undefined {
    return this.intents.get(id);
  }

  paymentIntents(): FakePaymentIntent[] {
    return [...this.intents.values()];
  }

  /** The refunds of one PaymentIntent, oldest first: a double refund shows as two. */
  refundsFor(paymentIntentId: string): FakeRefund[] {
    return [...this.refunds.values()].filter((r) => r.payment_intent === paymentIntentId);
  }

  // ---- the customer and Stripe's back office ----

  /** The customer pays: the intent succeeds and `payment_intent.succeeded` is recorded. */
  succeed(paymentIntentId: string): StripeWebhook {
    const intent = this.requireIntent(paymentIntentId, ['requires_payment_method', 'processing']);
    const charge: FakeCharge = {
      id: this.newId('ch'),
      object: 'charge',
      amount: intent.amount,
      amount_refunded: 0,
      currency: intent.currency,
      payment_intent: intent.id,
      refunded: false,
      paid: true,
      status: 'succeeded',
      created: nowSeconds(),
    };
    this.charges.set(charge.id, charge);
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, latest_charge: charge.id, last_payment_error: null });
    return this.recordEvent('payment_intent.succeeded', intent);
  }

  /** The customer's card is declined: the intent waits for another method and `payment_intent.payment_failed` is recorded. */
  fail(paymentIntentId: string, decline: { readonly code?: string; readonly declineCode?: string } = {}): StripeWebhook {
    const intent = this.requireIntent(paymentIntentId, ['requires_payment_method', 'processing']);
    intent.status = 'requires_payment_method';
    intent.last_payment_error = {
      type: 'card_error',
      code: decline.code ?? 'card_declined',
      decline_code: decline.declineCode ?? 'generic_decline',
      message: 'Your card was declined.',
    };
    return this.recordEvent('payment_intent.payment_failed', intent);
  }

  /** A pending refund ends: `refund.updated`, and `charge.refunded` when the money went back. */
  settleRefund(refundId: string, outcome: 'succeeded' | 'failed'): StripeWebhook[] {
    const refund = this.refunds.get(refundId);
    if (refund === undefined || refund.status !== 'pending') throw new Error(`no pending refund ${refundId}`);
    refund.status = outcome;
    const events = [this.recordEvent('refund.updated', refund)];
    if (outcome === 'succeeded') events.push(this.chargeRefunded(refund));
    return events;
  }

  /** A Stripe-Signature header for `payload`, at `timestampSeconds` (default now): stale and forged headers for tests. */
  sign(payload: string, options: { readonly timestampSeconds?: number; readonly secret?: string } = {}): string {
    return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? this.webhookSecret, ...(options.timestampSeconds !== undefined ? { timestamp: options.timestampSeconds } : {}) });
  }

  /** Post an event to the app's webhook endpoint as Stripe would; answers the status. */
  async deliver(url: string, event: StripeWebhook, signature: string = event.signature): Promise<number> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature }, body: event.payload });
    await res.arrayBuffer();
    return res.status;
  }

  // ---- the server ----

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? '';
    const path = new URL(req.url ?? '/', 'http://stripe.invalid').pathname;
    const idempotencyKey = headerOf(req, 'idempotency-key');
    const log = (status: number, replayed = false): void => void this.requests.push({ method, path, idempotencyKey, status, replayed });
    const send = (answer: Answer, replayed = false): void => {
      log(answer.status, replayed);
      res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) });
      res.end(JSON.stringify(answer.body));
    };

    const drop = (status: number): void => {
      log(status);
      res.destroy();
    };

    if (headerOf(req, 'authorization') !== `Bearer ${this.secretKey}`) {
      return send(stripeError(401, 'invalid_request_error', 'Invalid API Key provided.', { code: 'api_key_invalid' }));
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'hang') {
      log(0);
      this.hanging.add(res);
      return;
    }
    if (fault?.kind === 'answer') return send(fault.answer);

    const params = parseForm(Buffer.concat(chunks).toString('utf8'));
    if (method === 'POST' && idempotencyKey !== undefined) {
      const fingerprint = `${method} ${path} ${JSON.stringify(sortedDeep(params))}`;
      const earlier = this.idempotency.get(idempotencyKey);
      if (earlier !== undefined) {
        if (earlier.fingerprint === fingerprint) return send(earlier.answer, true);
        return send(
          stripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`),
        );
      }
      const answer = this.route(method, path, params);
      // Like Stripe: a result is kept once the endpoint acted on the request (here: it succeeded).
      if (answer.status < 300) this.idempotency.set(idempotencyKey, { fingerprint, answer });
      return fault?.kind === 'drop' ? drop(answer.status) : send(answer);
    }
    const answer = this.route(method, path, params);
    return fault?.kind === 'drop' ? drop(answer.status) : send(answer);
  }

  private route(method: string, path: string, params: Json): Answer {
    const intentPath = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(path);
    const refundPath = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(params);
    if (method === 'GET' && intentPath && !intentPath[2]) return this.found('payment_intent', this.intents.get(intentPath[1]!), intentPath[1]!);
    if (method === 'POST' && intentPath?.[2]) return this.cancelIntent(intentPath[1]!, params);
    if (method === 'POST' && path === '/v1/refunds') return this.createRefund(params);
    if (method === 'GET' && refundPath) return this.found('refund', this.refunds.get(refundPath[1]!), refundPath[1]!);
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  private createIntent(params: Json): Answer {
    const amount = Number(params.amount);
    const currency = params.currency;
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'invalid_request_error', 'Invalid positive integer', { param: 'amount', code: 'parameter_invalid_integer' });
    if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency)) return stripeError(400, 'invalid_request_error', 'Invalid currency', { param: 'currency', code: 'parameter_invalid_string' });
    const id = this.newId('pi');
    const intent: FakePaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency,
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      metadata: stringRecord(params.metadata),
      last_payment_error: null,
      latest_charge: null,
      canceled_at: null,
      cancellation_reason: null,
      created: nowSeconds(),
      livemode: false,
    };
    this.intents.set(id, intent);
    this.recordEvent('payment_intent.created', intent);
    return { status: 200, body: { ...intent } };
  }

  private cancelIntent(id: string, params: Json): Answer {
    const intent = this.intents.get(id);
    if (intent === undefined) return this.found('payment_intent', undefined, id);
    if (!CANCELABLE.has(intent.status)) {
      return stripeError(
        400,
        'invalid_request_error',
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${[...CANCELABLE].join(', ')}.`,
        { code: 'payment_intent_unexpected_state', payment_intent: { ...intent } },
      );
    }
    Object.assign(intent, { status: 'canceled', canceled_at: nowSeconds(), cancellation_reason: typeof params.cancellation_reason === 'string' ? params.cancellation_reason : null });
    this.recordEvent('payment_intent.canceled', intent);
    return { status: 200, body: { ...intent } };
  }

  private createRefund(params: Json): Answer {
    const intentId = params.payment_intent;
    const intent = typeof intentId === 'string' ? this.intents.get(intentId) : undefined;
    if (intent === undefined) return stripeError(404, 'invalid_request_error', `No such payment_intent: '${String(intentId)}'`, { code: 'resource_missing', param: 'payment_intent' });
    const charge = intent.latest_charge !== null ? this.charges.get(intent.latest_charge) : undefined;
    if (intent.status !== 'succeeded' || charge === undefined) {
      return stripeError(400, 'invalid_request_error', `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { code: 'charge_not_refundable' });
    }
    // Pending refunds already spoken for count against what is left, as at Stripe.
    const committed = this.refundsFor(intent.id).filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
    const left = charge.amount - committed;
    if (left <= 0) return stripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'invalid_request_error', 'Invalid positive integer', { param: 'amount', code: 'parameter_invalid_integer' });
    if (amount > left) {
      return stripeError(400, 'invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, { code: 'amount_too_large', param: 'amount' });
    }
    const refund: FakeRefund = {
      id: this.newId('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      payment_intent: intent.id,
      charge: charge.id,
      status: this.refundsPending ? 'pending' : 'succeeded',
      reason: typeof params.reason === 'string' ? params.reason : null,
      metadata: stringRecord(params.metadata),
      created: nowSeconds(),
    };
    this.refunds.set(refund.id, refund);
    this.recordEvent('refund.created', refund);
    if (refund.status === 'succeeded') this.chargeRefunded(refund);
    return { status: 200, body: { ...refund } };
  }

  private chargeRefunded(refund: FakeRefund): StripeWebhook {
    const charge = this.charges.get(refund.charge)!;
    charge.amount_refunded += refund.amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    return this.recordEvent('charge.refunded', charge);
  }

  private found(object: string, value: Json | undefined, id: string): Answer {
    if (value === undefined) return stripeError(404, 'invalid_request_error', `No such ${object}: '${id}'`, { code: 'resource_missing', param: 'id' });
    return { status: 200, body: { ...value } };
  }

  private requireIntent(id: string, statuses: readonly FakePaymentIntent['status'][]): FakePaymentIntent {
    const intent = this.intents.get(id);
    if (intent === undefined || !statuses.includes(intent.status)) throw new Error(`PaymentIntent ${id} is ${intent?.status ?? 'unknown'}, not ${statuses.join(' or ')}`);
    return intent;
  }

  private recordEvent(type: string, object: Json): StripeWebhook {
    const id = this.newId('evt');
    const created = nowSeconds();
    const payload = JSON.stringify(
      { id, object: 'event', api_version: Stripe.API_VERSION, created, type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object: structuredClone(object) } },
      null,
      2,
    );
    const event: StripeWebhook = { id, type, payload, signature: this.sign(payload, { timestampSeconds: created }) };
    this.events.push(event);
    return event;
  }

  private newId(prefix: string): string {
    return `${prefix}_${randomBytes(12).toString('hex')}`;
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stripeError(status: number, type: string, message: string, extra: Json = {}): Answer {
  return { status, body: { error: { type, message, ...extra } } };
}

/** Stripe's form encoding (`metadata[appointmentId]=…`, `automatic_payment_methods[enabled]=true`) into nested objects. */
function parseForm(body: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Json;
    });
  }
  return root;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function sortedDeep(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortedDeep(v)]));
}
