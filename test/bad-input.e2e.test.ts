/**
 * Bad input of every argument kind, over HTTP: each answer carries a clear code (VALIDATION_FAILED
 * naming the field or value, or a scheduling code), and the provider's stream gains no event.
 */
import { type TestApp, startTestApp } from './support/test-app';
import { type Session, signUp } from './support/graphql-clients';
import { BOOK, type Calendar, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';

let t: TestApp;
let owner: Session;
let customer: Session;
let cal: Calendar;

beforeAll(async () => {
  t = await startTestApp('postgres', {}, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Strict Owner');
  customer = await signUp(t.url, 'CUSTOMER', 'Careless Customer');
  cal = await openCalendar(owner);
});
afterAll(() => t.stop());

const streamLength = async (): Promise<number> => {
  const r = await owner.run<{ providerHistory: unknown[] }>('query($p: ID!) { providerHistory(providerId: $p, first: 1000) { streamRevision } }', { p: cal.providerId });
  return r.data?.providerHistory.length ?? -1;
};

const book = (overrides: Record<string, unknown>) => ({
  query: BOOK,
  variables: () => ({ i: { providerId: cal.providerId, serviceId: cal.serviceId, start: TUESDAY('08:00'), idempotencyKey: 'bad', ...overrides } }),
});

interface Case {
  readonly name: string;
  readonly as: () => Session;
  readonly query: string;
  readonly variables: () => Record<string, unknown>;
  readonly code: string;
  /** Expected extras in extensions (field, value). */
  readonly extensions?: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: 'DateTime: not a date', as: () => customer, ...book({ start: 'tomorrow' }), code: 'VALIDATION_FAILED', extensions: { value: 'tomorrow' } },
  { name: 'DateTime: month 13', as: () => customer, ...book({ start: '2027-13-01T08:00:00Z' }), code: 'VALIDATION_FAILED' },
  { name: 'DateTime: no offset', as: () => customer, ...book({ start: '2027-03-02T08:00:00' }), code: 'VALIDATION_FAILED' },
  { name: 'ID: not a UUID', as: () => customer, ...book({ providerId: 'provider-1' }), code: 'VALIDATION_FAILED', extensions: { field: 'providerId' } },
  { name: 'start off the slot grid', as: () => customer, ...book({ start: TUESDAY('08:10') }), code: 'OUTSIDE_AVAILABILITY' },
  { name: 'start outside working hours', as: () => customer, ...book({ start: TUESDAY('18:00') }), code: 'OUTSIDE_AVAILABILITY' },
  { name: 'start in the past', as: () => customer, ...book({ start: '2027-02-26T08:00:00Z' }), code: 'TOO_SOON' },
  { name: 'start beyond maxAdvanceDays', as: () => customer, ...book({ start: '2028-03-07T08:00:00Z' }), code: 'TOO_FAR_AHEAD' },
  { name: 'idempotencyKey: empty', as: () => customer, ...book({ idempotencyKey: '' }), code: 'VALIDATION_FAILED', extensions: { field: 'idempotencyKey' } },
  { name: 'notes: 100,000 characters', as: () => customer, ...book({ notes: 'n'.repeat(100_000) }), code: 'VALIDATION_FAILED', extensions: { field: 'notes' } },
  {
    name: 'Int: durationMinutes below 5',
    as: () => owner,
    query: 'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Short", durationMinutes: 3 }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
    extensions: { field: 'durationMinutes', value: 3 },
  },
  {
    name: 'Int: beyond 32 bits',
    as: () => owner,
    query: 'mutation($p: ID!, $d: Int!) { offerService(providerId: $p, input: { name: "Long", durationMinutes: $d }) { id } }',
    variables: () => ({ p: cal.providerId, d: 2 ** 40 }),
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'price: negative and a made-up currency',
    as: () => owner,
    query: 'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Odd", durationMinutes: 30, price: { amountMinor: -1, currency: "EUR" } }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'currency not ISO 4217',
    as: () => owner,
    query: 'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Odd", durationMinutes: 30, price: { amountMinor: 100, currency: "ZZQ" } }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'capacity 0',
    as: () => owner,
    query: 'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Class", durationMinutes: 30, capacity: 0 }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
    extensions: { field: 'capacity' },
  },
  {
    name: 'LocalTime: 25:00',
    as: () => owner,
    query: 'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
    variables: () => ({ p: cal.providerId, h: [{ weekday: 'MONDAY', windows: [{ start: '09:00', end: '25:00' }] }] }),
    code: 'VALIDATION_FAILED',
    extensions: { value: '25:00' },
  },
  {
    name: 'a window that ends before it starts',
    as: () => owner,
    query: 'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
    variables: () => ({ p: cal.providerId, h: [{ weekday: 'MONDAY', windows: [{ start: '17:00', end: '09:00' }] }] }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'Weekday: FUNDAY',
    as: () => owner,
    query: 'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
    variables: () => ({ p: cal.providerId, h: [{ weekday: 'FUNDAY', windows: [] }] }),
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'Date: February 30th',
    as: () => owner,
    query: 'mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "2027-02-30", blocked: true }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
    extensions: { value: '2027-02-30' },
  },
  {
    name: 'extra hours without windows',
    as: () => owner,
    query: 'mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "2027-03-06", blocked: false }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'unknown override id',
    as: () => owner,
    query: 'mutation($p: ID!) { removeScheduleOverride(providerId: $p, overrideId: "00000000-0000-4000-8000-000000000000") }',
    variables: () => ({ p: cal.providerId }),
    code: 'NOT_FOUND',
  },
  {
    name: 'availableSlots: a window of 100 days',
    as: () => customer,
    query: 'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "2027-03-01T00:00:00Z", to: "2027-06-09T00:00:00Z") { start } }',
    variables: () => ({ p: cal.providerId, s: cal.serviceId }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'availableSlots: to before from',
    as: () => customer,
    query: 'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "2027-03-02T00:00:00Z", to: "2027-03-01T00:00:00Z") { start } }',
    variables: () => ({ p: cal.providerId, s: cal.serviceId }),
    code: 'VALIDATION_FAILED',
  },
  ...([
    ['availableSlots at the end of year 9999', 'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "9999-12-01T00:00:00Z", to: "9999-12-31T23:59:59Z") { start end } }'],
    ['availableSlots ending in year 9999', 'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "9998-12-31T00:00:00Z", to: "9999-01-01T00:00:00Z") { start } }'],
  ].map(([name, query]) => ({ name: name as string, as: () => customer, query: query as string, variables: () => ({ p: cal.providerId, s: cal.serviceId }), code: 'VALIDATION_FAILED' }))),
  ...([
    ['providerAnalytics at the end of year 9999', 'query($p: ID!) { providerAnalytics(providerId: $p, from: "9999-12-01", to: "9999-12-31") { days { date openMinutes } } }'],
    ['myAppointments from year 9999', 'query { myAppointments(from: "9999-12-31T23:59:59Z", to: "9999-12-31T23:59:59Z") { edges { cursor } } }'],
    ['appointmentAsOf year 9999', 'query { appointmentAsOf(appointmentId: "00000000-0000-4000-8000-000000000001", at: "9999-12-31T23:59:59Z") { id } }'],
  ].map(([name, query]) => ({ name: name as string, as: () => owner, query: query as string, variables: () => ({ p: cal.providerId }), code: 'VALIDATION_FAILED' }))),
  { name: 'a booking in year 9999', as: () => customer, ...book({ start: '9999-12-31T23:30:00Z' }), code: 'VALIDATION_FAILED' },
  {
    name: 'a schedule override on 9999-12-31',
    as: () => owner,
    query: 'mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "9999-12-31", blocked: false, windows: [{ start: "22:00", end: "24:00" }] }) { id } }',
    variables: () => ({ p: cal.providerId }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'cancel an unknown appointment',
    as: () => customer,
    query: 'mutation { cancelAppointment(id: "00000000-0000-4000-8000-000000000001") { id } }',
    variables: () => ({}),
    code: 'NOT_FOUND',
  },
];

it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const before = await streamLength();
  const r = await c.as().run(c.query, c.variables());
  expect(r.data?.[Object.keys(r.data ?? {})[0] ?? ''] ?? null).toBeNull();
  expect(r.errors?.[0]?.extensions?.code).toBe(c.code);
  if (c.extensions) expect(r.errors?.[0]?.extensions).toMatchObject(c.extensions);
  expect(JSON.stringify(r.errors)).not.toMatch(/stacktrace|SELECT|at \w+ \(/);
  expect(await streamLength()).toBe(before);
});

it('TimeZone: Mars/Olympus is refused and no provider appears', async () => {
  const before = await owner.run<{ providers: { edges: unknown[] } }>('{ providers(first: 100) { edges { cursor } } }');
  const r = await owner.run('mutation { createProvider(input: { name: "Space Clinic", timeZone: "Mars/Olympus" }) { id } }');
  expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', value: 'Mars/Olympus' });
  const after = await owner.run<{ providers: { edges: unknown[] } }>('{ providers(first: 100) { edges { cursor } } }');
  expect(after.data?.providers.edges.length).toBe(before.data?.providers.edges.length);
});

it('a wide query (500 aliased pages) is refused before it runs, with VALIDATION_FAILED', async () => {
  const wide = Array.from({ length: 500 }, (_, i) => `p${i}: providers(first: 100) { edges { node { id name } } }`).join(' ');
  const r = await customer.run(`{ ${wide} }`);
  expect(r.status).toBe(400);
  expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'query', aliases: 500, maxAliases: 100 });
  const costly = Array.from({ length: 50 }, (_, i) => `p${i}: providers(first: 100) { edges { node { id name services { id name } } } }`).join(' ');
  const c = await customer.run(`{ ${costly} }`);
  expect(c.status).toBe(400);
  expect(c.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'query', maxCost: 100_000 });
});

it('a WebSocket with a bad token is closed with 4401, one without a token may subscribe to public data', async () => {
  const WebSocket = (await import('ws')).default;
  const closeCode = await new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } })));
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
  expect(closeCode).toBe(4401);
  const acked = await new Promise<string>((resolve, reject) => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data) => {
      resolve((JSON.parse(String(data)) as { type: string }).type);
      socket.close();
    });
    socket.on('error', reject);
  });
  expect(acked).toBe('connection_ack');
});
