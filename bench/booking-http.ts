/**
 * Booking over GraphQL HTTP, end to end: the server as `npm start` runs it, on PostgreSQL, 16 clients
 * each sending its next bookAppointment as soon as the last one answered (closed loop, keep-alive).
 * A booking answers only after the read models include it (read-your-writes), so this is the latency
 * a booking page sees. Every client books distinct free slots: every request is meant to succeed.
 */
import type { Benchmark, BenchContext, BenchOutcome } from './lib/benchmark';
import { withBenchDatabase } from './lib/database';
import { closedLoop } from './lib/load';
import { BOOK, type Calendar, GraphQLClient, openAllDayCalendar, signUp, slotStart, startServer, type User } from './lib/server';
import { median, round, summarize } from './lib/stats';

const CLIENTS = 16;

interface Round {
  readonly bookingsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

async function measure(ctx: BenchContext, providers: number): Promise<{ rounds: Round[]; storedBookings: number; acknowledged: number }> {
  return withBenchDatabase('http', async (db) => {
    const server = await startServer(db.url);
    const client = new GraphQLClient(server.url, CLIENTS);
    try {
      const owner = await signUp(client, 'PROVIDER', 'Bench Clinic');
      const calendars: Calendar[] = [];
      for (let i = 0; i < providers; i++) calendars.push(await openAllDayCalendar(client, owner, `Provider ${i}`));
      const customers: User[] = [];
      for (let i = 0; i < CLIENTS; i++) customers.push(await signUp(client, 'CUSTOMER', `Customer ${i}`));

      // Slots are handed out from one counter per provider: no two requests ask for the same one.
      const next = new Array<number>(calendars.length).fill(0);
      let picked = 0;
      const book = async (c: number): Promise<true | string> => {
        const p = picked++ % calendars.length;
        const cal = calendars[p] as Calendar;
        const n = next[p] as number;
        next[p] = n + 1;
        const customer = customers[c] as User;
        const answer = await client.request<{ bookAppointment: { id: string } }>(
          BOOK,
          { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: slotStart(n), idempotencyKey: `b-${p}-${n}` } },
          customer.token,
        );
        return answer.data?.bookAppointment ? true : (answer.errors?.[0]?.extensions?.code ?? 'NO_DATA');
      };

      let acknowledged = 0;
      const count = (r: { ok: number }): void => void (acknowledged += r.ok);
      count(await closedLoop({ clients: CLIENTS, durationMs: ctx.quick ? 500 : 3000, operation: book }));
      const rounds: Round[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const result = await closedLoop({ clients: CLIENTS, durationMs: ctx.quick ? 1000 : 10_000, operation: book });
        count(result);
        const lat = summarize(result.latenciesMs);
        const round_: Round = { bookingsPerSecond: round((result.ok / result.elapsedMs) * 1000, 0), p50: lat.p50, p99: lat.p99, failed: result.failed };
        ctx.log(`${providers} providers, round ${r + 1}: ${JSON.stringify(round_)} ${JSON.stringify(result.failures)}`);
        rounds.push(round_);
      }
      return { rounds, storedBookings: await countBookings(db.url), acknowledged };
    } finally {
      client.close();
      await server.stop();
    }
  });
}

async function countBookings(url: string): Promise<number> {
  const pg = await import('pg');
  const c = new pg.default.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM es_events WHERE event_type = 'AppointmentBooked'`);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

export const benchmark: Benchmark = {
  id: 'http',
  title: 'Booking over GraphQL HTTP',
  async run(ctx): Promise<BenchOutcome> {
    const scenarios = [
      { label: '100 providers', providers: ctx.quick ? 10 : 100 },
      { label: '1 provider (one hot stream)', providers: 1 },
    ];
    const rows: Array<Array<string | number>> = [];
    const details: Record<string, unknown> = {};
    let main: { bps: number; p99: number } | null = null;
    for (const s of scenarios) {
      const m = await measure(ctx, s.providers);
      if (m.storedBookings !== m.acknowledged) throw new Error(`${s.label}: ${m.acknowledged} bookings acknowledged but ${m.storedBookings} stored`);
      const bps = median(m.rounds.map((r) => r.bookingsPerSecond));
      const p50 = median(m.rounds.map((r) => r.p50));
      const p99 = median(m.rounds.map((r) => r.p99));
      const failed = m.rounds.reduce((n, r) => n + r.failed, 0);
      rows.push([s.label, CLIENTS, bps, p50, p99, failed]);
      details[s.label] = m;
      main ??= { bps, p99 };
    }
    const headline = main as { bps: number; p99: number };
    return {
      tables: [{ columns: ['scenario', 'clients', 'bookings/s', 'p50 ms', 'p99 ms', 'failed requests'], rows }],
      targets: [
        { label: 'bookings/s, 100 providers, 16 clients', measured: headline.bps, op: '>=', target: 1000 },
        { label: 'p99 latency, 100 providers, 16 clients', measured: headline.p99, op: '<=', target: 50, unit: ' ms' },
      ],
      details,
      notes: ['Every acknowledged booking was counted back from the event store after the run (equal, or the benchmark fails).'],
    };
  },
};
