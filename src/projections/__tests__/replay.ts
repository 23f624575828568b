/**
 * "Replay twice" for checkpointed projections: deliver the whole history again to every projection,
 * as a second worker, a retry after a lost COMMIT acknowledgement or a stale subscription would, and
 * prove the read model does not change.
 */
import { START } from '../../events/event-store';
import { analyticsProjection } from '../analytics/analytics.projection';
import { applyCheckpointedBatch } from '../engine/apply-batch';
import { PROVIDER_FILTER } from '../engine/projection-runner';
import { scheduleProjection } from '../schedule/schedule.projection';
import { type Fixture, READ_MODEL_TABLES, readModelSnapshot } from './read-side-fixture';

export async function expectReplayChangesNothing(f: Fixture): Promise<void> {
  await f.settle();
  const before = await readModelSnapshot(f.database.pool, READ_MODEL_TABLES);
  const events = await f.store.readAll({ fromPosition: 'start', maxCount: 100_000, filter: PROVIDER_FILTER });
  for (const projection of [scheduleProjection(), analyticsProjection()]) {
    const outcome = await applyCheckpointedBatch(f.database.pool, projection, events, START, { leasePid: null, logger: f.logger });
    expect(outcome).toMatchObject({ kind: 'applied', applied: 0 });
  }
  expect(await readModelSnapshot(f.database.pool, READ_MODEL_TABLES)).toEqual(before);
}
