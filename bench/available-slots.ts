/**
 * availableSlots for a 30-day window on a provider with 0, 1,000 and 10,000 appointments (spread over
 * the year ahead, so the window holds its share), timed server-side: the AvailabilityService call the
 * GraphQL resolver makes, in the server process, without a client in the way. "Cached" repeats the
 * query with the provider's inputs in memory; "uncached" drops them before every query, so each one
 * loads schedule, services and busy list from PostgreSQL. The HTTP column is the same cached query
 * end to end over GraphQL, for scale.
 */
import type { App } from '../src/app';
import type { Benchmark, BenchOutcome } from './lib/benchmark';
import { bookingIds } from '../src/commands/event-envelope';
import { withBenchDatabase } from './lib/database';
import { DAY_MS, HALF_HOUR_MS, midnightAfter } from './lib/calendar';
import { context, registerAllDayProvider, startInProcess } from './lib/in-process';
import { GraphQLClient } from './lib/server';
import { median, msSince, summarize } from './lib/stats';

const WINDOW_DAYS = 30;
const SPREAD_DAYS = 365;

async function bookSpread(app: App, providerId: string, serviceId: string, count: number, from: number): Promise<void> {
  const slots = (SPREAD_DAYS * DAY_MS) / HALF_HOUR_MS;
  const customerId = '00000000-0000-4000-8000-00000000c0de';
  const customer = context(customerId, 'CUSTOMER');
  let last = null;
  for (let i = 0; i < count; i++) {
    const start = from + Math.floor((i * slots) / count) * HALF_HOUR_MS;
    const idempotencyKey = `spread-${i}`;
    const { appointmentId } = bookingIds(providerId, customerId, idempotencyKey);
    const r = await app.runtime.commands.handle(
      providerId,
      { type: 'BookAppointment', data: { appointmentId, serviceId, start, idempotencyKey } },
      { ...customer, now: Date.now() },
    );
    last = r.position;
  }
  if (!(await app.runtime.readSide.waitForPosition(last, 120_000))) throw new Error('projections did not catch up');
}

async function time(samples: number, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    out.push(msSince(t0));
  }
  return out;
}

export const benchmark: Benchmark = {
  id: 'slots',
  title: 'availableSlots, 30-day window',
  async run(ctx): Promise<BenchOutcome> {
    const sizes = ctx.quick ? [0, 1000] : [0, 1000, 10_000];
    return withBenchDatabase('slots', async (db) => {
      const app = await startInProcess(db.url);
      const http = new GraphQLClient(app.url, 1);
      try {
        const firstDay = midnightAfter(2);
        const from = new Date(firstDay + 7 * DAY_MS);
        const to = new Date(from.getTime() + WINDOW_DAYS * DAY_MS);
        const rows: Array<Array<string | number>> = [];
        const targets: Array<{ size: number; cached: number; uncached: number }> = [];
        const details: Record<string, unknown> = {};
        for (const size of sizes) {
          const { providerId, serviceId } = await registerAllDayProvider(app);
          await bookSpread(app, providerId, serviceId, size, firstDay);
          const availability = app.runtime.readSide.availability;
          const query = () => availability.availableSlots({ providerId, serviceId, from, to, now: new Date() });
          const slotsInWindow = (await query()).length;
          const httpQuery = `{ availableSlots(providerId: "${providerId}", serviceId: "${serviceId}", from: "${from.toISOString()}", to: "${to.toISOString()}") { start end seatsLeft } }`;
          const perRound: Array<{ cached: ReturnType<typeof summarize>; uncached: ReturnType<typeof summarize>; http: ReturnType<typeof summarize> }> = [];
          for (let r = 0; r < ctx.rounds; r++) {
            await time(20, query); // warm-up
            const cached = summarize(await time(ctx.quick ? 50 : 300, query));
            const uncached = summarize(
              await time(ctx.quick ? 20 : 100, () => {
                availability.invalidate(providerId);
                return query();
              }),
            );
            await time(20, () => http.run(httpQuery));
            const overHttp = summarize(await time(ctx.quick ? 20 : 200, () => http.run(httpQuery)));
            perRound.push({ cached, uncached, http: overHttp });
            ctx.log(`${size} appointments, round ${r + 1}: cached ${JSON.stringify(cached)} uncached ${JSON.stringify(uncached)} http ${JSON.stringify(overHttp)}`);
          }
          const m = (pick: (x: (typeof perRound)[number]) => number): number => median(perRound.map(pick));
          const cachedP50 = m((x) => x.cached.p50);
          const uncachedP50 = m((x) => x.uncached.p50);
          rows.push([size, slotsInWindow, cachedP50, m((x) => x.cached.p99), uncachedP50, m((x) => x.uncached.p99), m((x) => x.http.p50), m((x) => x.http.p99)]);
          targets.push({ size, cached: cachedP50, uncached: uncachedP50 });
          details[String(size)] = perRound;
        }
        const largest = targets[targets.length - 1] as { size: number; cached: number; uncached: number };
        return {
          tables: [
            {
              columns: ['appointments', 'slots in window', 'cached p50 ms', 'cached p99 ms', 'uncached p50 ms', 'uncached p99 ms', 'HTTP cached p50 ms', 'HTTP cached p99 ms'],
              rows,
            },
          ],
          targets: [
            { label: `cached p50 at ${largest.size} appointments`, measured: largest.cached, op: '<=', target: 2, unit: ' ms' },
            { label: `uncached p50 at ${largest.size} appointments`, measured: largest.uncached, op: '<=', target: 20, unit: ' ms' },
          ],
          details,
        };
      } finally {
        http.close();
        await app.stop();
      }
    });
  },
};
