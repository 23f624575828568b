/**
 * The command handler on a stream two processes write without pause: with PostgreSQL's fair turns
 * (src/events/postgres/stream-turns.ts) wrapped around its turns, neither process starves.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderCommand } from '../domain/provider';
import { type OpenedDatabase, openDatabase } from '../db/database';
import type { PgSqlPool } from '../db/pg-pool';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { AdvisoryStreamTurns } from '../events/postgres/stream-turns';
import { providerStreamName } from '../events/provider-events';
import { createLogger } from '../logger';
import { openTestDatabase } from '../../test/support/test-database';
import { type CommandContext, ProviderCommandHandler } from './provider-command-handler';
import { PostgresSnapshotStore } from './snapshot-store';
import { PostgresStreamIndex } from './stream-index';

const NOW = Date.parse('2027-03-01T08:00:00Z'); // a Monday
const OWNER = 'owner-1';
const owner: CommandContext = { actor: { id: OWNER, role: 'PROVIDER' }, correlationId: 'setup', now: NOW };
const customer = (id: string): CommandContext => ({ actor: { id, role: 'CUSTOMER' }, correlationId: `req-${id}`, causationId: null, now: NOW });
/** The i-th 30-minute slot of the weekdays from Tuesday 2 March 2027, 09:00–17:00 Berlin (08:00Z–16:00Z). */
function slot(i: number): number {
  const weekdays = [1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18];
  const day = weekdays[Math.floor(i / 16)] as number;
  return Date.parse('2027-03-01T08:00:00Z') + day * 86_400_000 + (i % 16) * 30 * 60_000;
}

describe('fair turns on a contended stream', () => {
  let db: OpenedDatabase & { url?: string };
  const closing: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    db = await openTestDatabase('postgres', { poolSize: 2 });
  });
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    await db.close();
  });

  it('two processes booking one hot provider answer every booking, none with CONCURRENCY_CONFLICT', async () => {
    // Each "process": its own pool, event store, snapshot store, stream turns and handler, as two
    // servers would have. With two attempts only, racing optimistically would give up on many of these.
    const processes = await Promise.all(
      [0, 1].map(async () => {
        const opened = await openDatabase({ databaseUrl: db.url as string, poolSize: 6 });
        const store = new PostgresEventStore(opened.pool);
        const turns = await AdvisoryStreamTurns.start(opened.pool as PgSqlPool, { logger: createLogger('silent') });
        closing.push(async () => {
          await turns.close();
          await store.close();
          await opened.close();
        });
        let retries = 0;
        const handler = new ProviderCommandHandler(store, new PostgresSnapshotStore(opened.db), new PostgresStreamIndex(opened.db, { indexedByAppend: true }), createLogger('silent'), {
          maxAttempts: 2,
          turns,
          onRetry: () => void retries++,
        });
        return { store, handler, retries: () => retries };
      }),
    );
    const [p1, p2] = processes as [(typeof processes)[number], (typeof processes)[number]];
    const providerId = randomUUID();
    const serviceId = randomUUID();
    const setup = (command: ProviderCommand) => p1.handler.handle(providerId, command, owner);
    await setup({ type: 'RegisterProvider', data: { providerId, ownerId: OWNER, name: 'Dr. Ada', kind: 'DOCTOR', bio: null, timeZone: 'Europe/Berlin' } });
    await setup({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30 } });
    const days = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;
    await setup({ type: 'SetWeeklyHours', data: { hours: days.map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })) } });

    // 16 clients, 8 per process, 14 bookings each: 224 distinct slots.
    const answers = await Promise.allSettled(
      Array.from({ length: 16 }, async (_, client) => {
        const { handler } = client < 8 ? p1 : p2;
        for (let n = 0; n < 14; n++) {
          await handler.handle(providerId, { type: 'BookAppointment', data: { serviceId, start: slot(client * 14 + n), notes: null, idempotencyKey: randomUUID() } }, customer(`c${client}`));
        }
      }),
    );
    expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    const stored = await p1.store.readStream(providerStreamName(providerId));
    expect(stored.filter((e) => e.type === 'AppointmentBooked')).toHaveLength(224);
    // They did contend: some appends found the other process had written first.
    expect(p1.retries() + p2.retries()).toBeGreaterThan(0);
  });
});
