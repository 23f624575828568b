/**
 * Many subscribers on one window cost one slot computation per change: they share a topic, receive the
 * same list, and the topic goes away with its last subscriber.
 */
import type { Client } from 'graphql-ws';
import { availabilityTopicsOf } from '../src/graphql/subscriptions/availability-topics';
import { BOOK, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';
import { type LiveSubscription, signUp, subscribe, wsClient } from './support/graphql-clients';
import { startTestApp, type TestApp } from './support/test-app';

type Update = { availabilityChanged: { slots: Array<{ start: string }> } };
const WATCH = 'subscription($p: ID!, $s: ID!, $from: DateTime!, $to: DateTime!) { availabilityChanged(providerId: $p, serviceId: $s, from: $from, to: $to) { slots { start } } }';

describe('live availability fan-out', () => {
  let t: TestApp;
  const clients: Client[] = [];
  beforeAll(async () => {
    t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await t.stop();
  });

  it('twenty subscribers of one window get the new list from one computation; a window days away is not recomputed', async () => {
    const provider = await signUp(t.url, 'PROVIDER', 'Fanout Doctor');
    const customer = await signUp(t.url, 'CUSTOMER', 'Fanout Patient');
    const { providerId, serviceId } = await openCalendar(provider);
    const tuesday = { p: providerId, s: serviceId, from: TUESDAY('08:00'), to: TUESDAY('09:00') };
    const friday = { p: providerId, s: serviceId, from: '2027-03-05T08:00:00Z', to: '2027-03-05T09:00:00Z' };
    const watchers: Array<LiveSubscription<Update>> = [];
    for (let i = 0; i < 20; i++) {
      const client = wsClient(t.url);
      clients.push(client);
      watchers.push(subscribe<Update>(client, WATCH, tuesday));
    }
    const elsewhereClient = wsClient(t.url);
    clients.push(elsewhereClient);
    const elsewhere = subscribe<Update>(elsewhereClient, WATCH, friday);
    const initial = await Promise.all(watchers.map((w) => w.next()));
    expect(new Set(initial.map((u) => JSON.stringify(u)))).toEqual(new Set([JSON.stringify({ availabilityChanged: { slots: [{ start: TUESDAY('08:00') }, { start: TUESDAY('08:30') }] } })]));
    await elsewhere.next();
    const topics = availabilityTopicsOf(t.app.runtime.readSide, t.app.runtime.clock);
    expect(topics.size).toBe(2);

    const computations = jest.spyOn(t.app.runtime.readSide.availability, 'availableSlots');
    const booked = await customer.run(BOOK, { i: { providerId, serviceId, start: TUESDAY('08:00'), idempotencyKey: 'fanout' } });
    expect(booked.errors).toBeUndefined();
    const updates = await Promise.all(watchers.map((w) => w.next()));
    for (const u of updates) expect(u.availabilityChanged.slots).toEqual([{ start: TUESDAY('08:30') }]);
    expect(computations).toHaveBeenCalledTimes(1);
    computations.mockRestore();

    await Promise.all(clients.map((c) => c.dispose()));
    clients.length = 0;
    for (let i = 0; i < 100 && topics.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(topics.size).toBe(0);
  });
});
