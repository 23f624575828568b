/**
 * Every path runs the same fold: live batches (set-based, careful only after a refusal), the careful
 * path (event by event, each event in a savepoint) and the rebuild (shadow copies, big pages). For a
 * history no guard refuses at any step, they leave identical rows however the history is cut into
 * batches or pages. For a history whose steps the guards refuse, the rows may depend on the cut
 * (docs/ARCHITECTURE.md, "Read side"), but the guards always hold and every refused row is a breach.
 */
import { inTransaction } from '../../db/sql';
import type { RecordedEvent } from '../../events/event-store';
import { START } from '../../events/event-store';
import { testBackends } from '../../../test/support/test-database';
import { mulberry32 } from '../../../test/support/seeded-random';
import { oddHistories } from '../history-fixtures';
import { randomHistory } from '../random-history-fixtures';
import { type Fixture, READ_MODEL_TABLES, expectGuardsHeldAndRefusalsRecorded, openFixture, readAllUpTo, readModelSnapshot } from '../read-side-fixtures';
import { analyticsProjection } from '../analytics/analytics.projection';
import { scheduleProjection } from '../schedule/schedule.projection';
import { applyCheckpointedBatch, applyEvents, decodeAll } from './apply-batch';
import { BatchContext } from './projection';
import { rebuildProjections } from './rebuild';

const projections = [scheduleProjection(), analyticsProjection()];

// Each history goes through every path several times, on a machine that runs other suites beside.
jest.setTimeout(180_000);

/** Batches of the given sizes, cycling through them. */
function cut<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const size = sizes[i % sizes.length] as number;
    batches.push(items.slice(at, at + size));
    at += size;
  }
  return batches;
}

for (const backend of testBackends()) {
  describe(`the live path, the careful path and the rebuild on ${backend}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await openFixture(backend, { runProjections: false });
    });
    afterAll(async () => {
      await f.close();
    });

    const empty = async (): Promise<void> => {
      await f.database.pool.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
      await f.database.pool.query(`DELETE FROM projection_checkpoints`);
    };
    const snapshot = () => readModelSnapshot(f.database.pool, READ_MODEL_TABLES);

    /** Live batches as the workers apply them (checkpointed; careful only after a refusal); each batch's changes. */
    async function live(events: readonly RecordedEvent[], sizes: readonly number[]): Promise<string[][]> {
      await empty();
      const changes: string[][] = [];
      let from = START;
      for (const batch of cut(events, sizes)) {
        for (const projection of projections) {
          const outcome = await applyCheckpointedBatch(f.database.pool, projection, batch, from, { leasePid: null, logger: f.logger });
          if (outcome.kind !== 'applied') throw new Error(`batch not applied: ${outcome.kind}`);
          changes.push(outcome.changes.map((c) => JSON.stringify(c)).sort());
        }
        from = (batch[batch.length - 1] as RecordedEvent).position;
      }
      return changes;
    }

    /** The careful path for every batch: event by event, each event in a savepoint. */
    async function careful(events: readonly RecordedEvent[], sizes: readonly number[]): Promise<string[][]> {
      await empty();
      const changes: string[][] = [];
      for (const batch of cut(decodeAll(events, f.logger), sizes)) {
        for (const projection of projections) {
          const drained = await inTransaction(f.database.pool, async (tx) => {
            const ctx = new BatchContext(projection.name, tx, f.logger, true);
            await applyEvents(projection, batch, ctx);
            return ctx.changes.drain();
          });
          changes.push(drained.map((c) => JSON.stringify(c)).sort());
        }
      }
      return changes;
    }

    /** A rebuild in pages of `pageSize`; `flushRows` small makes it flush while folding, `keptRows` small makes it read rows back. */
    async function rebuild(pageSize: number, memory: { flushRows?: number; keptRows?: number } = {}): Promise<number[]> {
      await empty();
      const reports = await rebuildProjections({ pool: f.database.pool, eventStore: f.store, logger: f.logger }, projections, { batchSize: pageSize, memory });
      return reports.map((r) => r.carefulPages);
    }

    it('leave identical rows and changes for histories no guard refuses, however they are cut', async () => {
      const history = await randomHistory(f, { seed: backend === 'postgres' ? 4242 : 17, providers: 3, commands: backend === 'postgres' ? 400 : 250 });
      expect(history.accepted).toBeGreaterThan(50);
      let last = null;
      for (const [providerId, events] of oddHistories().odd) last = await f.append(providerId, events);
      const events = await readAllUpTo(f, last?.position ?? START);

      expect(await rebuild(5000)).toEqual([0, 0]);
      const expected = await snapshot();
      // The history reaches every table, and nothing in it was refused.
      expect(expected.rm_busy_intervals?.length).toBeGreaterThan(10);
      expect(expected.rm_daily_stats?.length).toBeGreaterThan(10);
      expect(expected.rm_services?.length).toBeGreaterThan(3);
      expect(expected.rm_invariant_breaches).toEqual([]);
      expect(await rebuild(7)).toEqual([0, 0]);
      expect(await snapshot()).toEqual(expected);
      expect(await rebuild(50, { flushRows: 40, keptRows: 30 })).toEqual([0, 0]);
      expect(await snapshot()).toEqual(expected);
      const random = mulberry32(backend === 'postgres' ? 7 : 8);
      for (const sizes of [[1], [500], Array.from({ length: 40 }, () => 1 + Math.floor(random() * 60))]) {
        const liveChanges = await live(events, sizes);
        expect(await snapshot()).toEqual(expected);
        expect(await careful(events, sizes)).toEqual(liveChanges);
        expect(await snapshot()).toEqual(expected);
      }
    });

    it('keep the guards and record every refused row for histories whose steps the guards refuse', async () => {
      const { a, odd, breaching } = oddHistories();
      for (const [providerId, events] of odd) await f.append(providerId, events);
      const events = await readAllUpTo(f, (await f.append(a.providerId, breaching)).position);
      for (const sizes of [[1], [500], [3, 1, 2]]) {
        await live(events, sizes);
        await expectGuardsHeldAndRefusalsRecorded(f);
      }
      // Event by event, every refused step is a breach: the overlaps of p and q, the full session of s1, and the start nobody stores.
      await careful(events, [500]);
      await expectGuardsHeldAndRefusalsRecorded(f);
      const breaches = (await snapshot()).rm_invariant_breaches;
      expect(breaches).toHaveLength(5);
      expect(breaches).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ subject: a.id('p'), kind: 'overlap' }),
          expect.objectContaining({ subject: a.id('q'), kind: 'overlap' }),
          expect.objectContaining({ subject: a.id('s1'), kind: 'seats' }),
          expect.objectContaining({ projection: 'analytics', kind: 'event_refused' }),
          expect.objectContaining({ projection: 'schedule', kind: 'event_refused' }),
        ]),
      );
      for (const [pageSize, memory] of [[5, {}], [5000, {}], [20, { flushRows: 30, keptRows: 20 }]] as const) {
        // Both copies had a flush refused (schedule: the guards; analytics: the start nobody stores) and applied its pages carefully.
        expect((await rebuild(pageSize, memory)).every((pages) => pages > 0)).toBe(true);
        await expectGuardsHeldAndRefusalsRecorded(f);
      }
    });
  });
}
