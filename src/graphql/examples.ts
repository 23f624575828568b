/**
 * The demo and the worked examples of the API, written once: `npm run seed:demo` creates the demo
 * and prints the examples with real ids and dates, GraphiQL opens with them as tabs, and the README
 * shows the same operations (test/readme.unit.test.ts holds it to that). Dates are relative to the
 * day they are made for, so the examples work on any date.
 */
import { DateTime } from 'luxon';
import type { ReadQueries } from '../projections/queries/read-queries';

export const DEMO_PASSWORD = 'demo-password-1';

export interface DemoService {
  readonly name: string;
  readonly durationMinutes: number;
  readonly [option: string]: unknown;
}

export interface DemoProvider {
  readonly ownerEmail: string;
  readonly name: string;
  readonly kind: string;
  readonly timeZone: string;
  /** Monday to Friday, local time. */
  readonly hours: { readonly start: string; readonly end: string };
  readonly services: readonly DemoService[];
}

export const DEMO_PROVIDERS: readonly DemoProvider[] = [
  {
    ownerEmail: 'dr.ada@demo.slotstream',
    name: 'Dr. Ada Berger',
    kind: 'DOCTOR',
    timeZone: 'Europe/Berlin',
    hours: { start: '09:00', end: '17:00' },
    services: [
      { name: 'Checkup', durationMinutes: 30, price: { amountMinor: 6000, currency: 'EUR' } },
      { name: 'Vaccination', durationMinutes: 15, bufferAfterMinutes: 5 },
    ],
  },
  {
    ownerEmail: 'vet.sam@demo.slotstream',
    name: 'Sam Rivera, DVM',
    kind: 'VET',
    timeZone: 'America/New_York',
    hours: { start: '08:00', end: '18:00' },
    services: [
      { name: 'Pet wellness exam', durationMinutes: 45, price: { amountMinor: 8500, currency: 'USD' } },
      { name: 'Surgery consult', durationMinutes: 60, requiresConfirmation: true },
    ],
  },
  {
    ownerEmail: 'coach.mia@demo.slotstream',
    name: 'Mia Chen',
    kind: 'TRAINER',
    timeZone: 'Australia/Sydney',
    hours: { start: '06:00', end: '20:00' },
    services: [
      { name: 'Personal training', durationMinutes: 60, price: { amountMinor: 9000, currency: 'AUD' } },
      { name: 'Group HIIT class', durationMinutes: 45, capacity: 12, slotIntervalMinutes: 60 },
    ],
  },
  {
    ownerEmail: 'advisor.raj@demo.slotstream',
    name: 'Raj Iyer',
    kind: 'CONSULTANT',
    timeZone: 'Asia/Kolkata',
    hours: { start: '10:00', end: '19:00' },
    services: [{ name: 'Strategy session', durationMinutes: 90, minNoticeMinutes: 1440, price: { amountMinor: 500000, currency: 'INR' } }],
  },
];

export const DEMO_CUSTOMERS = [
  { email: 'grace@demo.slotstream', name: 'Grace Hopper' },
  { email: 'alan@demo.slotstream', name: 'Alan Turing' },
] as const;

/** The provider and service the examples use: Dr. Ada Berger's Checkup. */
export const EXAMPLE_PROVIDER = DEMO_PROVIDERS[0] as DemoProvider;
export const EXAMPLE_SERVICE = EXAMPLE_PROVIDER.services[0] as DemoService;
export const EXAMPLE_CUSTOMER = DEMO_CUSTOMERS[0];

/** The operations, as the README shows them. */
export const EXAMPLE_OPERATIONS = {
  health: '{ health { status database eventStore } }',
  providers: `query Providers($search: String) {
  providers(search: $search) {
    edges { node { id name timeZone services { id name durationMinutes price { amountMinor currency } } } }
  }
}`,
  slots: `query Slots($p: ID!, $s: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(providerId: $p, serviceId: $s, from: $from, to: $to) { start end seatsLeft }
}`,
  login: `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken user { id } }
}`,
  book: `mutation Book($p: ID!, $s: ID!, $start: DateTime!, $key: String!) {
  bookAppointment(input: { providerId: $p, serviceId: $s, start: $start, idempotencyKey: $key }) {
    id status start end provider { name } service { name }
  }
}`,
  watch: `subscription Watch($p: ID!, $s: ID!, $from: DateTime!, $to: DateTime!) {
  availabilityChanged(providerId: $p, serviceId: $s, from: $from, to: $to) { providerId serviceId slots { start seatsLeft } }
}`,
} as const;

export type ExampleName = keyof typeof EXAMPLE_OPERATIONS;

export interface Example {
  readonly name: ExampleName;
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Sent with the operation (over graphql-ws: as connectionParams). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the examples need to know; unknown ids and the token stay as placeholders. */
export interface ExampleContext {
  /** The moment the examples are made for (epoch ms); their dates follow from it. */
  readonly now: number;
  readonly providerId?: string;
  readonly serviceId?: string;
  /** A free start of the service on the example day (the first of `availableSlots`). */
  readonly start?: string;
  readonly accessToken?: string;
}

/**
 * The example day: the next Wednesday after `now` (UTC), a working day 1–7 days ahead, well inside
 * every service's advance limit. The shell spells the same day `date -u -d 'next wednesday' +%F`.
 */
export function exampleDay(now: number): string {
  const today = DateTime.fromMillis(now, { zone: 'utc' }).startOf('day');
  const ahead = (3 - today.weekday + 7) % 7 || 7; // luxon: Monday = 1 … Wednesday = 3
  return today.plus({ days: ahead }).toISODate() as string;
}

/** The first start the example provider's hours allow on the example day (its opening time, in UTC). */
export function exampleOpeningStart(now: number): string {
  const local = DateTime.fromISO(`${exampleDay(now)}T${EXAMPLE_PROVIDER.hours.start}`, { zone: EXAMPLE_PROVIDER.timeZone });
  return local.toUTC().toISO({ suppressMilliseconds: true }) as string;
}

export function apiExamples(context: ExampleContext): Example[] {
  const day = exampleDay(context.now);
  const next = DateTime.fromISO(day, { zone: 'utc' }).plus({ days: 1 }).toISODate() as string;
  const p = context.providerId ?? '<provider id: see Providers>';
  const s = context.serviceId ?? '<service id: see Providers>';
  const window = { p, s, from: `${day}T00:00:00Z`, to: `${next}T00:00:00Z` };
  const start = context.start ?? exampleOpeningStart(context.now);
  const auth = { authorization: `Bearer ${context.accessToken ?? '<accessToken: see Login>'}` };
  return [
    { name: 'health', query: EXAMPLE_OPERATIONS.health, variables: {} },
    { name: 'providers', query: EXAMPLE_OPERATIONS.providers, variables: { search: 'Ada' } },
    { name: 'slots', query: EXAMPLE_OPERATIONS.slots, variables: window },
    { name: 'login', query: EXAMPLE_OPERATIONS.login, variables: { email: EXAMPLE_CUSTOMER.email, password: DEMO_PASSWORD } },
    { name: 'book', query: EXAMPLE_OPERATIONS.book, variables: { p, s, start, key: `grace-${start}` }, headers: auth },
    { name: 'watch', query: EXAMPLE_OPERATIONS.watch, variables: window },
  ];
}

/** The examples' context with the example provider's and service's ids when the demo was seeded. */
export async function demoExampleContext(queries: Pick<ReadQueries, 'searchProviders' | 'servicesOfProvider'>, now: number): Promise<ExampleContext> {
  const found = await queries.searchProviders({ search: EXAMPLE_PROVIDER.name, first: 10 });
  const provider = found.edges.map((e) => e.node).find((p) => p.name === EXAMPLE_PROVIDER.name);
  if (!provider) return { now };
  const service = (await queries.servicesOfProvider(provider.id, { activeOnly: true })).find((s) => s.name === EXAMPLE_SERVICE.name);
  return { now, providerId: provider.id, ...(service ? { serviceId: service.id } : {}) };
}
