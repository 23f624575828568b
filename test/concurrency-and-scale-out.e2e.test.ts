/**
 * Over real HTTP: 50 concurrent bookings of one slot, and two server processes on one PostgreSQL
 * database where a booking made through one reaches a subscriber on the other.
 */
import type { Client } from 'graphql-ws';
import { startTestApp, type TestApp } from './support/test-app';
import { type Session, sessionOf, signUp, subscribe, wsClient } from './support/graphql-clients';
import { BOOK, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';
import { createTestPostgres, type TestPostgres } from './support/test-database';

describe('concurrency over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  });
  afterAll(() => t.stop());

  it('50 concurrent bookAppointment calls on one slot: exactly one succeeds, the rest are SLOT_TAKEN', async () => {
    const provider = await signUp(t.url, 'PROVIDER', 'Busy Doctor');
    const { providerId, serviceId } = await openCalendar(provider);
    const customers: Session[] = await Promise.all(Array.from({ length: 50 }, (_, i) => signUp(t.url, 'CUSTOMER', `Patient ${i}`)));
    const answers = await Promise.all(
      customers.map((c, i) => c.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId, serviceId, start: TUESDAY('08:00'), idempotencyKey: `k${i}` } })),
    );
    const codes = answers.map((a) => (a.data?.bookAppointment ? 'OK' : String(a.errors?.[0]?.extensions?.code)));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'SLOT_TAKEN')).toHaveLength(49);
    const history = await provider.run<{ providerHistory: Array<{ type: string }> }>('query($p: ID!) { providerHistory(providerId: $p) { type } }', { p: providerId });
    expect(history.data?.providerHistory.filter((e) => e.type === 'AppointmentBooked')).toHaveLength(1);
  });
});

describe('two server processes on one database', () => {
  let pgdb: TestPostgres;
  let a: TestApp;
  let b: TestApp;
  let client: Client | null = null;
  beforeAll(async () => {
    pgdb = await createTestPostgres();
    a = await startTestApp('postgres', { DATABASE_URL: pgdb.url }, { clock: () => MONDAY_0700Z });
    b = await startTestApp('postgres', { DATABASE_URL: pgdb.url }, { clock: () => MONDAY_0700Z });
  });
  afterAll(async () => {
    await client?.dispose();
    await a.stop();
    await b.stop();
    await pgdb.drop();
  });

  it('a subscriber on one sees a booking made through the other', async () => {
    const provider = await signUp(a.url, 'PROVIDER', 'Two Node Doctor');
    const customer = await signUp(a.url, 'CUSTOMER', 'Two Node Patient');
    const { providerId, serviceId } = await openCalendar(provider);
    client = wsClient(b.url);
    const live = subscribe<{ availabilityChanged: { slots: Array<{ start: string }> } }>(
      client,
      'subscription($p: ID!, $s: ID!) { availabilityChanged(providerId: $p, serviceId: $s, from: "2027-03-02T08:00:00Z", to: "2027-03-02T09:00:00Z") { slots { start } } }',
      { p: providerId, s: serviceId },
    );
    expect((await live.next()).availabilityChanged.slots.map((s) => s.start)).toEqual([TUESDAY('08:00'), TUESDAY('08:30')]);
    const booked = await customer.run(BOOK, { i: { providerId, serviceId, start: TUESDAY('08:30'), idempotencyKey: 'n1' } });
    expect(booked.errors).toBeUndefined();
    expect((await live.next()).availabilityChanged.slots.map((s) => s.start)).toEqual([TUESDAY('08:00')]);
    // Node B answers queries with the booking too: its read models are the same tables.
    const onB = await sessionOf(b.url, customer.id, customer.token).run<{ myAppointments: { edges: Array<{ node: { start: string } }> } }>(
      'query { myAppointments { edges { node { start } } } }',
    );
    expect(onB.data?.myAppointments.edges.map((e) => e.node.start)).toEqual([TUESDAY('08:30')]);
  });
});
