/**
 * `npm run seed:demo` against a real server: a second run creates nothing, and the examples it
 * prints run as printed (real ids, dates relative to the day, a free start).
 */
import { ServerUnreachable, seedDemo } from '../scripts/demo-seeder';
import { DEMO_PROVIDERS, exampleDay } from '../src/graphql/examples';
import { type TestApp, gql, startTestApp } from './support/test-app';

describe('seed:demo', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(async () => {
    await t.stop();
  });

  const providersNamed = async (name: string) => {
    const r = await gql<{ providers: { edges: Array<{ node: { id: string; services: Array<{ name: string }> } }> } }>(
      t.url,
      'query($s: String!) { providers(search: $s) { edges { node { id name services { name } } } } }',
      { s: name },
    );
    return r.data?.providers.edges.map((e) => e.node) ?? [];
  };
  const eventsOf = async (providerId: string, token: string) =>
    (await gql<{ providerHistory: unknown[] }>(t.url, 'query($p: ID!) { providerHistory(providerId: $p) { streamRevision } }', { p: providerId }, { authorization: `Bearer ${token}` }))
      .data?.providerHistory.length;

  it('creates the demo once: a second run reuses every account, provider, service and the hours', async () => {
    let first = '';
    const seeded = await seedDemo(t.url, (text) => (first += text));
    expect(first).toContain('created');
    const owner = await gql<{ login: { accessToken: string } }>(t.url, 'mutation { login(email: "dr.ada@demo.slotstream", password: "demo-password-1") { accessToken } }');
    const token = owner.data?.login.accessToken ?? '';
    const ada = seeded.providers[0]?.id ?? '';
    const eventsBefore = await eventsOf(ada, token);

    let second = '';
    const again = await seedDemo(t.url, (text) => (second += text));
    expect(second).not.toMatch(/\bcreated\b/);
    expect(again.providers.map((p) => p.id)).toEqual(seeded.providers.map((p) => p.id));
    for (const demo of DEMO_PROVIDERS) {
      const found = await providersNamed(demo.name);
      expect(found).toHaveLength(1);
      expect(found[0]?.services.map((s) => s.name)).toEqual(demo.services.map((s) => s.name));
    }
    expect(await eventsOf(ada, token)).toBe(eventsBefore);
  });

  it('prints examples for a day relative to today that answer as printed', async () => {
    const now = Date.now();
    let out = '';
    const { examples } = await seedDemo(t.url, (text) => (out += text), now);
    const day = exampleDay(now);
    expect(out).toContain(`"from":"${day}T00:00:00Z"`);
    expect(out).toContain(`curl -s ${t.url}`);

    const run = async (name: string, headers: Record<string, string> = {}) => {
      const e = examples.find((x) => x.name === name);
      if (!e) throw new Error(`no example ${name}`);
      return gql<Record<string, unknown>>(t.url, e.query, { ...e.variables }, headers);
    };
    const slots = await run('slots');
    expect((slots.data?.availableSlots as unknown[]).length).toBeGreaterThan(0);
    const login = await run('login');
    const token = (login.data?.login as { accessToken: string }).accessToken;
    const booked = await run('book', { authorization: `Bearer ${token}` });
    expect(booked.errors).toBeUndefined();
    expect(booked.data?.bookAppointment).toMatchObject({ provider: { name: 'Dr. Ada Berger' }, service: { name: 'Checkup' } });
    expect((booked.data?.bookAppointment as { start: string }).start.startsWith(day)).toBe(true);
  });

  it('says when nothing answers at the URL, and only then', async () => {
    await expect(seedDemo('http://127.0.0.1:9/graphql', () => undefined)).rejects.toBeInstanceOf(ServerUnreachable);
    await expect(seedDemo(`${t.baseUrl}/no-graphql-here`, () => undefined)).rejects.not.toBeInstanceOf(ServerUnreachable);
  });
});
