/**
 * What lists and live updates show when what they point at changed: a customer deleted since booking
 * shows as "[deleted]" in the owner's list (the page is served), and every update pushed by
 * appointmentChanged carries nested data as it is now (a renamed provider), not as it was when the
 * subscription started.
 */
import type { Client } from 'graphql-ws';
import { BOOK, type Calendar, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';
import { type Session, settled, signUp, subscribe, wsClient } from './support/graphql-clients';
import { type TestApp, startTestApp } from './support/test-app';

let t: TestApp;
let owner: Session;
let cal: Calendar;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Owner Of Lists');
  cal = await openCalendar(owner);
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await t.stop();
});

const book = async (customer: Session, start: string, key: string): Promise<string> => {
  const r = await customer.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start, idempotencyKey: key } });
  if (!r.data) throw new Error(`booking failed: ${JSON.stringify(r.errors)}`);
  return r.data.bookAppointment.id;
};

it('a deleted customer shows as [deleted] in the owner’s list, and the page is served', async () => {
  const gone = await signUp(t.url, 'CUSTOMER', 'Soon Gone');
  const stays = await signUp(t.url, 'CUSTOMER', 'Still Here');
  await book(gone, TUESDAY('08:00'), 'gone');
  await book(stays, TUESDAY('09:00'), 'stays');
  await t.app.runtime.database.pool.query('DELETE FROM users WHERE id = $1', [gone.id]);
  const page = await owner.run<{ myAppointments: { edges: Array<{ node: { start: string; customer: { id: string; name: string } } }> } }>(
    '{ myAppointments { edges { node { start customer { id name } } } } }',
  );
  expect(page.errors).toBeUndefined();
  expect(page.data?.myAppointments.edges.map((e) => e.node)).toEqual([
    { start: TUESDAY('08:00'), customer: { id: gone.id, name: '[deleted]' } },
    { start: TUESDAY('09:00'), customer: { id: stays.id, name: 'Still Here' } },
  ]);
});

it('appointmentChanged pushes nested data as it is now: a provider renamed after the subscription started', async () => {
  const customer = await signUp(t.url, 'CUSTOMER', 'Live Watcher');
  const client = wsClient(t.url, customer.token);
  clients.push(client);
  type Change = { appointmentChanged: { id: string; status: string; provider: { name: string } } };
  const changes = subscribe<Change>(client, 'subscription { appointmentChanged { id status provider { name } } }', {});
  await settled(client);
  const id = await book(customer, TUESDAY('10:00'), 'live');
  expect((await changes.next()).appointmentChanged).toEqual({ id, status: 'CONFIRMED', provider: { name: 'Dr Calendar' } });

  const renamed = await owner.run('mutation($id: ID!) { updateProvider(id: $id, input: { name: "Dr Renamed" }) { id } }', { id: cal.providerId });
  expect(renamed.errors).toBeUndefined();
  const cancelled = await customer.run('mutation($id: ID!) { cancelAppointment(id: $id) { id } }', { id });
  expect(cancelled.errors).toBeUndefined();
  expect((await changes.next()).appointmentChanged).toEqual({ id, status: 'CANCELLED', provider: { name: 'Dr Renamed' } });
});
