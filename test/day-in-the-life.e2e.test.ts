/**
 * A full day in the life, through the public API only (real HTTP and WebSocket on a real port): a
 * provider signs up and opens a calendar, a customer books, a booking page sees the slot vanish and
 * come back, reschedule, confirmation, completion and no-show after the start, and an auditor reads
 * the history and verifies the stream.
 */
import type { Client } from 'graphql-ws';
import { type TestApp, startTestApp } from './support/test-app';
import { type LiveSubscription, type Session, sessionOf, settled, signUp, subscribe, wsClient } from './support/graphql-clients';
import { testBackends } from './support/test-database';
import { type EsdbDouble, startEsdbDouble } from './esdb-double';

const MONDAY_0700Z = Date.parse('2027-03-01T07:00:00Z');
const TUESDAY = (hhmmZ: string): string => `2027-03-02T${hhmmZ}:00Z`;

interface SlotsUpdate {
  availabilityChanged: { providerId: string; slots: Array<{ start: string; seatsLeft: number }> };
}

const SLOTS_SUBSCRIPTION = `subscription($p: ID!, $s: ID!, $from: DateTime!, $to: DateTime!) {
  availabilityChanged(providerId: $p, serviceId: $s, from: $from, to: $to) { providerId slots { start seatsLeft } }
}`;

const APPOINTMENT_FIELDS = 'id status start end lateCancellation cancellationReason provider { id name } service { id name } customer { id name }';

/** PostgreSQL, PGlite, and PostgreSQL read models with events in EventStoreDB (its wire double). */
const SETUPS = [...testBackends(), ...(testBackends().includes('postgres') ? (['eventstoredb'] as const) : [])];

describe.each(SETUPS)('a day in the life on %s', (setup) => {
  const backend = setup === 'eventstoredb' ? 'postgres' : setup;
  let double: EsdbDouble | null = null;
  let t: TestApp;
  let now = MONDAY_0700Z;
  let provider: Session;
  let customer: Session;
  let auditor: Session;
  let providerId: string;
  let serviceId: string;
  let confirmServiceId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    double = setup === 'eventstoredb' ? await startEsdbDouble() : null;
    t = await startTestApp(backend, double ? { EVENTSTORE_URL: double.url } : {}, { clock: () => now });
    provider = await signUp(t.url, 'PROVIDER', 'Dr Ada Lovelace');
    customer = await signUp(t.url, 'CUSTOMER', 'Grace Hopper');
    const auditorUser = await t.app.runtime.accounts.createUser({ email: `audit.${setup}@example.com`, password: 'audit-password-1', name: 'Ida Auditor', role: 'AUDITOR' });
    const login = await t.app.runtime.accounts.login(`audit.${setup}@example.com`, 'audit-password-1', '127.0.0.1');
    auditor = sessionOf(t.url, auditorUser.id, login.accessToken);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t.stop();
    await double?.stop();
  });

  async function nextUntil<T>(sub: LiveSubscription<T>, done: (v: T) => boolean): Promise<T> {
    for (;;) {
      const v = await sub.next();
      if (done(v)) return v;
    }
  }
  const starts = (u: SlotsUpdate): string[] => u.availabilityChanged.slots.map((s) => s.start);

  it('a provider opens a calendar: provider, services, weekly hours', async () => {
    const created = await provider.run<{ createProvider: { id: string; timeZone: string } }>(
      'mutation { createProvider(input: { name: "Dr Ada", kind: "DOCTOR", timeZone: "Europe/Berlin" }) { id timeZone } }',
    );
    expect(created.errors).toBeUndefined();
    providerId = created.data?.createProvider.id ?? '';
    expect(created.data?.createProvider.timeZone).toBe('Europe/Berlin');

    const offered = await provider.run<{ offerService: { id: string; slotIntervalMinutes: number; capacity: number } }>(
      'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Checkup", durationMinutes: 30, price: { amountMinor: 4500, currency: "EUR" } }) { id slotIntervalMinutes capacity } }',
      { p: providerId },
    );
    expect(offered.data?.offerService).toMatchObject({ slotIntervalMinutes: 30, capacity: 1 });
    serviceId = offered.data?.offerService.id ?? '';
    const confirmed = await provider.run<{ offerService: { id: string; requiresConfirmation: boolean } }>(
      'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Surgery consult", durationMinutes: 60, requiresConfirmation: true }) { id requiresConfirmation } }',
      { p: providerId },
    );
    confirmServiceId = confirmed.data?.offerService.id ?? '';
    expect(confirmed.data?.offerService.requiresConfirmation).toBe(true);

    const hours = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] }));
    const set = await provider.run<{ setWeeklyHours: { weeklyHours: unknown[] } }>(
      'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { weeklyHours { weekday windows { start end } } } }',
      { p: providerId, h: hours },
    );
    expect(set.data?.setWeeklyHours.weeklyHours).toHaveLength(5);

    const read = await customer.run<{ provider: { name: string; services: Array<{ name: string; price: unknown }> } }>(
      'query($p: ID!) { provider(id: $p) { name services { name price { amountMinor currency } } } }',
      { p: providerId },
    );
    expect(read.data?.provider.services).toEqual([
      { name: 'Checkup', price: { amountMinor: 4500, currency: 'EUR' } },
      { name: 'Surgery consult', price: null },
    ]);
  });

  it('a booking page watches the slots; they vanish on booking and come back on cancel', async () => {
    const page = wsClient(t.url);
    clients.push(page);
    const live = subscribe<SlotsUpdate>(page, SLOTS_SUBSCRIPTION, { p: providerId, s: serviceId, from: TUESDAY('00:00'), to: TUESDAY('23:59') });
    const first = await live.next();
    // 09:00–17:00 Berlin (CET, UTC+1) is 08:00Z–16:00Z: sixteen half-hour slots.
    expect(starts(first)).toHaveLength(16);
    expect(starts(first)[0]).toBe(TUESDAY('08:00'));

    const mine = wsClient(t.url, customer.token);
    clients.push(mine);
    const changes = subscribe<{ appointmentChanged: { id: string; status: string } }>(mine, 'subscription { appointmentChanged { id status } }', {});
    await settled(mine);

    const booked = await customer.run<{ bookAppointment: { id: string; status: string; start: string; customer: { id: string } } }>(
      `mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { ${APPOINTMENT_FIELDS} } }`,
      { i: { providerId, serviceId, start: TUESDAY('08:00'), idempotencyKey: 'grace-1', notes: 'first visit' } },
    );
    expect(booked.errors).toBeUndefined();
    expect(booked.data?.bookAppointment).toMatchObject({ status: 'CONFIRMED', start: TUESDAY('08:00'), customer: { id: customer.id } });
    const appointmentId = booked.data?.bookAppointment.id ?? '';

    const afterBooking = await nextUntil(live, (u) => !starts(u).includes(TUESDAY('08:00')));
    expect(starts(afterBooking)).toHaveLength(15);
    expect((await changes.next()).appointmentChanged).toEqual({ id: appointmentId, status: 'CONFIRMED' });

    // Read your writes: the very next query sees it.
    const mineNow = await customer.run<{ myAppointments: { edges: Array<{ node: { id: string } }> } }>('{ myAppointments { edges { node { id } } } }');
    expect(mineNow.data?.myAppointments.edges.map((e) => e.node.id)).toEqual([appointmentId]);

    const retried = await customer.run<{ bookAppointment: { id: string } }>(
      'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id } }',
      { i: { providerId, serviceId, start: TUESDAY('08:00'), idempotencyKey: 'grace-1' } },
    );
    expect(retried.data?.bookAppointment.id).toBe(appointmentId);

    const cancelled = await customer.run<{ cancelAppointment: { status: string; lateCancellation: boolean; cancellationReason: string } }>(
      'mutation($id: ID!) { cancelAppointment(id: $id, reason: "feeling better") { status lateCancellation cancellationReason } }',
      { id: appointmentId },
    );
    expect(cancelled.data?.cancelAppointment).toEqual({ status: 'CANCELLED', lateCancellation: false, cancellationReason: 'feeling better' });
    const afterCancel = await nextUntil(live, (u) => starts(u).includes(TUESDAY('08:00')));
    expect(starts(afterCancel)).toHaveLength(16);
    expect((await changes.next()).appointmentChanged).toEqual({ id: appointmentId, status: 'CANCELLED' });
    await live.close();
    await changes.close();
  });

  let movedId = '';
  let noShowId = '';

  it('reschedule moves a booking atomically; the old time is free again', async () => {
    const booked = await customer.run<{ bookAppointment: { id: string } }>(
      'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id } }',
      { i: { providerId, serviceId, start: TUESDAY('09:00'), idempotencyKey: 'grace-2' } },
    );
    movedId = booked.data?.bookAppointment.id ?? '';
    const moved = await customer.run<{ rescheduleAppointment: { start: string; end: string; status: string } }>(
      'mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, newStart: $at) { start end status } }',
      { id: movedId, at: TUESDAY('10:00') },
    );
    expect(moved.data?.rescheduleAppointment).toEqual({ start: TUESDAY('10:00'), end: TUESDAY('10:30'), status: 'CONFIRMED' });
    const slots = await customer.run<{ availableSlots: Array<{ start: string }> }>(
      'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "2027-03-02T08:00:00Z", to: "2027-03-02T12:00:00Z") { start } }',
      { p: providerId, s: serviceId },
    );
    const free = slots.data?.availableSlots.map((s) => s.start) ?? [];
    expect(free).toContain(TUESDAY('09:00'));
    expect(free).not.toContain(TUESDAY('10:00'));

    const other = await signUp(t.url, 'CUSTOMER', 'Someone Else');
    const taken = await other.run('mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id } }', {
      i: { providerId, serviceId, start: TUESDAY('10:00'), idempotencyKey: 'x' },
    });
    expect(taken.errors?.[0]?.extensions?.code).toBe('SLOT_TAKEN');
    const stranger = await other.run('mutation($id: ID!) { cancelAppointment(id: $id) { id } }', { id: movedId });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const noShow = await customer.run<{ bookAppointment: { id: string } }>(
      'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id } }',
      { i: { providerId, serviceId, start: TUESDAY('11:00'), idempotencyKey: 'grace-3' } },
    );
    noShowId = noShow.data?.bookAppointment.id ?? '';
  });

  it('a service that requires confirmation books PENDING until the owner confirms', async () => {
    const booked = await customer.run<{ bookAppointment: { id: string; status: string } }>(
      'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id status } }',
      { i: { providerId, serviceId: confirmServiceId, start: TUESDAY('14:00'), idempotencyKey: 'grace-4' } },
    );
    expect(booked.data?.bookAppointment.status).toBe('PENDING');
    const id = booked.data?.bookAppointment.id;
    const byCustomer = await customer.run('mutation($id: ID!) { confirmAppointment(id: $id) { status } }', { id });
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byOwner = await provider.run<{ confirmAppointment: { status: string } }>('mutation($id: ID!) { confirmAppointment(id: $id) { status } }', { id });
    expect(byOwner.data?.confirmAppointment.status).toBe('CONFIRMED');
    const again = await provider.run('mutation($id: ID!) { confirmAppointment(id: $id) { status } }', { id });
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });

  it('after the start the owner completes one appointment and marks another a no-show', async () => {
    const early = await provider.run('mutation($id: ID!) { completeAppointment(id: $id) { status } }', { id: movedId });
    expect(early.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    now = Date.parse(TUESDAY('12:00'));
    const done = await provider.run<{ completeAppointment: { status: string } }>('mutation($id: ID!) { completeAppointment(id: $id) { status } }', { id: movedId });
    expect(done.data?.completeAppointment.status).toBe('COMPLETED');
    const absent = await provider.run<{ markNoShow: { status: string } }>('mutation($id: ID!) { markNoShow(id: $id) { status } }', { id: noShowId });
    expect(absent.data?.markNoShow.status).toBe('NO_SHOW');
    const cancelDone = await customer.run('mutation($id: ID!) { cancelAppointment(id: $id) { status } }', { id: movedId });
    expect(cancelDone.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });

  it('an auditor reads the history, verifies the stream and sees the day’s figures', async () => {
    const history = await auditor.run<{ appointmentHistory: Array<{ type: string; actorId: string; actorRole: string; hash: string; prevHash: string | null }> }>(
      'query($id: ID!) { appointmentHistory(appointmentId: $id) { streamRevision type actorId actorRole correlationId hash prevHash data recordedAt } }',
      { id: movedId },
    );
    expect(history.errors).toBeUndefined();
    expect(history.data?.appointmentHistory.map((e) => e.type)).toEqual(['AppointmentBooked', 'AppointmentRescheduled', 'AppointmentCompleted']);
    expect(history.data?.appointmentHistory.map((e) => e.actorRole)).toEqual(['CUSTOMER', 'CUSTOMER', 'PROVIDER']);

    const verified = await auditor.run<{ verifyProviderStream: { valid: boolean; eventsChecked: number; firstBrokenRevision: number | null } }>(
      'query($p: ID!) { verifyProviderStream(providerId: $p) { valid eventsChecked firstBrokenRevision } }',
      { p: providerId },
    );
    expect(verified.data?.verifyProviderStream).toMatchObject({ valid: true, firstBrokenRevision: null });
    expect(verified.data?.verifyProviderStream.eventsChecked).toBeGreaterThan(10);

    const asOf = await auditor.run<{ appointmentAsOf: { start: string; status: string } | null }>(
      'query($id: ID!, $at: DateTime!) { appointmentAsOf(appointmentId: $id, at: $at) { start status } }',
      { id: movedId, at: '2000-01-01T00:00:00Z' },
    );
    expect(asOf.data?.appointmentAsOf).toBeNull();

    const stats = await auditor.run<{ providerAnalytics: { days: Array<{ date: string; booked: number; cancelled: number; completed: number; noShows: number }> } }>(
      'query($p: ID!) { providerAnalytics(providerId: $p, from: "2027-03-02", to: "2027-03-02") { utilization days { date booked cancelled completed noShows bookedMinutes openMinutes revenue { amountMinor currency } } } }',
      { p: providerId },
    );
    expect(stats.errors).toBeUndefined();
    expect(stats.data?.providerAnalytics.days[0]).toMatchObject({ date: '2027-03-02', booked: 4, cancelled: 1, completed: 1, noShows: 1 });

    const customerTries = await customer.run('query($p: ID!) { verifyProviderStream(providerId: $p) { valid } }', { p: providerId });
    expect(customerTries.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
