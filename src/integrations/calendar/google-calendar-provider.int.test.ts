/**
 * The real googleapis SDK and google-auth-library, through GoogleCalendarProvider, against a stateful
 * fake of Google's OAuth and Calendar endpoints on a local port (test/fakes/google.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoogleFake } from '../../../test/fakes/google';
import { type AppointmentCalendarEvent, type CalendarTokens, CalendarNeedsReauthError, CalendarRejectedError, CalendarUnavailableError, type PushNotification } from './calendar-provider';
import { GOOGLE_SCOPES, GoogleCalendarProvider } from './google-calendar-provider';
import { APPOINTMENT_PROPERTY, googleEventIdFor } from './google-events';

const REDIRECT_URI = 'https://book.example.com/oauth/google/callback';
const appointment: AppointmentCalendarEvent = {
  appointmentId: '7d0c5a62-51c4-5d7e-8f43-0f2b8c1d9e10',
  summary: 'Haircut with Ada',
  description: 'Booked through Slotstream',
  start: '2027-03-29T08:00:00.000Z',
  end: '2027-03-29T08:45:00.000Z',
  timeZone: 'Europe/Berlin',
  requestMeeting: false,
};
const busyEvent = { id: 'ext1', start: { dateTime: '2027-03-29T10:00:00+02:00' }, end: { dateTime: '2027-03-29T11:00:00+02:00' } };

describe('GoogleCalendarProvider', () => {
  let google: GoogleFake;
  let provider: GoogleCalendarProvider;
  let persisted: CalendarTokens[];

  const tokensFromGoogle = (): CalendarTokens => {
    const t = google.issueTokens();
    return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt, scope: t.scope };
  };
  const client = (tokens: CalendarTokens = tokensFromGoogle(), onTokens: (t: CalendarTokens) => Promise<void> | void = (t) => void persisted.push(t)) =>
    provider.connect(tokens, onTokens);

  beforeEach(async () => {
    google = await GoogleFake.start();
    provider = new GoogleCalendarProvider({ clientId: google.clientId, clientSecret: google.clientSecret, redirectUri: REDIRECT_URI, ...google.urls, timeoutMs: 5_000 });
    persisted = [];
  });
  afterEach(async () => {
    await google.stop();
  });

  /** The owner opens the consent URL and agrees: Google redirects to our callback with a code. */
  const consent = async (state = 'the-state'): Promise<URL> => {
    const res = await fetch(provider.consentUrl(state), { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };

  describe('connecting', () => {
    it('sends the owner to GOOGLE_AUTH_URL for offline access to the calendar scopes, with our redirect and state', async () => {
      const callback = await consent('signed-state');

      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      expect(callback.searchParams.get('state')).toBe('signed-state');
      expect(Object.fromEntries(google.lastConsent!)).toMatchObject({
        client_id: google.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        access_type: 'offline',
        prompt: 'consent',
        scope: GOOGLE_SCOPES.join(' '),
        state: 'signed-state',
      });
    });

    it('exchanges the code at GOOGLE_TOKEN_URL and names the owner\'s calendar and its zone', async () => {
      const code = (await consent()).searchParams.get('code')!;
      const { tokens, account } = await provider.exchangeCode(code);

      expect(tokens).toEqual({ accessToken: expect.stringMatching(/^ya29\./), refreshToken: expect.stringMatching(/^1\/\//), expiresAt: expect.any(Number), scope: GOOGLE_SCOPES.join(' ') });
      expect(tokens.expiresAt! - Date.now()).toBeGreaterThan(3_000_000);
      expect(account).toEqual({ accountEmail: google.accountEmail, calendarId: google.accountEmail, timeZone: 'Europe/Berlin' });
      expect(google.callsTo('oauth.exchange')).toBe(1);
    });

    it('refuses a code used twice, or a grant without calendar access (the owner unticked it)', async () => {
      const code = (await consent()).searchParams.get('code')!;
      await provider.exchangeCode(code);
      await expect(provider.exchangeCode(code)).rejects.toBeInstanceOf(CalendarRejectedError);

      google.grantedScope = 'openid email';
      const narrow = (await consent()).searchParams.get('code')!;
      await expect(provider.exchangeCode(narrow)).rejects.toThrow(/without .*calendar\.events/);
    });

    it('revokes the grant at GOOGLE_REVOKE_URL; revoking again is not an error', async () => {
      const tokens = tokensFromGoogle();
      await provider.revoke(tokens);
      expect(google.isRevoked(tokens.refreshToken)).toBe(true);
      await expect(provider.revoke(tokens)).resolves.toBeUndefined();
      await expect(client(tokens).listBusyChanges('primary', null)).rejects.toBeInstanceOf(CalendarNeedsReauthError);
    });
  });

  describe('sync in', () => {
    it('first lists everything busy with a sync token: free, cancelled and our own events left out, all-day events for their local day', async () => {
      const c = client();
      google.putEvent(busyEvent);
      google.putEvent({ id: 'free', transparency: 'transparent', start: busyEvent.start, end: busyEvent.end });
      google.putEvent({ id: 'allday', start: { date: '2027-03-28' }, end: { date: '2027-03-29' } });
      google.putEvent({ ...busyEvent, id: 'gone' });
      google.removeEvent('gone');
      await c.upsertAppointmentEvent('primary', appointment);

      const first = await c.listBusyChanges('primary', null);

      expect(first).toEqual({
        mode: 'full',
        changes: [
          { externalId: 'ext1', busy: { start: '2027-03-29T08:00:00.000Z', end: '2027-03-29T09:00:00.000Z' } },
          // 2027-03-28 is the day Berlin's clocks go forward: 23 hours.
          { externalId: 'allday', busy: { start: '2027-03-27T23:00:00.000Z', end: '2027-03-28T22:00:00.000Z' } },
        ],
        nextSyncToken: expect.any(String),
      });
    });

    it('then lists only what changed since the token: added, moved, deleted, made free; and nothing when nothing changed', async () => {
      const c = client();
      google.putEvent(busyEvent);
      google.putEvent({ ...busyEvent, id: 'ext2' });
      const first = await c.listBusyChanges('primary', null);

      google.putEvent({ id: 'ext1', start: { dateTime: '2027-03-30T10:00:00+02:00' }, end: { dateTime: '2027-03-30T12:00:00+02:00' } });
      google.removeEvent('ext2');
      google.putEvent({ ...busyEvent, id: 'ext3', transparency: 'transparent' });
      const second = await c.listBusyChanges('primary', first.nextSyncToken);

      expect(second).toEqual({
        mode: 'incremental',
        changes: [
          { externalId: 'ext1', busy: { start: '2027-03-30T08:00:00.000Z', end: '2027-03-30T10:00:00.000Z' } },
          { externalId: 'ext2', busy: null },
          { externalId: 'ext3', busy: null },
        ],
        nextSyncToken: expect.any(String),
      });
      await expect(c.listBusyChanges('primary', second.nextSyncToken)).resolves.toMatchObject({ mode: 'incremental', changes: [] });
    });

    it('follows pages: a calendar of 2,600 events is two calls, then an incremental sync of 3 changes is one', async () => {
      const c = client();
      for (let i = 0; i < 2600; i++) google.putEvent({ ...busyEvent, id: `bulk${i}` });
      const full = await c.listBusyChanges('primary', null);
      expect(full.changes).toHaveLength(2600);
      expect(google.callsTo('events.list')).toBe(2);

      for (const i of [5, 500, 2599]) google.removeEvent(`bulk${i}`);
      const delta = await c.listBusyChanges('primary', full.nextSyncToken);
      expect(delta.changes.map((x) => x.externalId)).toEqual(['bulk5', 'bulk500', 'bulk2599']);
      expect(google.callsTo('events.list')).toBe(3);
    });

    it('falls back to a full sync by itself when Google answers 410 for an expired sync token', async () => {
      const c = client();
      google.putEvent(busyEvent);
      const first = await c.listBusyChanges('primary', null);
      google.expireSyncTokens();

      const again = await c.listBusyChanges('primary', first.nextSyncToken);

      expect(again).toMatchObject({ mode: 'full', changes: [{ externalId: 'ext1' }] });
      expect(google.requests.filter((r) => r.endpoint === 'events.list').map((r) => r.status)).toEqual([200, 410, 200]);
    });
  });

  describe('sync out', () => {
    it('creates the appointment\'s event with the id derived from it, marked as ours; a reschedule updates that same event', async () => {
      const c = client();
      const created = await c.upsertAppointmentEvent('primary', appointment);
      const moved = await c.upsertAppointmentEvent('primary', { ...appointment, start: '2027-03-30T08:00:00.000Z', end: '2027-03-30T08:45:00.000Z' });

      expect(created).toEqual({ externalEventId: googleEventIdFor(appointment.appointmentId), meetingLink: null });
      expect(moved.externalEventId).toBe(created.externalEventId);
      expect(google.events()).toEqual([
        expect.objectContaining({
          id: created.externalEventId,
          status: 'confirmed',
          summary: 'Haircut with Ada',
          start: { dateTime: '2027-03-30T08:00:00.000Z', timeZone: 'Europe/Berlin' },
          extendedProperties: { private: { [APPOINTMENT_PROPERTY]: appointment.appointmentId } },
        }),
      ]);
      expect(google.requests.filter((r) => r.endpoint.startsWith('events.')).map((r) => [r.endpoint, r.status])).toEqual([
        ['events.insert', 200],
        ['events.insert', 409],
        ['events.patch', 200],
      ]);
    });

    it.each([
      ['after storing it (the answer was lost)', true],
      ['before storing it', false],
    ])('when the first insert fails with 500 %s, reports it as temporary, and the retry leaves one event', async (_when, afterApplying) => {
      const c = client();
      google.failNext('events.insert', 500, { afterApplying });

      await expect(c.upsertAppointmentEvent('primary', appointment)).rejects.toBeInstanceOf(CalendarUnavailableError);
      await expect(c.upsertAppointmentEvent('primary', appointment)).resolves.toEqual({ externalEventId: googleEventIdFor(appointment.appointmentId), meetingLink: null });

      expect(google.events().map((e) => e.id)).toEqual([googleEventIdFor(appointment.appointmentId)]);
    });

    it('puts an event the owner deleted back when the appointment is synced again', async () => {
      const c = client();
      const { externalEventId } = await c.upsertAppointmentEvent('primary', appointment);
      google.removeEvent(externalEventId);

      await c.upsertAppointmentEvent('primary', appointment);
      expect(google.events()).toEqual([expect.objectContaining({ id: externalEventId, status: 'confirmed' })]);
    });

    it('asks Google Meet for a virtual appointment\'s meeting, and gets the same link when synced again', async () => {
      const c = client();
      const first = await c.upsertAppointmentEvent('primary', { ...appointment, requestMeeting: true });
      const again = await c.upsertAppointmentEvent('primary', { ...appointment, requestMeeting: true, start: '2027-03-29T09:00:00.000Z', end: '2027-03-29T09:45:00.000Z' });

      expect(first.meetingLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
      expect(again.meetingLink).toBe(first.meetingLink);
    });

    it('deletes the appointment\'s event; deleting it again, or one that never got there, is not an error', async () => {
      const c = client();
      await c.upsertAppointmentEvent('primary', appointment);
      await c.deleteAppointmentEvent('primary', appointment.appointmentId);
      await c.deleteAppointmentEvent('primary', appointment.appointmentId);
      await c.deleteAppointmentEvent('primary', 'never-synced');

      expect(google.events()).toEqual([expect.objectContaining({ status: 'cancelled' })]);
      expect(google.requests.filter((r) => r.endpoint === 'events.delete').map((r) => r.status)).toEqual([204, 410, 404]);
    });
  });

  describe('push channels', () => {
    let received: PushNotification[];
    let receiver: http.Server;
    let address: string;

    beforeEach(async () => {
      received = [];
      receiver = http.createServer((req, res) => {
        const notification = provider.readPushNotification(req.headers);
        if (notification !== null) received.push(notification);
        res.writeHead(notification === null ? 400 : 200).end();
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      address = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/google-calendar`;
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    it('opens a channel with our id, token, address and lifetime; its notifications read back; stopping it twice is fine', async () => {
      const c = client();
      const before = Date.now();
      const channel = await c.openChannel('primary', { channelId: 'channel-1', token: 'secret-token', address, ttlSeconds: 3600 });

      expect(channel).toEqual({ channelId: 'channel-1', resourceId: expect.any(String), expiresAt: expect.any(Number) });
      expect(channel.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(google.channels()).toEqual([expect.objectContaining({ id: 'channel-1', token: 'secret-token', address })]);

      expect(await google.notify('channel-1', { state: 'sync' })).toBe(200);
      expect(await google.notify('channel-1')).toBe(200);
      expect(await google.notify('channel-1', { token: 'forged' })).toBe(200);
      expect(received).toEqual([
        { channelId: 'channel-1', token: 'secret-token', resourceId: channel.resourceId, state: 'sync' },
        { channelId: 'channel-1', token: 'secret-token', resourceId: channel.resourceId, state: 'changed' },
        { channelId: 'channel-1', token: 'forged', resourceId: channel.resourceId, state: 'changed' },
      ]);

      await c.stopChannel(channel);
      await c.stopChannel(channel);
      expect(google.channels()).toEqual([]);
    });

    it('reads a request without Google\'s headers as no notification', () => {
      expect(provider.readPushNotification({ 'content-type': 'application/json' })).toBeNull();
    });
  });

  describe('tokens', () => {
    it('refreshes once on a 401 and retries; the new tokens reach the callback before the call returns', async () => {
      const tokens = tokensFromGoogle();
      let persistedBeforeReturn = false;
      const c = client(tokens, async (t) => {
        await new Promise((resolve) => setImmediate(resolve));
        persisted.push(t);
      });
      google.putEvent(busyEvent);
      google.expireAccessTokens();

      const result = await c.listBusyChanges('primary', null);
      persistedBeforeReturn = persisted.length === 1;

      expect(result.changes).toHaveLength(1);
      expect(persistedBeforeReturn).toBe(true);
      expect(persisted[0]).toEqual({ accessToken: expect.not.stringMatching(tokens.accessToken), refreshToken: tokens.refreshToken, expiresAt: expect.any(Number), scope: tokens.scope });
      expect(google.requests.filter((r) => r.endpoint === 'events.list' || r.endpoint === 'oauth.refresh').map((r) => [r.endpoint, r.status])).toEqual([
        ['events.list', 401],
        ['oauth.refresh', 200],
        ['events.list', 200],
      ]);

      await c.listBusyChanges('primary', null);
      expect(google.callsTo('oauth.refresh')).toBe(1);
    });

    it('refreshes a token it knows has expired before calling, without a 401', async () => {
      const c = client({ ...tokensFromGoogle(), expiresAt: Date.now() - 1000 });
      await c.listBusyChanges('primary', null);

      expect(google.requests.map((r) => [r.endpoint, r.status])).toEqual([
        ['oauth.refresh', 200],
        ['events.list', 200],
      ]);
      expect(persisted).toHaveLength(1);
    });

    it('refreshes on demand', async () => {
      const tokens = tokensFromGoogle();
      const refreshed = await client(tokens).refresh();
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
      expect(persisted).toEqual([refreshed]);
    });

    it('reports a refresh Google refuses with invalid_grant as needing the owner to connect again, persisting nothing', async () => {
      const c = client();
      google.expireAccessTokens();
      google.invalidGrant = true;

      const error = await c.listBusyChanges('primary', null).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CalendarNeedsReauthError);
      expect((error as Error).message).toMatch(/invalid_grant/);
      expect(persisted).toEqual([]);
      await expect(c.upsertAppointmentEvent('primary', appointment)).rejects.toBeInstanceOf(CalendarNeedsReauthError);
    });

    it('reports a 401 that survives a fresh token as needing the owner to connect again, after one refresh', async () => {
      google.failNext('events.list', 401, { count: 2 });
      await expect(client().listBusyChanges('primary', null)).rejects.toBeInstanceOf(CalendarNeedsReauthError);
      expect(google.callsTo('oauth.refresh')).toBe(1);
    });

    it('fails the call when the refreshed tokens cannot be persisted, and the next call works', async () => {
      let failOnce = true;
      const c = client(tokensFromGoogle(), () => {
        if (failOnce) {
          failOnce = false;
          throw new Error('database down');
        }
      });
      google.expireAccessTokens();

      await expect(c.listBusyChanges('primary', null)).rejects.toThrow('database down');
      await expect(c.listBusyChanges('primary', null)).resolves.toMatchObject({ mode: 'full' });
    });
  });

  describe('failures', () => {
    it.each([500, 503, 429])('reports %i as temporary', async (status) => {
      google.failNext('events.list', status);
      await expect(client().listBusyChanges('primary', null)).rejects.toMatchObject({ name: 'CalendarUnavailableError', status, retryable: true });
      expect(google.callsTo('events.list')).toBe(1);
    });

    it('gives up on a Google that never answers after the timeout, as temporary', async () => {
      const impatient = new GoogleCalendarProvider({ clientId: google.clientId, clientSecret: google.clientSecret, redirectUri: REDIRECT_URI, ...google.urls, timeoutMs: 300 });
      google.hangNext('events.insert');
      await expect(impatient.connect(tokensFromGoogle(), () => undefined).upsertAppointmentEvent('primary', appointment)).rejects.toBeInstanceOf(CalendarUnavailableError);
    });

    it('reports an unknown calendar as refused for good', async () => {
      await expect(client().listBusyChanges('nobody@example.com', null)).rejects.toMatchObject({ name: 'CalendarRejectedError', status: 404, retryable: false });
    });
  });
});
