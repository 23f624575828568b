/**
 * The live projections apply a batch set-based (a few statements for the whole batch) and fall back
 * to event by event only when the database refuses a row. Event by event is the reference: for any
 * history and any cut into batches, the set-based path must leave exactly the rows, breaches and
 * change-feed messages the event-by-event path leaves.
 */
import { type SqlPool, inTransaction } from '../../db/sql';
import { type RecordedEvent, comparePositions } from '../../events/event-store';
import { testBackends } from '../../../test/support/test-database';
import { mulberry32 } from '../../../test/support/seeded-random';
import { oddHistories } from '../__tests__/odd-histories';
import { randomHistory } from '../__tests__/random-history';
import { type Fixture, READ_MODEL_TABLES, openFixture, readModelSnapshot } from '../__tests__/read-side-fixture';
import type { ProjectedEvent } from '../events';
import { analyticsProjection } from '../analytics/analytics.projection';
import { scheduleProjection } from '../schedule/schedule.projection';
import { decodeAll, fastThenCareful } from './apply-batch';
import { PROVIDER_FILTER } from './projection-runner';
import { BatchContext, type Projection } from './projection';

type Mode = 'event by event' | 'set-based';

/** Apply `events` to empty read models in batches of the given sizes; returns each batch's changes. */
async function applyInBatches(f: Fixture, events: readonly ProjectedEvent[], sizes: readonly number[], mode: Mode): Promise<string[][]> {
  const pool: SqlPool = f.database.pool;
  await pool.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
  const changes: string[][] = [];
  const projections: Projection[] = [scheduleProjection(), analyticsProjection()];
  let at = 0;
  for (let i = 0; at < events.length; i++) {
    const batch = events.slice(at, at + (sizes[i % sizes.length] as number));
    at += batch.length;
    for (const projection of projections) {
      const drained = await fastThenCareful(f.logger, projection.name, (careful) =>
        inTransaction(pool, async (tx) => {
          const ctx = new BatchContext(projection.name, tx, f.logger, careful || mode === 'event by event');
          await projection.applyBatch(tx, batch, ctx);
          return ctx.changes.drain();
        }),
      );
      changes.push(drained.map((c) => JSON.stringify(c)).sort());
    }
  }
  return changes;
}

for (const backend of testBackends()) {
  describe(`set-based live batches on ${backend}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await openFixture(backend, { runProjections: false });
    });
    afterAll(async () => {
      await f.close();
    });

    it('leave the rows, breaches and changes event by event leaves, however the history is cut into batches', async () => {
      const history = await randomHistory(f, { seed: backend === 'postgres' ? 4242 : 17, providers: 3, commands: backend === 'postgres' ? 700 : 300 });
      expect(history.accepted).toBeGreaterThan(100);
      const { a, odd, breaching } = oddHistories();
      for (const [providerId, events] of odd) await f.append(providerId, events);
      const last = await f.append(a.providerId, breaching);
      // Events become readable once every older transaction in the cluster ended (other suites run
      // beside this one): read until the last one appended is there.
      let recorded: RecordedEvent[] = [];
      for (let tries = 0; !recorded.some((e) => comparePositions(e.position, last.position) === 0); tries++) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        recorded = await f.store.readAll({ fromPosition: 'start', maxCount: 100_000, filter: PROVIDER_FILTER });
      }
      const events = decodeAll(recorded, f.logger);

      const random = mulberry32(backend === 'postgres' ? 7 : 8);
      const cuts = [[1], [500], Array.from({ length: 40 }, () => 1 + Math.floor(random() * 60))];
      for (const sizes of cuts) {
        const reference = await applyInBatches(f, events, sizes, 'event by event');
        const expected = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
        const changes = await applyInBatches(f, events, sizes, 'set-based');
        expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(expected);
        expect(changes).toEqual(reference);
        // The history reaches every table, and the guards refused exactly the breaching steps.
        expect(expected.rm_busy_intervals?.length).toBeGreaterThan(20);
        expect(expected.rm_daily_stats?.length).toBeGreaterThan(10);
        expect(expected.rm_invariant_breaches).toHaveLength(5);
      }
    });
  });
}
