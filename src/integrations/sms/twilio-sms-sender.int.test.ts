/**
 * The real twilio SDK, through our rebased HTTP client, against a local Messages endpoint
 * (test/fakes/twilio-fake.ts): what arrives, with which credentials, and how faults come back to us.
 */
import { DeliveryError } from '../delivery-error';
import { TwilioFake } from '../../../test/fakes/twilio-fake';
import { TwilioSmsSender } from './twilio-sms-sender';

describe('TwilioSmsSender', () => {
  let fake: TwilioFake;
  const senderFor = (overrides: { authToken?: string; from?: string; timeoutMs?: number } = {}): TwilioSmsSender =>
    new TwilioSmsSender({ accountSid: fake.accountSid, authToken: fake.authToken, from: '+4930123456789', apiBase: fake.baseUrl, timeoutMs: 5_000, ...overrides });

  beforeEach(async () => {
    fake = await TwilioFake.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('posts the message to TWILIO_API_BASE with the account credentials and answers Twilio\'s message sid', async () => {
    const sent = await senderFor().send({ to: '+4915112345678', body: 'Reminder: haircut tomorrow at 10:00' });

    expect(fake.messages).toEqual([{ sid: sent.providerId, to: '+4915112345678', from: '+4930123456789', messagingServiceSid: undefined, body: 'Reminder: haircut tomorrow at 10:00' }]);
    expect(fake.requests).toEqual([{ method: 'POST', path: `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, status: 201 }]);
  });

  it('sends from a Messaging Service when TWILIO_FROM is one', async () => {
    const service = 'MG0123456789abcdef0123456789abcdef';
    await senderFor({ from: service }).send({ to: '+15551234567', body: 'hi' });
    expect(fake.messages[0]).toMatchObject({ from: undefined, messagingServiceSid: service });
  });

  it('reports 500 and 429 as temporary, and the next send goes through', async () => {
    const sender = senderFor();
    fake.failNext(1, 500);
    fake.failNext(1, 429);
    const first = await sender.send({ to: '+4915112345678', body: 'x' }).catch((e: unknown) => e);
    const second = await sender.send({ to: '+4915112345678', body: 'x' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DeliveryError);
    expect(first).toMatchObject({ permanent: false, status: 500 });
    expect(second).toMatchObject({ permanent: false, status: 429 });

    await sender.send({ to: '+4915112345678', body: 'x' });
    expect(fake.messages).toHaveLength(1);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 429, 201]);
  });

  it('gives up on an endpoint that never answers after the timeout, as temporary', async () => {
    fake.hangNext(1);
    await expect(senderFor({ timeoutMs: 300 }).send({ to: '+4915112345678', body: 'x' })).rejects.toMatchObject({ name: 'DeliveryError', permanent: false });
    expect(fake.requests.map((r) => r.status)).toEqual([0]);
  });

  it('reports an invalid number and wrong credentials as permanent', async () => {
    await expect(senderFor().send({ to: '12345', body: 'x' })).rejects.toMatchObject({ permanent: true, status: 400 });
    await expect(senderFor({ authToken: 'wrong' }).send({ to: '+4915112345678', body: 'x' })).rejects.toMatchObject({ permanent: true, status: 401 });
    expect(fake.messages).toEqual([]);
  });
});
