import { DomainError } from '../../domain/errors';
import { HOUR, TUE_10, history } from '../history-fixtures';
import { type Fixture, openFixture } from '../read-side-fixtures';
import type { Connection } from './views';

const errorOf = async (p: Promise<unknown>): Promise<[string, unknown]> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return [(err as DomainError).code, (err as DomainError).details.field];
};

/** Every node of a connection, page by page. */
async function allPages<T>(page: (after: string | null) => Promise<Connection<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let after: string | null = null;
  for (;;) {
    const c: Connection<T> = await page(after);
    pages.push(c.edges.map((e) => e.node));
    if (!c.pageInfo.hasNextPage) return pages;
    after = c.pageInfo.endCursor;
  }
}

describe('read queries (PGlite)', () => {
  let f: Fixture;
  const tag = `q${Date.now().toString(36)}`;
  const clinic = history();
  const vet = history();

  beforeAll(async () => {
    f = await openFixture('pglite');
    for (const [i, name] of ['Anna Berg', 'anneliese Roth', 'Bob 100% Vet', 'Hannah Kurz', 'Zoe Anders'].entries()) {
      const h = i === 0 ? clinic : i === 1 ? vet : history();
      await f.append(h.providerId, [h.registered({ name: `${name} ${tag}` })]);
    }
    await f.append(clinic.providerId, [
      clinic.offered(),
      clinic.workweek(),
      clinic.booked('c1', { customerId: 'alice', start: TUE_10 }),
      clinic.booked('c2', { customerId: 'bob', start: TUE_10 + HOUR }),
      clinic.booked('c3', { customerId: 'alice', start: TUE_10 + 2 * HOUR }),
      clinic.cancelled('c3'),
      { type: 'ScheduleOverrideAdded', data: { providerId: clinic.providerId, overrideId: clinic.id('o1'), date: '2027-03-03', blocked: true, windows: [], reason: null } },
      { type: 'ScheduleOverrideAdded', data: { providerId: clinic.providerId, overrideId: clinic.id('o2'), date: '2027-03-10', blocked: true, windows: [], reason: null } },
    ]);
    await f.append(vet.providerId, [vet.offered(), vet.workweek(), vet.booked('v1', { customerId: 'alice', start: TUE_10 + 30 * 60_000 })]);
    await f.settle();
  });
  afterAll(async () => {
    await f.close();
  });

  it('searches providers by a case-insensitive part of the name, ordered by name, page by page', async () => {
    const pages = await allPages((after) => f.readSide.queries.searchProviders({ search: `AN`, first: 2, after }));
    const names = pages.flat().map((p) => p.name.replace(` ${tag}`, ''));
    // 'an' in Anna, anneliese, Hannah and Anders (not in Bob).
    expect(names.slice().sort()).toEqual(['Anna Berg', 'Hannah Kurz', 'Zoe Anders', 'anneliese Roth'].sort());
    expect(pages.map((p) => p.length)).toEqual([2, 2]);
    // Pages continue exactly where the previous one ended: the same order as one big page.
    const ordered = pages.flat().map((p) => p.name);
    const onePage = (await f.readSide.queries.searchProviders({ search: 'an', first: 100 })).edges.map((e) => e.node.name).filter((n) => n.endsWith(tag));
    expect(ordered).toEqual(onePage);
    // LIKE wildcards in the search are literal.
    expect((await f.readSide.queries.searchProviders({ search: '100%' })).edges.map((e) => e.node.name)).toEqual([`Bob 100% Vet ${tag}`]);
    expect((await f.readSide.queries.searchProviders({ search: '_' })).edges).toEqual([]);
    expect(await errorOf(f.readSide.queries.searchProviders({ after: 'garbage' }))).toEqual(['VALIDATION_FAILED', 'after']);
    expect(await errorOf(f.readSide.queries.searchProviders({ first: 0 }))).toEqual(['VALIDATION_FAILED', 'first']);
    expect(await errorOf(f.readSide.queries.searchProviders({ first: 101 }))).toEqual(['VALIDATION_FAILED', 'first']);
  });

  it("lists a customer's and an owner's appointments by start, with filters and cursors", async () => {
    const ids = (c: Connection<{ id: string }>) => c.edges.map((e) => e.node.id);
    const q = f.readSide.queries;
    expect(ids(await q.appointments({ customerId: 'alice' }))).toEqual([clinic.id('c1'), vet.id('v1'), clinic.id('c3')]);
    expect(ids(await q.appointments({ ownerId: clinic.ownerId }))).toEqual([clinic.id('c1'), clinic.id('c2'), clinic.id('c3')]);
    // As the API's myAppointments: what I booked or what my providers hold.
    expect(ids(await q.appointments({ customerId: 'alice', ownerId: clinic.ownerId }))).toEqual([clinic.id('c1'), vet.id('v1'), clinic.id('c2'), clinic.id('c3')]);
    expect(ids(await q.appointments({ customerId: 'alice', statuses: ['CANCELLED'] }))).toEqual([clinic.id('c3')]);
    expect(ids(await q.appointments({ customerId: 'alice', from: new Date(TUE_10 + 1), to: new Date(TUE_10 + 2 * HOUR) }))).toEqual([vet.id('v1')]);
    const pages = await allPages((after) => q.appointments({ customerId: 'alice', ownerId: clinic.ownerId, first: 3, after }));
    expect(pages.map((p) => p.map((a) => a.id))).toEqual([[clinic.id('c1'), vet.id('v1'), clinic.id('c2')], [clinic.id('c3')]]);
    expect(await errorOf(q.appointments({}))).toEqual(['VALIDATION_FAILED', 'customerId']);
    const providersCursor = (await q.searchProviders({ first: 1 })).pageInfo.endCursor as string;
    expect(await errorOf(q.appointments({ customerId: 'alice', after: providersCursor }))).toEqual(['VALIDATION_FAILED', 'after']);
  });

  it('loads by ids in the order asked (DataLoader batch functions)', async () => {
    const q = f.readSide.queries;
    expect((await q.providersByIds([vet.providerId, 'nobody', clinic.providerId])).map((p) => p?.id ?? null)).toEqual([vet.providerId, null, clinic.providerId]);
    expect((await q.appointmentsByIds([clinic.id('c2'), 'x', clinic.id('c1')])).map((a) => a?.id ?? null)).toEqual([clinic.id('c2'), null, clinic.id('c1')]);
    expect((await q.servicesByIds(['x', vet.serviceId])).map((s) => s?.providerId ?? null)).toEqual([null, vet.providerId]);
    expect((await q.servicesOfProviders([clinic.providerId, 'nobody'])).map((list) => list.map((s) => s.id))).toEqual([[clinic.serviceId], []]);
    expect(await q.providersByIds([])).toEqual([]);
  });

  it('answers weekly hours and overrides in a date range', async () => {
    const q = f.readSide.queries;
    expect((await q.weeklyHours(clinic.providerId)).map((h) => h.weekday)).toEqual(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY']);
    expect(await q.weeklyHours('nobody')).toEqual([]);
    expect((await q.overrides(clinic.providerId)).map((o) => o.date)).toEqual(['2027-03-03', '2027-03-10']);
    expect((await q.overrides(clinic.providerId, { from: '2027-03-04' })).map((o) => o.id)).toEqual([clinic.id('o2')]);
    expect((await q.overrides(clinic.providerId, { to: '2027-03-03' })).map((o) => o.id)).toEqual([clinic.id('o1')]);
    expect(await errorOf(q.overrides(clinic.providerId, { from: '2027-13-01' }))).toEqual(['VALIDATION_FAILED', 'from']);
  });
});
