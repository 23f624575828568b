/**
 * `npm run seed:demo [-- --url http://localhost:4000/graphql]`: demo data through the public API of a
 * running server — one provider per time-zone family with services and hours, and two customers.
 * Safe to run again: accounts that exist are signed in instead, and providers are created once per run.
 */
const url = (() => {
  const i = process.argv.indexOf('--url');
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.SEED_URL ?? `http://localhost:${process.env.PORT ?? '4000'}/graphql`;
})();
const PASSWORD = 'demo-password-1';

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function call<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Answer<T>;
  if (body.errors?.length || !body.data) throw new Error(`${body.errors?.[0]?.extensions?.code ?? res.status}: ${body.errors?.[0]?.message ?? 'no data'}`);
  return body.data;
}

async function account(email: string, name: string, role: 'PROVIDER' | 'CUSTOMER'): Promise<string> {
  const fields = '{ accessToken }';
  try {
    const r = await call<{ register: { accessToken: string } }>(`mutation($i: RegisterInput!) { register(input: $i) ${fields} }`, {
      i: { email, password: PASSWORD, name, role },
    });
    return r.register.accessToken;
  } catch {
    const r = await call<{ login: { accessToken: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) ${fields} }`, { e: email, p: PASSWORD });
    return r.login.accessToken;
  }
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'];
const DEMO = [
  { email: 'dr.ada@demo.slotstream', name: 'Dr. Ada Berger', kind: 'DOCTOR', timeZone: 'Europe/Berlin', hours: ['09:00', '17:00'], services: [{ name: 'Checkup', durationMinutes: 30, price: { amountMinor: 6000, currency: 'EUR' } }, { name: 'Vaccination', durationMinutes: 15, bufferAfterMinutes: 5 }] },
  { email: 'vet.sam@demo.slotstream', name: 'Sam Rivera, DVM', kind: 'VET', timeZone: 'America/New_York', hours: ['08:00', '18:00'], services: [{ name: 'Pet wellness exam', durationMinutes: 45, price: { amountMinor: 8500, currency: 'USD' } }, { name: 'Surgery consult', durationMinutes: 60, requiresConfirmation: true }] },
  { email: 'coach.mia@demo.slotstream', name: 'Mia Chen', kind: 'TRAINER', timeZone: 'Australia/Sydney', hours: ['06:00', '20:00'], services: [{ name: 'Personal training', durationMinutes: 60, price: { amountMinor: 9000, currency: 'AUD' } }, { name: 'Group HIIT class', durationMinutes: 45, capacity: 12, slotIntervalMinutes: 60 }] },
  { email: 'advisor.raj@demo.slotstream', name: 'Raj Iyer', kind: 'CONSULTANT', timeZone: 'Asia/Kolkata', hours: ['10:00', '19:00'], services: [{ name: 'Strategy session', durationMinutes: 90, minNoticeMinutes: 1440, price: { amountMinor: 500000, currency: 'INR' } }] },
];

async function main(): Promise<void> {
  process.stdout.write(`Seeding ${url}\n\n`);
  for (const p of DEMO) {
    const token = await account(p.email, p.name, 'PROVIDER');
    const { createProvider } = await call<{ createProvider: { id: string } }>(
      'mutation($i: CreateProviderInput!) { createProvider(input: $i) { id } }',
      { i: { name: p.name, kind: p.kind, timeZone: p.timeZone } },
      token,
    );
    const services: string[] = [];
    for (const s of p.services) {
      const r = await call<{ offerService: { id: string } }>('mutation($p: ID!, $i: ServiceInput!) { offerService(providerId: $p, input: $i) { id } }', { p: createProvider.id, i: s }, token);
      services.push(`${s.name} ${r.offerService.id}`);
    }
    const [start, end] = p.hours;
    await call('mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }', {
      p: createProvider.id,
      h: WEEKDAYS.map((weekday) => ({ weekday, windows: [{ start, end }] })),
    }, token);
    process.stdout.write(`provider ${p.name} (${p.timeZone})  id ${createProvider.id}\n  owner ${p.email} / ${PASSWORD}\n${services.map((s) => `  service ${s}\n`).join('')}\n`);
  }
  for (const [email, name] of [['grace@demo.slotstream', 'Grace Hopper'], ['alan@demo.slotstream', 'Alan Turing']] as const) {
    await account(email, name, 'CUSTOMER');
    process.stdout.write(`customer ${name}  ${email} / ${PASSWORD}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed:demo failed: ${err instanceof Error ? err.message : String(err)}\nIs the server running at ${url}? (npm start)\n`);
  process.exit(1);
});
