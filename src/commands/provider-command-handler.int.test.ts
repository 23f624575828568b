import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { ProviderCommand } from '../domain/provider';
import type { AppendResult, EventData, EventStore, ExpectedRevision } from '../events/event-store';
import { verifyChain } from '../events/integrity';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { EventStoreDbEventStore } from '../events/eventstoredb/eventstoredb-event-store';
import { type EsdbDouble, startEsdbDouble } from '../../test/esdb-double';
import { providerStreamName } from '../events/provider-events';
import { createLogger } from '../logger';
import { type OpenedDatabase } from '../db/database';
import { openTestDatabase } from '../../test/support/test-database';
import { bookingIds } from './event-envelope';
import { type CommandContext, ProviderCommandHandler } from './provider-command-handler';
import { SNAPSHOT_SCHEMA_VERSION } from './snapshot-codec';
import { PostgresSnapshotStore } from './snapshot-store';
import { PostgresStreamIndex } from './stream-index';

const NOW = Date.parse('2027-03-01T08:00:00Z'); // a Monday
const OWNER = 'owner-1';
const owner: CommandContext = { actor: { id: OWNER, role: 'PROVIDER' }, correlationId: 'setup', now: NOW };
const customer = (id: string): CommandContext => ({ actor: { id, role: 'CUSTOMER' }, correlationId: `req-${id}`, causationId: null, now: NOW });
const logger = createLogger(process.env.TEST_LOG ?? 'silent');

// 09:00 Berlin on Tuesday 2027-03-02 is 08:00Z (CET).
const slot = (i: number): number => Date.parse('2027-03-02T08:00:00Z') + i * 30 * 60_000;

/** The same handler tests with events in PostgreSQL and in EventStoreDB (its wire double); snapshots stay in PostgreSQL. */
describe.each(['postgres', 'eventstoredb'] as const)('ProviderCommandHandler with events in %s', (engine) => {
  let db: OpenedDatabase;
  let store: EventStore;
  let double: EsdbDouble | null = null;
  const onPostgres = engine === 'postgres' ? it : (_name: string, _fn: () => Promise<void>): void => undefined;
  /** Several handlers on one store behave like several API processes: each has its own cache. */
  const handler = (options: ConstructorParameters<typeof ProviderCommandHandler>[4] = {}, eventStore: EventStore = store) =>
    new ProviderCommandHandler(eventStore, new PostgresSnapshotStore(db.db), new PostgresStreamIndex(db.db, { indexedByAppend: engine === 'postgres' }), logger, options);

  beforeAll(async () => {
    db = await openTestDatabase('postgres', { poolSize: 40 });
    if (engine === 'postgres') store = new PostgresEventStore(db.pool);
    else {
      double = await startEsdbDouble();
      store = new EventStoreDbEventStore(double.url);
    }
  });
  afterAll(async () => {
    await store.close();
    await double?.stop();
    await db.close();
  });

  async function openProvider(h: ProviderCommandHandler, capacity = 1): Promise<{ providerId: string; serviceId: string }> {
    const providerId = randomUUID();
    const serviceId = randomUUID();
    const run = (command: ProviderCommand) => h.handle(providerId, command, owner);
    await run({ type: 'RegisterProvider', data: { providerId, ownerId: OWNER, name: 'Dr. Ada', kind: 'DOCTOR', bio: null, timeZone: 'Europe/Berlin' } });
    await run({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30, capacity } });
    const days = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;
    await run({ type: 'SetWeeklyHours', data: { hours: days.map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })) } });
    return { providerId, serviceId };
  }

  const book = (h: ProviderCommandHandler, providerId: string, serviceId: string, customerId: string, start: number, key: string = randomUUID()) =>
    h.handle(
      providerId,
      { type: 'BookAppointment', data: { appointmentId: bookingIds(providerId, customerId, key).appointmentId, serviceId, start, notes: null, idempotencyKey: key } },
      customer(customerId),
    );

  const settle = async <T>(ps: Array<Promise<T>>) => {
    const results = await Promise.allSettled(ps);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'OK' : r.reason instanceof DomainError ? r.reason.code : String(r.reason)));
    return { results, count: (code: string) => codes.filter((c) => c === code).length, codes };
  };

  it('50 parallel bookings of one one-to-one slot from 5 processes: exactly 1 succeeds, 49 are SLOT_TAKEN', async () => {
    const setup = handler();
    const { providerId, serviceId } = await openProvider(setup);
    const processes = Array.from({ length: 5 }, () => handler());
    const { count, codes } = await settle(Array.from({ length: 50 }, (_, i) => book(processes[i % 5] as ProviderCommandHandler, providerId, serviceId, `c${i}`, slot(0))));
    expect(count('OK')).toBe(1);
    expect(count('SLOT_TAKEN')).toBe(49);
    expect(codes.filter((c) => c !== 'OK' && c !== 'SLOT_TAKEN')).toEqual([]);
    const events = await store.readStream(providerStreamName(providerId));
    expect(events.filter((e) => e.type === 'AppointmentBooked')).toHaveLength(1);
  });

  it('50 parallel bookings of distinct slots of one provider from 5 processes: all 50 succeed', async () => {
    const { providerId, serviceId } = await openProvider(handler());
    // Five processes on one stream: every conflict lets only one through, so on a loaded machine one
    // process can lose many times in a row. The budget covers that; the point is that none is lost.
    const processes = Array.from({ length: 5 }, () => handler({ maxAttempts: 50 }));
    const { count, codes } = await settle(Array.from({ length: 50 }, (_, i) => book(processes[i % 5] as ProviderCommandHandler, providerId, serviceId, `c${i}`, slot(i % 16) + Math.floor(i / 16) * 86_400_000)));
    expect(codes.filter((c) => c !== 'OK')).toEqual([]);
    expect(count('OK')).toBe(50);
    const events = await store.readStream(providerStreamName(providerId));
    const starts = events.filter((e) => e.type === 'AppointmentBooked').map((e) => (e.data as { start: string }).start);
    expect(new Set(starts).size).toBe(50);
  });

  it('20 parallel bookings of a class with capacity 5: exactly 5 seats are sold', async () => {
    const { providerId, serviceId } = await openProvider(handler(), 5);
    const processes = Array.from({ length: 4 }, () => handler());
    const { count } = await settle(Array.from({ length: 20 }, (_, i) => book(processes[i % 4] as ProviderCommandHandler, providerId, serviceId, `c${i}`, slot(2))));
    expect(count('OK')).toBe(5);
    expect(count('SLOT_TAKEN')).toBe(15);
  });

  it('20 parallel retries of one idempotency key: one appointment, one event, the same answer for all', async () => {
    const { providerId, serviceId } = await openProvider(handler());
    const processes = Array.from({ length: 4 }, () => handler());
    const key = 'retry-me';
    const { results, count } = await settle(Array.from({ length: 20 }, (_, i) => book(processes[i % 4] as ProviderCommandHandler, providerId, serviceId, 'cust-7', slot(3), key)));
    expect(count('OK')).toBe(20);
    const appointmentIds = new Set(
      results.map((r) => {
        if (r.status !== 'fulfilled' || r.value.state.status !== 'Registered') return 'none';
        return r.value.state.appointments.get(bookingIds(providerId, 'cust-7', key).appointmentId)?.id ?? 'none';
      }),
    );
    expect(appointmentIds).toEqual(new Set([bookingIds(providerId, 'cust-7', key).appointmentId]));
    const events = await store.readStream(providerStreamName(providerId));
    expect(events.filter((e) => e.type === 'AppointmentBooked')).toHaveLength(1);
  });

  it('a sequential repeat of an idempotency key appends nothing; the same key for another slot is refused', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    const first = await book(h, providerId, serviceId, 'cust-1', slot(4), 'k1');
    const again = await book(h, providerId, serviceId, 'cust-1', slot(4), 'k1');
    expect(first.events).toHaveLength(1);
    expect(again.events).toHaveLength(0);
    expect(again.revision).toBe(first.revision);
    await expect(book(h, providerId, serviceId, 'cust-1', slot(5), 'k1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'idempotencyKey' } });
  });

  it('a command on an appointment finds its stream in the stream index; an appointment nobody booked is NOT_FOUND', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    const booked = await h.handle(providerId, { type: 'BookAppointment', data: { serviceId, start: slot(8), notes: null, idempotencyKey: 'k-index' } }, customer('cust-9'));
    const appointmentId = booked.minted.appointmentId as string;
    expect(appointmentId).toBe(bookingIds(providerId, 'cust-9', 'k-index').appointmentId);
    // Another process: nothing in memory, and no read model asked.
    const cancelled = await handler().handleOnAppointment({ type: 'CancelAppointment', data: { appointmentId, reason: null } }, customer('cust-9'));
    expect(cancelled.events.map((e) => e.type)).toEqual(['AppointmentCancelled']);
    expect(cancelled.events[0]?.revision).toBe(booked.revision + 1);
    await expect(h.handleOnAppointment({ type: 'ConfirmAppointment', data: { appointmentId: randomUUID() } }, owner)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('records actor, correlation, causation, time, schema version and an unbroken hash chain', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    await book(h, providerId, serviceId, 'cust-2', slot(6));
    const events = await store.readStream(providerStreamName(providerId));
    const booked = events.find((e) => e.type === 'AppointmentBooked');
    expect(booked?.metadata).toMatchObject({
      actorId: 'cust-2',
      actorRole: 'CUSTOMER',
      correlationId: 'req-cust-2',
      causationId: null,
      requestedAt: '2027-03-01T08:00:00.000Z',
      schemaVersion: 1,
    });
    expect(events[0]?.metadata.prevHash).toBeNull();
    expect(verifyChain(events)).toEqual({ valid: true, eventsChecked: events.length, firstBrokenRevision: null });
  });

  // Tampering needs write access behind the store's back: SQL on PostgreSQL.
  onPostgres('tampering with a stored event is detected by the hash chain', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    await book(h, providerId, serviceId, 'cust-3', slot(7));
    const stream = providerStreamName(providerId);
    await db.pool.query(`UPDATE es_events SET data = jsonb_set(data, '{start}', '"2027-03-02T15:00:00.000Z"') WHERE stream_name = $1 AND event_type = 'AppointmentBooked'`, [stream]);
    const events = await store.readStream(stream);
    const report = verifyChain(events);
    expect(report.valid).toBe(false);
    expect(report.firstBrokenRevision).toBe(events.find((e) => e.type === 'AppointmentBooked')?.revision);
  });

  it('a process that keeps losing the race gives up with CONCURRENCY_CONFLICT and appends nothing', async () => {
    const { providerId, serviceId } = await openProvider(handler());
    const rival = handler();
    let rivalBookings = 0;
    // Before each of our appends, another process books a different slot first.
    const racing: EventStore = Object.create(store, {
      appendToStream: {
        value: async (stream: string, events: readonly EventData[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> => {
          await book(rival, providerId, serviceId, `rival-${rivalBookings}`, slot(10 + rivalBookings));
          rivalBookings++;
          return store.appendToStream(stream, events, options);
        },
      },
    }) as EventStore;
    const loser = handler({ maxAttempts: 3 }, racing);
    await loser.currentState(providerId);
    await expect(book(loser, providerId, serviceId, 'slowpoke', slot(0))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    const events = await store.readStream(providerStreamName(providerId));
    expect(events.filter((e) => e.metadata.actorId === 'slowpoke')).toHaveLength(0);
    expect(rivalBookings).toBe(3);
  });

  it('a cold process starts from the latest snapshot and reads only the tail', async () => {
    const warm = handler({ snapshotEvery: 10 });
    const { providerId, serviceId } = await openProvider(warm);
    for (let i = 0; i < 24; i++) await book(warm, providerId, serviceId, `c${i}`, slot(i % 16) + Math.floor(i / 16) * 86_400_000);
    // Snapshots are written off the command path (every 10 events: at revisions 9 and 19); wait for the second.
    const stream = providerStreamName(providerId);
    const snapshotStore = new PostgresSnapshotStore(db.db);
    for (let i = 0; i < 100; i++) {
      const s = await snapshotStore.load(stream, SNAPSHOT_SCHEMA_VERSION);
      if (s && s.revision === 19) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    let eventsRead = 0;
    const counting: EventStore = Object.create(store, {
      readStream: {
        value: async (...args: Parameters<EventStore['readStream']>) => {
          const events = await store.readStream(...args);
          eventsRead += events.length;
          return events;
        },
      },
    }) as EventStore;
    const cold = handler({ snapshotEvery: 10 }, counting);
    const { state, revision } = await cold.currentState(providerId);
    expect(revision).toBe(26);
    expect(eventsRead).toBe(7); // revisions 20..26: the tail after the snapshot, nothing before it
    expect(state.status === 'Registered' ? state.appointments.size : -1).toBe(24);
    // And it decides correctly from that state: the first slot is taken.
    await expect(book(cold, providerId, serviceId, 'late', slot(0))).rejects.toMatchObject({ code: 'SLOT_TAKEN' });
  });
});
