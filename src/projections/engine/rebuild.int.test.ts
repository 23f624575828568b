import { positionToString } from '../../events/event-store';
import { testBackends } from '../../../test/support/test-database';
import type { ProviderEvent } from '../../events/provider-events';
import { HOUR, MINUTE, TUE_10, history } from '../__tests__/provider-history';
import { randomHistory } from '../__tests__/random-history';
import { type Fixture, READ_MODEL_TABLES, openFixture, readModelSnapshot } from '../__tests__/read-side-fixture';
import { readCheckpoint } from './checkpoints';
import { analyticsProjection } from '../analytics/analytics.projection';
import { scheduleProjection } from '../schedule/schedule.projection';
import { RebuildInProgressError, rebuildProjections } from './rebuild';

/** Names of indexes, constraints and triggers on the read-model tables (a rebuild must keep them all). */
async function structure(f: Fixture): Promise<string[]> {
  const r = await f.database.pool.query<{ name: string }>(
    `SELECT 'index ' || indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'rm\\_%'
     UNION ALL SELECT 'constraint ' || conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
       WHERE t.relname LIKE 'rm\\_%' AND t.relnamespace = current_schema()::regnamespace
     UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
       WHERE NOT g.tgisinternal AND t.relname LIKE 'rm\\_%' AND t.relnamespace = current_schema()::regnamespace
     ORDER BY 1`,
  );
  return r.rows.map((x) => x.name);
}

for (const backend of testBackends()) {
  describe(`rebuild on ${backend}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await openFixture(backend, { poolSize: 30 });
    });
    afterAll(async () => {
      await f.close();
    });

    it('a rebuilt read model equals the live one after a long random history', async () => {
      const history = await randomHistory(f, { seed: backend === 'postgres' ? 20270301 : 7, providers: 4, commands: backend === 'postgres' ? 3000 : 1000 });
      expect(history.accepted).toBeGreaterThan(backend === 'postgres' ? 500 : 200);
      const types = await f.database.pool.query<{ event_type: string }>(`SELECT DISTINCT event_type FROM es_events ORDER BY 1`);
      expect(types.rows.map((r) => r.event_type)).toEqual(
        expect.arrayContaining(['AppointmentBooked', 'AppointmentCancelled', 'AppointmentCompleted', 'AppointmentConfirmed', 'AppointmentMarkedNoShow', 'AppointmentRescheduled', 'ProviderProfileUpdated', 'ScheduleOverrideAdded', 'ScheduleOverrideRemoved', 'ServiceUpdated']),
      );
      await f.settle();
      const live = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
      const shape = await structure(f);
      expect(live.rm_appointments?.length).toBeGreaterThan(50);
      expect(live.rm_daily_stats?.length).toBeGreaterThan(10);
      // The independent guards agree with the decider: nothing it accepted breaches them.
      expect(live.rm_invariant_breaches).toEqual([]);

      const reports = await f.readSide.rebuild();
      expect(reports.map((r) => r.projection)).toEqual(['schedule', 'analytics']);
      const head = await f.store.headPosition();
      for (const r of reports) {
        expect(positionToString(r.position)).toBe(positionToString(head));
        expect(positionToString(await readCheckpoint(f.database.pool, r.projection))).toBe(positionToString(head));
      }
      expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(live);
      expect(await structure(f)).toEqual(shape);
      expect((await f.database.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm\\_rebuild\\_%'`)).rows).toEqual([]);
    });

    it('a rebuild of histories the decider would never write equals the live read model, breaches included', async () => {
      // The rebuild folds a page of events with a few statements. Odd histories (events before
      // registration, re-bookings of one id, status changes after the end, foreign ids, a change of
      // zone) must come out as the live projection, which applies event by event, leaves them; and
      // whatever the guards refuse at some step, even when a later event of the same page would make
      // it acceptable, must be recorded as a breach exactly as the live projection records it.
      const a = history();
      const b = history();
      const cls = { capacity: 3, durationMinutes: 60, slotIntervalMinutes: 60 };
      const klass = `${a.serviceId}-class`;
      const seat = (name: string, customerId: string, capacity: number) =>
        a.booked(name, { serviceId: klass, start: TUE_10 + 24 * HOUR, durationMinutes: 60, customerId, definition: { ...cls, capacity } });
      const odd: Array<[string, ProviderEvent[]]> = [
        [a.providerId, [a.booked('early', { start: TUE_10 - 2 * HOUR }), ...a.open({ timeZone: 'Europe/Berlin' }), a.registered({ name: 'again' })]],
        [
          a.providerId,
          [
            a.booked('x', { start: TUE_10 }),
            a.cancelled('x'),
            a.booked('z', { start: TUE_10 + 15 * MINUTE, customerId: 'c2' }),
            a.rescheduled('z', TUE_10 + 15 * MINUTE, TUE_10 + 90 * MINUTE),
            // Back from the dead, moved, re-booked under the same id, completed then confirmed again.
            a.confirmed('x'),
            a.rescheduled('x', TUE_10, TUE_10 + 3 * HOUR),
            a.booked('y', { start: TUE_10 + 5 * HOUR }),
            a.booked('y', { start: TUE_10 + 6 * HOUR }),
            a.completed('y'),
            a.confirmed('y'),
            a.noShow('missing'),
            a.offered({ serviceId: klass, ...cls }),
            seat('s1', 'c1', 2),
            seat('s2', 'c2', 3),
            seat('s3', 'c3', 3),
            a.rescheduled('s2', TUE_10 + 24 * HOUR, TUE_10 + 26 * HOUR, 60),
            { type: 'ScheduleOverrideAdded', data: { providerId: a.providerId, overrideId: a.id('ov'), date: '2027-03-03', blocked: true, windows: [], reason: 'one' } },
            { type: 'ScheduleOverrideRemoved', data: { providerId: a.providerId, overrideId: a.id('ov') } },
            { type: 'ScheduleOverrideAdded', data: { providerId: a.providerId, overrideId: a.id('ov'), date: '2027-03-04', blocked: false, windows: [{ start: '18:00', end: '19:00' }], reason: null } },
            // A new zone re-dates the analytics facts; bookings after it use it.
            { type: 'ProviderProfileUpdated', data: { providerId: a.providerId, name: 'Dr. Moved', kind: null, bio: null, timeZone: 'Pacific/Kiritimati' } },
            a.booked('after-move', { start: TUE_10 + 8 * HOUR, customerId: 'c4' }),
            a.rescheduled('after-move', TUE_10 + 8 * HOUR, TUE_10 + 9 * HOUR + 30 * MINUTE),
            { type: 'ServiceRetired', data: { providerId: a.providerId, serviceId: a.serviceId } },
            a.offered({ name: 'Offered again', durationMinutes: 45 }),
          ],
        ],
        // Another provider using a's ids: its events must not touch a's rows.
        [b.providerId, [...b.open(), b.offered({ serviceId: a.serviceId, name: 'Foreign' }), { ...a.booked('x'), data: { ...(a.booked('x').data as object), providerId: b.providerId } } as ProviderEvent, { type: 'ScheduleOverrideRemoved', data: { providerId: b.providerId, overrideId: a.id('ov') } }, a.cancelled('y')]],
      ];
      const breaching: ProviderEvent[] = [
        a.booked('p', { start: TUE_10 + 48 * HOUR }),
        // Overlaps p at its step (an overlap breach), although p is cancelled right after.
        a.booked('q', { start: TUE_10 + 48 * HOUR + 15 * MINUTE, customerId: 'c2' }),
        a.cancelled('p'),
        // q never made it into the busy list: r takes its time; p comes back over r (a breach).
        a.booked('r', { start: TUE_10 + 48 * HOUR + 15 * MINUTE, customerId: 'c3' }),
        a.confirmed('p'),
        // Re-booking the first seat with its smaller capacity: with a third seat taken, its session is full for it.
        seat('s4', 'c4', 3),
        seat('s1', 'c1', 2),
        // A start PostgreSQL cannot store: refused, recorded by both projections.
        { ...a.booked('ancient'), data: { ...(a.booked('ancient').data as object), start: '-271000-01-01T00:00:00.000Z', end: '-271000-01-01T00:30:00.000Z' } } as ProviderEvent,
      ];
      const projections = [scheduleProjection(), analyticsProjection()];
      const rebuildInPages = (pageSize: number) => rebuildProjections({ pool: f.database.pool, eventStore: f.store, logger: f.logger }, projections, { batchSize: pageSize });

      for (const [providerId, events] of odd) await f.append(providerId, events);
      await f.settle();
      const live = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
      expect(live.rm_invariant_breaches).toEqual([]);
      for (const pageSize of [40, 5000]) {
        const reports = await rebuildInPages(pageSize);
        expect(reports.map((r) => r.carefulPages)).toEqual([0, 0]);
        expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(live);
      }

      await f.append(a.providerId, breaching);
      await f.settle();
      const breached = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
      expect(breached.rm_invariant_breaches).toHaveLength(5);
      expect(breached.rm_invariant_breaches).toEqual(expect.arrayContaining([
        expect.objectContaining({ subject: a.id('p'), kind: 'overlap' }),
        expect.objectContaining({ subject: a.id('q'), kind: 'overlap' }),
        expect.objectContaining({ subject: a.id('s1'), kind: 'seats' }),
        expect.objectContaining({ projection: 'analytics', kind: 'event_refused' }),
        expect.objectContaining({ projection: 'schedule', kind: 'event_refused' }),
      ]));
      for (const pageSize of [40, 5000]) {
        const reports = await rebuildInPages(pageSize);
        expect(reports.every((r) => r.carefulPages > 0)).toBe(true);
        expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(breached);
      }
      await f.readSide.rebuild();
      expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(breached);
    });

    it('rebuilding while the API serves and commands keep coming never shows an empty read model', async () => {
      const history = await randomHistory(f, { seed: 99, providers: 2, commands: 60 });
      await f.settle();
      const providers = history.providers.map((p) => p.providerId);
      const floor = Number((await f.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm_appointments`)).rows[0]?.n);

      let rebuilding = true;
      let reads = 0;
      const reader = (async () => {
        while (rebuilding) {
          const found = await f.readSide.queries.providersByIds(providers);
          expect(found.every((p) => p !== null)).toBe(true);
          const n = Number((await f.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm_appointments`)).rows[0]?.n);
          expect(n).toBeGreaterThanOrEqual(floor);
          reads++;
        }
      })();
      const writer = history.more(40);
      try {
        await Promise.all([f.readSide.rebuild('schedule'), writer]);
      } finally {
        rebuilding = false;
        await reader;
      }
      expect(reads).toBeGreaterThan(0);

      // Whatever interleaving happened, the result is the history's read model: rebuild once more and compare.
      await f.settle();
      const afterLive = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
      await f.readSide.rebuild();
      expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(afterLive);
    });

    it('refuses a second concurrent rebuild of the same projection', async () => {
      const outcomes = await Promise.allSettled([f.readSide.rebuild('analytics'), f.readSide.rebuild('analytics')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: expect.any(RebuildInProgressError) });
    });
  });
}
