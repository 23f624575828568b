/**
 * Live update latency: N graphql-ws subscribers (one WebSocket each) watch one provider's day on the
 * server as `npm start` runs it; a customer books a slot of that day over HTTP; each subscriber's
 * latency is the time from the booking's HTTP response to its own receipt of a slot list without that
 * slot (zero when the update beat the response, which read-your-writes makes possible). Bookings go
 * one at a time, the next once every subscriber has seen the last.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Benchmark, BenchOutcome } from './lib/benchmark';
import { withBenchDatabase } from './lib/database';
import { BOOK, GraphQLClient, openAllDayCalendar, signUp, slotStart, startServer } from './lib/server';
import { median, msSince, summarize } from './lib/stats';

const SLOTS_PER_DAY = 48;
const SUBSCRIPTION = `subscription($p: ID!, $s: ID!, $from: DateTime!, $to: DateTime!) {
  availabilityChanged(providerId: $p, serviceId: $s, from: $from, to: $to) { slots { start seatsLeft } }
}`;

interface Watcher {
  readonly client: Client;
  /** Called with each slot list the subscriber receives. */
  onSlots: (starts: ReadonlySet<string>) => void;
}

async function openWatchers(url: string, count: number, variables: Record<string, unknown>): Promise<Watcher[]> {
  const watchers: Watcher[] = [];
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    const watcher: Watcher = { client, onSlots: () => undefined };
    ready.push(
      new Promise<void>((resolve, reject) => {
        let first = true;
        client.subscribe<{ availabilityChanged: { slots: Array<{ start: string }> } }>(
          { query: SUBSCRIPTION, variables },
          {
            next: (msg) => {
              const slots = msg.data?.availabilityChanged.slots;
              if (!slots) return reject(new Error(JSON.stringify(msg.errors)));
              if (first) {
                first = false;
                resolve();
              }
              watcher.onSlots(new Set(slots.map((s) => s.start)));
            },
            error: reject,
            complete: () => undefined,
          },
        );
      }),
    );
    watchers.push(watcher);
    // Open connections in waves: a thousand handshakes at once only measures the accept queue.
    if (i % 100 === 99) await Promise.all(ready);
  }
  await Promise.all(ready);
  return watchers;
}

async function measure(url: string, subscribers: number, bookings: number, day: number, cal: { providerId: string; serviceId: string }, book: (start: string) => Promise<void>): Promise<number[]> {
  const from = slotStart(day * SLOTS_PER_DAY);
  const to = slotStart((day + 1) * SLOTS_PER_DAY);
  const watchers = await openWatchers(url, subscribers, { p: cal.providerId, s: cal.serviceId, from, to });
  const latencies: number[] = [];
  try {
    for (let b = 0; b < bookings; b++) {
      const start = slotStart(day * SLOTS_PER_DAY + b);
      let responded: bigint | null = null;
      let waiting = watchers.length;
      let done!: () => void;
      const allSeen = new Promise<void>((resolve) => (done = resolve));
      for (const w of watchers) {
        w.onSlots = (starts) => {
          if (starts.has(start)) return;
          latencies.push(responded === null ? 0 : msSince(responded));
          w.onSlots = () => undefined;
          if (--waiting === 0) done();
        };
      }
      await book(start);
      responded = process.hrtime.bigint();
      const timeout = new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`${waiting} of ${subscribers} subscribers never saw booking ${b}`)), 15_000).unref());
      await Promise.race([allSeen, timeout]);
    }
  } finally {
    await Promise.all(watchers.map((w) => w.client.dispose()));
  }
  return latencies;
}

export const benchmark: Benchmark = {
  id: 'live',
  title: 'Live update latency (availabilityChanged)',
  async run(ctx): Promise<BenchOutcome> {
    const counts = ctx.quick ? [1, 100] : [1, 100, 1000];
    const bookings = ctx.quick ? 5 : 20;
    return withBenchDatabase('live', async (db) => {
      const server = await startServer(db.url);
      const http = new GraphQLClient(server.url, 4);
      try {
        const owner = await signUp(http, 'PROVIDER', 'Live Clinic');
        const customer = await signUp(http, 'CUSTOMER', 'Live Customer');
        const cal = await openAllDayCalendar(http, owner, 'Live Provider');
        let key = 0;
        const book = async (start: string): Promise<void> => {
          await http.run(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start, idempotencyKey: `live-${key++}` } }, customer.token);
        };
        const rows: Array<Array<string | number>> = [];
        const details: Record<string, unknown> = {};
        let day = 0;
        let at1000 = Number.NaN;
        for (const n of counts) {
          const rounds: Array<ReturnType<typeof summarize>> = [];
          for (let r = 0; r < ctx.rounds; r++) {
            // A fresh day per round: every booking frees nothing and takes a slot nobody took yet.
            const lat = summarize(await measure(server.url, n, bookings, day++, cal, book));
            ctx.log(`${n} subscribers, round ${r + 1}: ${JSON.stringify(lat)}`);
            rounds.push(lat);
          }
          const p50 = median(rounds.map((x) => x.p50));
          const p99 = median(rounds.map((x) => x.p99));
          rows.push([n, bookings, p50, p99, median(rounds.map((x) => x.max))]);
          details[String(n)] = rounds;
          if (n === 1000) at1000 = p99;
        }
        return {
          tables: [{ columns: ['subscribers', 'bookings per round', 'p50 ms', 'p99 ms', 'max ms'], rows }],
          targets: ctx.quick ? [] : [{ label: 'p99 at 1,000 subscribers', measured: at1000, op: '<=', target: 50, unit: ' ms' }],
          details,
          notes: ['Window: one day (48 half-hour slots); every subscriber holds its own WebSocket connection; subscribers and the booking client share one bench process.'],
        };
      } finally {
        http.close();
        await server.stop();
      }
    });
  },
};
