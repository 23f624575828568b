import { createKysely } from '../../db/database';
import { PgSqlPool } from '../../db/pg-pool';
import { PostgresEventStore } from '../../events/postgres/postgres-event-store';
import { createMetrics } from '../../metrics';
import { DAY, HOUR, MINUTE, NOW, TUE_10, history } from '../history-fixtures';
import { type Fixture, QUICK, appendChained, nextChange, openFixture } from '../read-side-fixtures';
import { createReadSide, type ReadSide } from '../read-side';
import type { ReadModelChange } from './change';

/**
 * Two processes on one PostgreSQL database: `f` runs the projections, `replica` is an API-only node
 * (runProjections: false) with a pool of its own. Everything the replica learns, it learns from the
 * change feed.
 */
describe('change feed across processes (PostgreSQL)', () => {
  let f: Fixture;
  let pool2: PgSqlPool;
  let store2: PostgresEventStore;
  let replica: ReadSide;

  beforeAll(async () => {
    f = await openFixture('postgres');
    pool2 = new PgSqlPool(f.database.url as string, { max: 5 });
    store2 = new PostgresEventStore(pool2, { pollIntervalMs: 200 });
    replica = createReadSide({ pool: pool2, db: createKysely(pool2), eventStore: store2, logger: f.logger, metrics: createMetrics(), runProjections: false, engine: QUICK });
    await replica.start();
  });
  afterAll(async () => {
    await replica.stop();
    await store2.close();
    await pool2.end();
    await f.close();
  });

  it('delivers availability and appointment changes committed by another process', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    // (Settled first: in one batch with the registration, the booking's range would fold into "all".)
    await f.settle();
    const got = nextChange({ readSide: replica }, (c) => c.kind === 'appointment' && c.appointmentId === h.id('a'));
    const range = nextChange({ readSide: replica }, (c) => c.kind === 'availability' && c.providerId === h.providerId && c.from !== null);
    await f.append(h.providerId, [h.booked('a', { start: TUE_10 })]);
    expect(await got).toEqual({ kind: 'appointment', appointmentId: h.id('a'), providerId: h.providerId, customerId: 'cust-1', ownerId: h.ownerId });
    expect(await range).toEqual({ kind: 'availability', providerId: h.providerId, from: new Date(TUE_10), to: new Date(TUE_10 + 30 * MINUTE) });
  });

  it('reads its own writes on a replica: the wait ends on the projecting process’s progress, and its cache was dropped first', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    const query = { providerId: h.providerId, serviceId: h.serviceId, from: new Date(TUE_10), to: new Date(TUE_10 + HOUR), now: new Date(NOW) };
    expect(await replica.waitForPosition(await f.store.headPosition(), 10_000)).toBe(true);
    expect((await replica.availability.availableSlots(query)).map((s) => s.start.getTime())).toEqual([TUE_10, TUE_10 + 30 * MINUTE]);

    // The replica appends (as its command handler would) and waits for the read models.
    const { position } = await appendChained(store2, h.providerId, [h.booked('mine', { start: TUE_10 })]);
    expect(await replica.waitForPosition(position, 10_000)).toBe(true);
    expect((await replica.availability.availableSlots(query)).map((s) => s.start.getTime())).toEqual([TUE_10 + 30 * MINUTE]);
    expect(await replica.queries.appointmentById(h.id('mine'))).toMatchObject({ status: 'CONFIRMED' });
  });

  it('splits a large batch into several notifications and loses none of its changes', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    const seen: ReadModelChange[] = [];
    const unsubscribe = replica.changes.subscribe((c) => {
      if (c.kind === 'appointment' && c.providerId === h.providerId) seen.push(c);
    });
    try {
      // 60 bookings in one append: one batch, about 12 kB of changes (NOTIFY payloads stay under 8 kB).
      const bookings = Array.from({ length: 60 }, (_, i) => h.booked(`b${i}`, { start: TUE_10 + Math.floor(i / 8) * DAY + (i % 8) * HOUR }));
      const last = nextChange({ readSide: replica }, (c) => c.kind === 'appointment' && c.appointmentId === h.id('b59'));
      const { position } = await f.append(h.providerId, bookings);
      await last;
      expect(await replica.waitForPosition(position, 10_000)).toBe(true);
      expect(new Set(seen.map((c) => (c.kind === 'appointment' ? c.appointmentId : ''))).size).toBe(60);
    } finally {
      unsubscribe();
    }
  });
});
