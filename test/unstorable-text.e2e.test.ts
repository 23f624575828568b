/**
 * Text PostgreSQL cannot store (NUL, lone surrogates) is refused at the door with VALIDATION_FAILED
 * naming the field, over HTTP and WebSocket, and never reaches a shared append: a batch of valid and
 * invalid bookings on one provider, sent at once, books every valid one.
 * (Every String argument of every mutation is fuzzed with such text in test/torture/fuzz.e2e.test.ts.)
 */
import type { Client } from 'graphql-ws';
import { BOOK, type Calendar, MONDAY_0700Z, openCalendar } from './support/calendar';
import { type Session, signUp, wsClient } from './support/graphql-clients';
import { type TestApp, gql, startTestApp } from './support/test-app';

let t: TestApp;
let owner: Session;
let cal: Calendar;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Text Owner');
  cal = await openCalendar(owner);
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await t.stop();
});

const eventCount = async (): Promise<number> => {
  const r = await t.app.runtime.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM es_events');
  return Number(r.rows[0]?.n);
};

/** Thirty working half-hours from Tuesday 2027-03-02 on (Berlin 09:00–17:00 = 08:00–16:00 UTC). */
const slot = (i: number): string => {
  const day = 2 + Math.floor(i / 16);
  const minutes = 8 * 60 + (i % 16) * 30;
  return `2027-03-0${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00Z`;
};

const BAD_TEXTS = ['a\u0000b', 'x\ud800', '\udc00y', 'ok \ud83d\ude00 then \ud83d'];

it('a batch of valid and invalid bookings on one provider, sent at once: every valid one is booked', async () => {
  const customers = await Promise.all(Array.from({ length: 60 }, (_, i) => signUp(t.url, 'CUSTOMER', `Mixed ${i}`)));
  const before = await eventCount();
  const answers = await Promise.all(
    customers.map((c, i) => {
      const valid = i % 2 === 0;
      const bad = BAD_TEXTS[i % BAD_TEXTS.length] as string;
      const input = { providerId: cal.providerId, serviceId: cal.serviceId, start: slot(Math.floor(i / 2)), idempotencyKey: valid ? `mixed-${i}` : i % 4 === 1 ? bad : `mixed-${i}`, notes: valid ? 'fine' : bad };
      return c.run<{ bookAppointment: { id: string } }>(BOOK, { i: input });
    }),
  );
  const outcomes = answers.map((a, i) => ({ i, code: a.data?.bookAppointment ? 'BOOKED' : a.errors?.[0]?.extensions?.code, field: a.errors?.[0]?.extensions?.field }));
  expect(outcomes.filter((o) => o.i % 2 === 0)).toEqual(Array.from({ length: 30 }, (_, k) => ({ i: 2 * k, code: 'BOOKED', field: undefined })));
  expect(outcomes.filter((o) => o.i % 2 === 1)).toEqual(
    Array.from({ length: 30 }, (_, k) => ({ i: 2 * k + 1, code: 'VALIDATION_FAILED', field: (2 * k + 1) % 4 === 1 ? 'idempotencyKey' : 'notes' })),
  );
  expect((await eventCount()) - before).toBe(30);
});

it.each([
  ['a variable inside an input object', 'mutation($i: CreateProviderInput!) { createProvider(input: $i) { id } }', { i: { name: 'Dr \u0000', timeZone: 'UTC' } }, 'name'],
  ['a nested input field', 'mutation($p: ID!, $i: ServiceInput!) { offerService(providerId: $p, input: $i) { id } }', { p: '00000000-0000-4000-8000-000000000000', i: { name: 'Visit', durationMinutes: 30, price: { amountMinor: 1, currency: 'EU\ud800' } } }, 'price.currency'],
  ['a plain string variable', 'mutation($r: String) { cancelAppointment(id: "00000000-0000-4000-8000-000000000000", reason: $r) { id } }', { r: '\udfff' }, 'reason'],
  ['an inline literal', 'mutation { cancelAppointment(id: "00000000-0000-4000-8000-000000000000", reason: "late\\u0000") { id } }', {}, 'reason'],
  ['a query argument', 'query($s: String) { providers(search: $s) { edges { cursor } } }', { s: '\u0000' }, 'search'],
  ['an e-mail at sign-in', 'mutation($e: String!) { login(email: $e, password: "whatever1") { accessToken } }', { e: 'a\u0000@example.com' }, 'email'],
])('%s is refused with VALIDATION_FAILED naming the field, before anything runs', async (_what, query, variables, field) => {
  const before = await eventCount();
  const r = await owner.run(query, variables);
  expect(r.status).toBe(400);
  expect(r.errors).toEqual([{ message: expect.stringContaining('cannot be stored'), extensions: { code: 'VALIDATION_FAILED', field, index: expect.any(Number) } }]);
  expect(await eventCount()).toBe(before);
});

it('a registration with such a name is refused and creates no user', async () => {
  const users = async () => Number((await t.app.runtime.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]?.n);
  const before = await users();
  const r = await gql(t.url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: { email: 'nul@example.com', password: 'correct horse', name: 'N\u0000L', role: 'CUSTOMER' } });
  expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
  expect(await users()).toBe(before);
});

it('over WebSocket the operation gets the same error and the connection stays usable', async () => {
  const client = wsClient(t.url, owner.token);
  clients.push(client);
  const result = await new Promise<{ errors?: unknown; data?: unknown }>((resolve) => {
    client.subscribe({ query: 'query($s: String) { providers(search: $s) { edges { cursor } } }', variables: { s: 'x\u0000' } }, { next: resolve, error: (errors) => resolve({ errors }), complete: () => undefined });
  });
  expect(result.errors).toEqual([expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', field: 'search', index: 1 } })]);
  const ok = await new Promise<unknown>((resolve, reject) => {
    client.subscribe({ query: '{ health { status } }' }, { next: resolve, error: reject, complete: () => undefined });
  });
  expect(ok).toEqual({ data: { health: { status: 'ok' } } });
});
