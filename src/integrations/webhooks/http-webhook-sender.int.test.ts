/**
 * Deliveries over real HTTP to a receiver on loopback that verifies with the standardwebhooks library
 * (test/fakes/webhook-receiver.ts). Loopback is private, so most tests allow private networks; the
 * SSRF tests turn that off and show the receiver is never reached.
 */
import { WebhookReceiver } from '../../../test/fakes/webhook-receiver';
import { HttpWebhookSender } from './http-webhook-sender';
import { generateWebhookSecret } from './webhook-signing';
import type { WebhookRequest } from './webhook-sender';

describe('HttpWebhookSender', () => {
  const secret = generateWebhookSecret();
  let receiver: WebhookReceiver;
  const sender = new HttpWebhookSender({ allowPrivateNetworks: true, timeoutMs: 1_000 });
  const event = { type: 'appointment.booked', timestamp: '2026-03-09T08:00:00.000Z', data: { appointment: { id: 'a-1', status: 'CONFIRMED' } } };
  const request = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
    url: receiver.url(),
    secret,
    id: 'evt_6c1f0b7e1d2a4c55',
    timestamp: new Date(),
    body: JSON.stringify(event),
    ...overrides,
  });

  beforeEach(async () => {
    receiver = await WebhookReceiver.start(secret);
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('delivers a body the receiver verifies with the Standard Webhooks library; a retry carries the same webhook-id', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(await sender.deliver(request())).toEqual({ delivered: true, status: 204, error: null });
    expect(await sender.deliver(request({ timestamp: new Date(Date.now() + 1_000) }))).toEqual({ delivered: true, status: 204, error: null });

    expect(receiver.deliveries.map((d) => [d.webhookId, d.verified, d.body])).toEqual([
      ['evt_6c1f0b7e1d2a4c55', true, event],
      ['evt_6c1f0b7e1d2a4c55', true, event],
    ]);
  });

  it('is not verified by a receiver holding another secret', async () => {
    const outcome = await sender.deliver(request({ secret: generateWebhookSecret() }));
    expect(outcome).toMatchObject({ delivered: false, status: 401 });
    expect(receiver.attempts.map((a) => a.verified)).toEqual([false]);
  });

  it('counts a 500 as a failed attempt, with a short error that has the status and the start of the answer', async () => {
    receiver.failNext(1, 500, `database on fire ${'x'.repeat(5_000)}`);
    const outcome = await sender.deliver(request());
    expect(outcome.delivered).toBe(false);
    expect(outcome.status).toBe(500);
    expect(outcome.error).toMatch(/^HTTP 500: database on fire x+/);
    expect(outcome.error!.length).toBeLessThanOrEqual(300);
  });

  it('does not follow a redirect: a 3xx is a failed attempt and the target is never called', async () => {
    receiver.redirectNext(1, receiver.url('/elsewhere'));
    expect(await sender.deliver(request())).toEqual({ delivered: false, status: 307, error: 'HTTP 307: redirect not followed' });
    expect(receiver.attempts.map((a) => a.path)).toEqual(['/hooks']);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    receiver.hangNext(1);
    expect(await sender.deliver(request())).toEqual({ delivered: false, status: null, error: 'no answer within 1000 ms' });
    expect(receiver.attempts).toHaveLength(1);
  });

  it('refuses a loopback endpoint when private networks are not allowed, without connecting', async () => {
    const strict = new HttpWebhookSender({ allowPrivateNetworks: false });
    const outcome = await strict.deliver(request());
    expect(outcome).toMatchObject({ delivered: false, status: null });
    expect(outcome.error).toContain('not a public address');
    const mapped = await strict.deliver(request({ url: `http://[::ffff:127.0.0.1]:${receiver.port}/hooks` }));
    expect(mapped.error).toContain('not a public address');
    expect(receiver.attempts).toEqual([]);
  });

  it('connects to the address it checked: one lookup per attempt, and the name only in the Host header', async () => {
    const lookups: string[] = [];
    const pinned = new HttpWebhookSender({
      allowPrivateNetworks: true,
      lookup: async (hostname) => {
        lookups.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(await pinned.deliver(request({ url: `http://hooks.slotstream.test:${receiver.port}/hooks` }))).toMatchObject({ delivered: true });
    expect(lookups).toEqual(['hooks.slotstream.test']);

    const strict = new HttpWebhookSender({ allowPrivateNetworks: false, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect((await strict.deliver(request({ url: `http://hooks.slotstream.test:${receiver.port}/hooks` }))).error).toContain('not a public address');
    expect(receiver.deliveries).toHaveLength(1);
  });
});
