/**
 * The server exactly as `npm start` runs it (`node dist/src/main.js`, built by the bench's own tsc
 * step), as a child process on a fresh PostgreSQL database, and a keep-alive GraphQL client for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ALL_DAY_EVERY_DAY, HALF_HOUR_MS, midnightAfter } from './calendar';
import { BENCH_ROOT } from './report';

const MAIN = path.resolve(BENCH_ROOT, '../dist/src/main.js');

const UNLIMITED: Readonly<Record<string, string>> = {
  REGISTRATIONS_PER_ADDRESS_PER_HOUR: '1000000',
  REGISTRATIONS_PER_EMAIL_PER_HOUR: '1000000',
  BOOKINGS_PER_CUSTOMER_PER_HOUR: '1000000',
  LIVE_BOOKINGS_PER_CUSTOMER: '100000',
  SUBSCRIPTIONS_PER_ADDRESS: '1000000',
  SUBSCRIPTIONS_PER_CONNECTION: '10000',
};

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<RunningServer> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server under a benchmark's load.
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...extra, ...nodeArgs, MAIN], {
    // Benchmark clients sign up from one address and book thousands of slots each: abuse limits lifted.
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...UNLIMITED, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || i > 300) throw new Error(`server did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `${base}/graphql`,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface GraphQLAnswer<T> {
  readonly data?: T;
  readonly errors?: ReadonlyArray<{ message: string; extensions?: { code?: string } }>;
}

/** A keep-alive connection pool to the server: fetch() costs more client CPU than the server spends. */
export class GraphQLClient {
  private readonly agent: http.Agent;
  private readonly target: URL;

  constructor(url: string, connections: number) {
    this.target = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  request<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLAnswer<T>> {
    const body = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLAnswer<T>);
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Data or a thrown error naming the first error's code. */
  async run<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const answer = await this.request<T>(query, variables, token);
    if (answer.data && !answer.errors) return answer.data;
    const first = answer.errors?.[0];
    throw Object.assign(new Error(first?.message ?? 'no data'), { code: first?.extensions?.code ?? 'NO_DATA' });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface User {
  readonly id: string;
  readonly token: string;
}

let users = 0;
export async function signUp(client: GraphQLClient, role: 'CUSTOMER' | 'PROVIDER', name: string): Promise<User> {
  const email = `bench.${process.pid}.${++users}.${Date.now()}@example.com`;
  const r = await client.run<{ register: { accessToken: string; user: { id: string } } }>(
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input: { email, password: 'correct horse battery staple', name, role } },
  );
  return { id: r.register.user.id, token: r.register.accessToken };
}

export interface Calendar {
  readonly providerId: string;
  readonly serviceId: string;
}

/** A provider in UTC open every day 00:00–24:00 with a 30-minute service bookable a year ahead. */
export async function openAllDayCalendar(client: GraphQLClient, owner: User, name: string): Promise<Calendar> {
  const created = await client.run<{ createProvider: { id: string } }>(
    'mutation($n: String!) { createProvider(input: { name: $n, timeZone: "UTC" }) { id } }',
    { n: name },
    owner.token,
  );
  const providerId = created.createProvider.id;
  const offered = await client.run<{ offerService: { id: string } }>(
    'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Visit", durationMinutes: 30, maxAdvanceDays: 365 }) { id } }',
    { p: providerId },
    owner.token,
  );
  await client.run(
    'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
    { p: providerId, h: ALL_DAY_EVERY_DAY },
    owner.token,
  );
  return { providerId, serviceId: offered.offerService.id };
}

export const BOOK = 'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id start } }';

/** The n-th half-hour slot from the first midnight (UTC) at least two days from now. */
export function slotStart(n: number): string {
  return new Date(midnightAfter(2) + n * HALF_HOUR_MS).toISOString();
}
