/**
 * Every mutation and protected query × every role × own and someone else's resource, over HTTP.
 * Each cell prepares what it needs, runs the operation as that caller and checks the outcome:
 * OK, UNAUTHENTICATED or FORBIDDEN.
 */
import { type TestApp, gql, startTestApp } from './support/test-app';
import { type Session, sessionOf, signUp } from './support/graphql-clients';
import { BOOK, type Calendar, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';

type Caller = 'anonymous' | 'customer' | 'otherCustomer' | 'owner' | 'otherProvider' | 'admin' | 'auditor';
const CALLERS: Caller[] = ['anonymous', 'customer', 'otherCustomer', 'owner', 'otherProvider', 'admin', 'auditor'];
type Outcome = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN';

let now = MONDAY_0700Z;
let t: TestApp;
let sessions: Record<Exclude<Caller, 'anonymous'>, Session>;
let cal: Calendar;
let slot = 0;
/** A fresh free slot each time (Tuesday onwards, 30-minute steps inside 08:00Z–16:00Z). */
const nextSlot = (): string => {
  const i = slot++;
  const day = Math.floor(i / 16);
  return new Date(Date.parse(TUESDAY('08:00')) + day * 86_400_000 + (i % 16) * 30 * 60_000).toISOString().replace('.000Z', 'Z');
};

const run = (caller: Caller, query: string, variables: Record<string, unknown> = {}) =>
  caller === 'anonymous' ? gql(t.url, query, variables) : sessions[caller].run(query, variables);

async function book(as: Session = sessions.customer): Promise<string> {
  const r = await as.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: nextSlot(), idempotencyKey: `k${slot}` } });
  const id = r.data?.bookAppointment.id;
  if (!id) throw new Error(JSON.stringify(r.errors));
  return id;
}

interface Cell {
  readonly operation: string;
  readonly expected: Readonly<Record<Caller, Outcome>>;
  /** Prepare (as the owner or a customer) and return the operation and its variables. */
  readonly prepare: () => Promise<{ query: string; variables?: Record<string, unknown> }>;
}

const ownerish = { anonymous: 'UNAUTHENTICATED', customer: 'FORBIDDEN', otherCustomer: 'FORBIDDEN', owner: 'OK', otherProvider: 'FORBIDDEN', admin: 'OK', auditor: 'FORBIDDEN' } as const;
const historyReaders = { ...ownerish, auditor: 'OK' } as const;
const customerOrOwner = { anonymous: 'UNAUTHENTICATED', customer: 'OK', otherCustomer: 'FORBIDDEN', owner: 'OK', otherProvider: 'FORBIDDEN', admin: 'OK', auditor: 'FORBIDDEN' } as const;
const anyone = { anonymous: 'OK', customer: 'OK', otherCustomer: 'OK', owner: 'OK', otherProvider: 'OK', admin: 'OK', auditor: 'OK' } as const;
const signedIn = { ...anyone, anonymous: 'UNAUTHENTICATED' } as const;

const CELLS: Cell[] = [
  { operation: 'provider (public)', expected: anyone, prepare: async () => ({ query: 'query($p: ID!) { provider(id: $p) { id } }', variables: { p: cal.providerId } }) },
  { operation: 'providers (public)', expected: anyone, prepare: async () => ({ query: '{ providers { edges { node { id } } } }' }) },
  {
    operation: 'availableSlots (public)',
    expected: anyone,
    prepare: async () => ({ query: 'query($p: ID!, $s: ID!) { availableSlots(providerId: $p, serviceId: $s, from: "2027-03-02T00:00:00Z", to: "2027-03-03T00:00:00Z") { start } }', variables: { p: cal.providerId, s: cal.serviceId } }),
  },
  { operation: 'me', expected: anyone, prepare: async () => ({ query: '{ me { id } }' }) },
  { operation: 'myAppointments', expected: signedIn, prepare: async () => ({ query: '{ myAppointments { edges { cursor } } }' }) },
  {
    operation: 'createProvider',
    expected: { anonymous: 'UNAUTHENTICATED', customer: 'FORBIDDEN', otherCustomer: 'FORBIDDEN', owner: 'OK', otherProvider: 'OK', admin: 'OK', auditor: 'FORBIDDEN' },
    prepare: async () => ({ query: 'mutation { createProvider(input: { name: "New", timeZone: "UTC" }) { id } }' }),
  },
  { operation: 'offerService', expected: ownerish, prepare: async () => ({ query: 'mutation($p: ID!) { offerService(providerId: $p, input: { name: "X", durationMinutes: 15 }) { id } }', variables: { p: cal.providerId } }) },
  {
    operation: 'retireService',
    expected: ownerish,
    prepare: async () => {
      const r = await sessions.owner.run<{ offerService: { id: string } }>('mutation($p: ID!) { offerService(providerId: $p, input: { name: "Y", durationMinutes: 15 }) { id } }', { p: cal.providerId });
      return { query: 'mutation($p: ID!, $s: ID!) { retireService(providerId: $p, serviceId: $s) { id } }', variables: { p: cal.providerId, s: r.data?.offerService.id } };
    },
  },
  {
    operation: 'setWeeklyHours',
    expected: ownerish,
    prepare: async () => ({
      query: 'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
      variables: { p: cal.providerId, h: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })) },
    }),
  },
  {
    operation: 'addScheduleOverride',
    expected: ownerish,
    prepare: async () => ({ query: 'mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "2027-12-24", blocked: true }) { id } }', variables: { p: cal.providerId } }),
  },
  {
    operation: 'removeScheduleOverride',
    expected: ownerish,
    prepare: async () => {
      const r = await sessions.owner.run<{ addScheduleOverride: { id: string } }>('mutation($p: ID!) { addScheduleOverride(providerId: $p, input: { date: "2027-12-25", blocked: true }) { id } }', { p: cal.providerId });
      return { query: 'mutation($p: ID!, $o: ID!) { removeScheduleOverride(providerId: $p, overrideId: $o) }', variables: { p: cal.providerId, o: r.data?.addScheduleOverride.id } };
    },
  },
  {
    operation: 'bookAppointment',
    expected: { anonymous: 'UNAUTHENTICATED', customer: 'OK', otherCustomer: 'OK', owner: 'FORBIDDEN', otherProvider: 'FORBIDDEN', admin: 'OK', auditor: 'FORBIDDEN' },
    prepare: async () => ({ query: BOOK, variables: { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: nextSlot(), idempotencyKey: `b${slot}` } } }),
  },
  { operation: 'cancelAppointment', expected: customerOrOwner, prepare: async () => ({ query: 'mutation($id: ID!) { cancelAppointment(id: $id) { id } }', variables: { id: await book() } }) },
  {
    operation: 'rescheduleAppointment',
    expected: customerOrOwner,
    prepare: async () => ({ query: 'mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, newStart: $at) { id } }', variables: { id: await book(), at: nextSlot() } }),
  },
  { operation: 'completeAppointment (after start)', expected: ownerish, prepare: async () => ({ query: 'mutation($id: ID!) { completeAppointment(id: $id) { id } }', variables: { id: await book() } }) },
  { operation: 'markNoShow (after start)', expected: ownerish, prepare: async () => ({ query: 'mutation($id: ID!) { markNoShow(id: $id) { id } }', variables: { id: await book() } }) },
  { operation: 'appointment', expected: { ...customerOrOwner, auditor: 'OK' }, prepare: async () => ({ query: 'query($id: ID!) { appointment(id: $id) { id } }', variables: { id: await book() } }) },
  { operation: 'appointmentHistory', expected: historyReaders, prepare: async () => ({ query: 'query($id: ID!) { appointmentHistory(appointmentId: $id) { type } }', variables: { id: await book() } }) },
  {
    operation: 'appointmentAsOf',
    expected: historyReaders,
    prepare: async () => ({ query: 'query($id: ID!) { appointmentAsOf(appointmentId: $id, at: "2030-01-01T00:00:00Z") { id } }', variables: { id: await book() } }),
  },
  { operation: 'providerHistory', expected: historyReaders, prepare: async () => ({ query: 'query($p: ID!) { providerHistory(providerId: $p, first: 1) { type } }', variables: { p: cal.providerId } }) },
  { operation: 'verifyProviderStream', expected: historyReaders, prepare: async () => ({ query: 'query($p: ID!) { verifyProviderStream(providerId: $p) { valid } }', variables: { p: cal.providerId } }) },
  {
    operation: 'providerAnalytics',
    expected: historyReaders,
    prepare: async () => ({ query: 'query($p: ID!) { providerAnalytics(providerId: $p, from: "2027-03-01", to: "2027-03-07") { utilization } }', variables: { p: cal.providerId } }),
  },
];

beforeAll(async () => {
  t = await startTestApp('postgres', {}, { clock: () => now });
  const admin = await t.app.runtime.accounts.createUser({ email: 'matrix.admin@example.com', password: 'admin-password-1', name: 'Admin', role: 'ADMIN' });
  const auditor = await t.app.runtime.accounts.createUser({ email: 'matrix.auditor@example.com', password: 'audit-password-1', name: 'Auditor', role: 'AUDITOR' });
  const adminLogin = await t.app.runtime.accounts.login('matrix.admin@example.com', 'admin-password-1', '127.0.0.2');
  const auditorLogin = await t.app.runtime.accounts.login('matrix.auditor@example.com', 'audit-password-1', '127.0.0.3');
  sessions = {
    customer: await signUp(t.url, 'CUSTOMER', 'Matrix Customer'),
    otherCustomer: await signUp(t.url, 'CUSTOMER', 'Other Customer'),
    owner: await signUp(t.url, 'PROVIDER', 'Matrix Owner'),
    otherProvider: await signUp(t.url, 'PROVIDER', 'Other Provider'),
    admin: sessionOf(t.url, admin.id, adminLogin.accessToken),
    auditor: sessionOf(t.url, auditor.id, auditorLogin.accessToken),
  };
  cal = await openCalendar(sessions.owner);
});
afterAll(() => t.stop());

describe.each(CELLS.map((c) => [c.operation, c] as const))('%s', (_name, cell) => {
  it.each(CALLERS)('as %s', async (caller) => {
    now = MONDAY_0700Z;
    const { query, variables } = await cell.prepare();
    // Completion and no-shows are only possible after the start: move the clock past every slot.
    if (cell.operation.includes('after start')) now = Date.parse('2027-12-31T00:00:00Z');
    const r = await run(caller, query, variables);
    const outcome = r.errors ? String(r.errors[0]?.extensions?.code) : 'OK';
    expect({ caller, outcome }).toEqual({ caller, outcome: cell.expected[caller] });
  });
});
