/**
 * One customer cannot book out a provider: the attack of the hardening issue (121 consecutive slots in
 * seconds) meets the live-bookings limit per customer and provider (BOOKING_LIMIT_REACHED), then the
 * per-customer booking rate (RATE_LIMITED), and other customers still find the calendar open.
 * Default limits: 20 upcoming appointments per customer and provider, 30 bookings per hour.
 */
import { BOOK, type Calendar, MONDAY_0700Z, openCalendar } from './support/calendar';
import { type Session, signUp } from './support/graphql-clients';
import { type TestApp, startTestApp } from './support/test-app';

let t: TestApp;
let owner: Session;
let cal: Calendar;

beforeAll(async () => {
  t = await startTestApp('postgres', { LIVE_BOOKINGS_PER_CUSTOMER: '20', BOOKINGS_PER_CUSTOMER_PER_HOUR: '30' }, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Bookable Doctor');
  cal = await openCalendar(owner);
});
afterAll(() => t.stop());

/** Consecutive working half-hours from Tuesday 2027-03-02 (Mon–Fri 09:00–17:00 Berlin = 08:00–16:00 UTC). */
function workingSlots(n: number): string[] {
  const out: string[] = [];
  for (let day = Date.UTC(2027, 2, 2); out.length < n; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (let i = 0; i < 16 && out.length < n; i++) out.push(new Date(day + 8 * 3_600_000 + i * 1_800_000).toISOString().replace('.000Z', 'Z'));
  }
  return out;
}

it('a 121st consecutive booking by one customer is refused: 20 booked, then BOOKING_LIMIT_REACHED, then RATE_LIMITED', async () => {
  const greedy = await signUp(t.url, 'CUSTOMER', 'Greedy Customer');
  const slots = workingSlots(121);
  const codes: string[] = [];
  for (const [i, start] of slots.entries()) {
    const r = await greedy.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start, idempotencyKey: `greedy-${i}` } });
    codes.push(r.data?.bookAppointment ? 'BOOKED' : String(r.errors?.[0]?.extensions?.code));
  }
  expect(codes).toEqual([...Array(20).fill('BOOKED'), ...Array(10).fill('BOOKING_LIMIT_REACHED'), ...Array(91).fill('RATE_LIMITED')]);

  // The calendar stays open to everyone else.
  const other = await signUp(t.url, 'CUSTOMER', 'Other Customer');
  const r = await other.run(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: slots[20], idempotencyKey: 'other' } });
  expect(r.errors).toBeUndefined();
  const history = await owner.run<{ providerHistory: Array<{ type: string }> }>('query($p: ID!) { providerHistory(providerId: $p) { type } }', { p: cal.providerId });
  expect(history.data?.providerHistory.filter((e) => e.type === 'AppointmentBooked')).toHaveLength(21);
});

it('a cancelled appointment frees its place under the limit', async () => {
  const c = await signUp(t.url, 'CUSTOMER', 'Careful Customer');
  const slots = workingSlots(100).slice(60);
  const ids: string[] = [];
  for (const [i, start] of slots.slice(0, 20).entries()) {
    const r = await c.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start, idempotencyKey: `careful-${i}` } });
    ids.push(r.data?.bookAppointment.id as string);
  }
  const refused = await c.run(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: slots[20], idempotencyKey: 'careful-20' } });
  expect(refused.errors?.[0]?.extensions).toEqual({ code: 'BOOKING_LIMIT_REACHED', limit: 20 });
  expect((await c.run('mutation($id: ID!) { cancelAppointment(id: $id) { id } }', { id: ids[0] })).errors).toBeUndefined();
  const booked = await c.run(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: slots[21], idempotencyKey: 'careful-21' } });
  expect(booked.errors).toBeUndefined();
});
