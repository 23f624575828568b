import { positionToString } from '../../events/event-store';
import { testBackends } from '../../../test/support/test-database';
import { oddHistories } from '../history-fixtures';
import { randomHistory } from '../random-history-fixtures';
import { type Fixture, READ_MODEL_TABLES, expectGuardsHeldAndRefusalsRecorded, openFixture, readModelSnapshot } from '../read-side-fixtures';
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

    it('a rebuild of histories the decider would never write equals the live read model when no guard refuses them, and keeps the guards when they do', async () => {
      // Odd histories (events before registration, re-bookings of one id, status changes after the
      // end, foreign ids, a change of zone) come out of the rebuild's big pages and flushes as the
      // live batches left them. Steps the guards refuse make a flush refused: its pages are applied
      // again the live way, carefully, every refused row recorded (the rows may depend on the cut).
      const { a, odd, breaching } = oddHistories();
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
      await expectGuardsHeldAndRefusalsRecorded(f);
      for (const pageSize of [40, 5000]) {
        const reports = await rebuildInPages(pageSize);
        expect(reports.every((r) => r.carefulPages > 0)).toBe(true);
        await expectGuardsHeldAndRefusalsRecorded(f);
      }
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
