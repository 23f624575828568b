import { createKysely } from '../../db/database';
import { PgSqlPool } from '../../db/pg-pool';
import { type Position, positionToString } from '../../events/event-store';
import { PostgresEventStore } from '../../events/postgres/postgres-event-store';
import { createMetrics, type Metrics } from '../../metrics';
import { HOUR, TUE_10, history } from '../history-fixtures';
import { BatchGate, type Fixture, QUICK, openFixture } from '../read-side-fixtures';
import { createReadSide, type ReadSide } from '../read-side';
import { readCheckpoint } from './checkpoints';

async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}
const applied = (metrics: Metrics, projection: string) => counterValue(metrics, 'slotstream_projection_events_applied_total', { projection });

describe('projection engine on PostgreSQL', () => {
  const gate = new BatchGate();
  let f: Fixture;
  beforeAll(async () => {
    f = await openFixture('postgres', { readSide: { engine: { ...QUICK, hooks: gate.hooks } } });
  });
  afterAll(async () => {
    gate.release();
    await f.close();
  });

  const rows = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => (await f.database.pool.query<R>(sql, params)).rows;
  const bookedOn = async (providerId: string) =>
    Number((await rows<{ n: number }>(`SELECT COALESCE(sum(booked), 0)::int AS n FROM rm_daily_stats WHERE provider_id = $1`, [providerId]))[0]?.n);

  it('a connection killed inside a batch leaves no partial read model; the batch is applied once on retry', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    const before = await readCheckpoint(f.database.pool, 'schedule');
    const failuresBefore = await counterValue(f.metrics, 'slotstream_projection_batch_failures_total', { projection: 'schedule' });

    const inside = gate.pauseNext('schedule');
    const { position } = await f.append(h.providerId, [h.booked('a', { start: TUE_10 }), h.booked('b', { start: TUE_10 + HOUR })]);
    const pid = await inside;

    // Mid-batch, seen from another connection: nothing of it, checkpoint where it was.
    expect(await rows(`SELECT id FROM rm_appointments WHERE provider_id = $1`, [h.providerId])).toEqual([]);
    expect(positionToString(await readCheckpoint(f.database.pool, 'schedule'))).toBe(positionToString(before));

    await f.database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    gate.release();

    expect(await f.readSide.waitForPosition(position, 15_000)).toBe(true);
    expect((await rows<{ id: string }>(`SELECT id FROM rm_appointments WHERE provider_id = $1 ORDER BY id`, [h.providerId])).map((r) => r.id)).toEqual([h.id('a'), h.id('b')]);
    expect(await rows(`SELECT appointment_id FROM rm_busy_intervals WHERE provider_id = $1`, [h.providerId])).toHaveLength(2);
    expect(await bookedOn(h.providerId)).toBe(2);
    expect(await rows(`SELECT 1 FROM rm_invariant_breaches WHERE provider_id = $1`, [h.providerId])).toEqual([]);
    expect(await counterValue(f.metrics, 'slotstream_projection_batch_failures_total', { projection: 'schedule' })).toBe(failuresBefore + 1);
  });

  it('retries a failed batch with backoff without moving the checkpoint', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    const passedBefore = gate.passed.get('analytics') ?? 0;
    gate.failNext('analytics');
    const { position } = await f.append(h.providerId, [h.booked('a')]);
    expect(await f.readSide.waitForPosition(position, 15_000)).toBe(true);
    // Once failed, once applied; counted once.
    expect((gate.passed.get('analytics') ?? 0) - passedBefore).toBe(2);
    expect(await bookedOn(h.providerId)).toBe(1);
  });

  it('waitForPosition resolves once every projection got there, and times out otherwise', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    const inside = gate.pauseNext('analytics');
    const { position } = await f.append(h.providerId, [h.booked('a')]);
    await inside;
    // The schedule projection is through; analytics is held inside its batch.
    expect(await f.readSide.waitForPosition(position, 50)).toBe(false);
    const waiters = Array.from({ length: 100 }, () => f.readSide.waitForPosition(position, 15_000));
    gate.release();
    expect(await Promise.all(waiters)).toEqual(Array.from({ length: 100 }, () => true));
    expect(await f.readSide.waitForPosition(null, 0)).toBe(true);
  });

  it('exports its lag behind the head', async () => {
    const h = history();
    await f.append(h.providerId, h.open());
    await f.settle();
    // (Events appended while a batch transaction is open stay invisible until it ends: `$all` never
    // shows an event that an older, still running transaction could precede. So append them first.)
    const inside = gate.pauseNext('schedule');
    await f.append(h.providerId, [h.booked('a'), h.booked('b', { start: TUE_10 + HOUR }), h.booked('c', { start: TUE_10 + 2 * HOUR })]);
    await inside;
    const lag = async () => (await f.metrics.projectionLagEvents.get()).values.find((v) => v.labels.projection === 'schedule')?.value;
    try {
      await f.readSide.engine.sampleLag();
      expect(await lag()).toBe(3);
    } finally {
      gate.release();
    }
    await f.settle();
    await f.readSide.engine.sampleLag();
    expect(await lag()).toBe(0);
  });

  describe('two workers on one projection', () => {
    let pool2: PgSqlPool;
    let metrics2: Metrics;
    let second: ReadSide;
    let store2: PostgresEventStore;

    beforeAll(async () => {
      pool2 = new PgSqlPool(f.database.url as string, { max: 10 });
      store2 = new PostgresEventStore(pool2, { pollIntervalMs: 200 });
      metrics2 = createMetrics();
      second = createReadSide({ pool: pool2, db: createKysely(pool2), eventStore: store2, logger: f.logger, metrics: metrics2, runProjections: true, engine: QUICK });
      await second.start();
    });
    afterAll(async () => {
      await second.stop();
      await store2.close();
      await pool2.end();
    });

    it('never both apply a batch; a standby takes over when the leader loses its session', async () => {
      expect(f.readSide.engine.leadsAll).toBe(true);
      expect(second.engine.runners.some((r) => r.leading)).toBe(false);
      const before = { first: await applied(f.metrics, 'schedule'), second: await applied(metrics2, 'schedule') };

      const h = history();
      await f.append(h.providerId, h.open());
      let last: Position | null = null;
      for (let i = 0; i < 6; i++) last = (await f.append(h.providerId, [h.booked(`a${i}`, { start: TUE_10 + i * HOUR })])).position;
      expect(await second.waitForPosition(last, 15_000)).toBe(true);

      // Kill the leader's lease sessions (the only advisory locks held): its locks go with them.
      const holders = await f.database.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(holders.rows).toHaveLength(2);
      for (const { pid } of holders.rows) await f.database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      // The standby polls the lock and wins it; the old leader only learns at its next batch, which
      // the lock check inside that batch then refuses.
      await second.engine.whenLeadingAll();

      for (let i = 6; i < 12; i++) last = (await f.append(h.providerId, [h.booked(`a${i}`, { start: TUE_10 + 24 * HOUR + (i - 6) * HOUR })])).position;
      expect(await second.waitForPosition(last, 15_000)).toBe(true);
      expect(await f.readSide.waitForPosition(last, 15_000)).toBe(true);
      expect(second.engine.leadsAll).toBe(true);
      // The old leader learns at its next batch, which may come after the new leader's batch arrived here.
      await Promise.all(f.readSide.engine.runners.map((r) => r.whenStandingBy()));
      expect(f.readSide.engine.runners.some((r) => r.leading)).toBe(false);

      // Every event applied exactly once, by one worker or the other.
      const after = { first: await applied(f.metrics, 'schedule'), second: await applied(metrics2, 'schedule') };
      expect(after.first - before.first + (after.second - before.second)).toBe(3 + 12);
      expect(after.second - before.second).toBeGreaterThan(0);
      expect(await rows(`SELECT id FROM rm_appointments WHERE provider_id = $1`, [h.providerId])).toHaveLength(12);
      expect(await bookedOn(h.providerId)).toBe(12);
    });
  });
});
