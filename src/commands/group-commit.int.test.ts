import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { ProviderCommand } from '../domain/provider';
import { type AppendResult, type EventData, type EventStore, type ExpectedRevision, type Position, type RecordedEvent, comparePositions } from '../events/event-store';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { providerStreamName } from '../events/provider-events';
import { createLogger } from '../logger';
import type { OpenedDatabase } from '../db/database';
import { openTestDatabase } from '../../test/support/test-database';
import { bookingIds } from './event-envelope';
import { type CommandContext, ProviderCommandHandler } from './provider-command-handler';
import { PostgresSnapshotStore } from './snapshot-store';
import { PostgresStreamIndex } from './stream-index';

const NOW = Date.parse('2027-03-01T08:00:00Z'); // a Monday
const OWNER = 'owner-1';
/** Notes the counting store below refuses to append. */
const REFUSED_NOTES = 'notes this store refuses';
const owner: CommandContext = { actor: { id: OWNER, role: 'PROVIDER' }, correlationId: 'setup', now: NOW };
const customer = (id: string): CommandContext => ({ actor: { id, role: 'CUSTOMER' }, correlationId: `req-${id}`, causationId: null, now: NOW });
// 09:00 Berlin on Tuesday 2027-03-02 is 08:00Z (CET).
const slot = (i: number): number => Date.parse('2027-03-02T08:00:00Z') + i * 30 * 60_000;

/** Commands that arrive for a stream while its append is in flight are decided and appended together. */
describe('ProviderCommandHandler group commit', () => {
  let db: OpenedDatabase;
  let store: EventStore;
  let appends = 0;
  let counting: EventStore;

  beforeAll(async () => {
    db = await openTestDatabase('postgres', { poolSize: 10 });
    store = new PostgresEventStore(db.pool);
    counting = Object.create(store, {
      appendToStream: {
        value: (stream: string, events: readonly EventData[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> => {
          appends++;
          // A store that refuses some data outright (not a version conflict), as PostgreSQL refuses
          // jsonb it cannot store: the decider (and the API before it) lets these notes through.
          if (events.some((e) => (e.data as { notes?: unknown }).notes === REFUSED_NOTES)) {
            return Promise.reject(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }));
          }
          return store.appendToStream(stream, events, options);
        },
      },
    }) as EventStore;
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  const handler = () => new ProviderCommandHandler(counting, new PostgresSnapshotStore(db.db), new PostgresStreamIndex(db.db, { indexedByAppend: true }), createLogger('silent'));

  async function openProvider(h: ProviderCommandHandler): Promise<{ providerId: string; serviceId: string }> {
    const providerId = randomUUID();
    const serviceId = randomUUID();
    const run = (command: ProviderCommand) => h.handle(providerId, command, owner);
    await run({ type: 'RegisterProvider', data: { providerId, ownerId: OWNER, name: 'Dr. Ada', kind: 'DOCTOR', bio: null, timeZone: 'Europe/Berlin' } });
    await run({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30 } });
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

  it('a burst of bookings goes in few appends, each caller with its own events, revision and position', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    appends = 0;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => book(h, providerId, serviceId, `c${i}`, slot(i))));
    expect(appends).toBeLessThan(12);
    const stored = await store.readStream(providerStreamName(providerId));
    for (const [i, r] of results.entries()) {
      expect(r.events).toHaveLength(1);
      const own = r.events[0];
      expect(own?.metadata.actorId).toBe(`c${i}`);
      expect(r.revision).toBe(own?.revision);
      // What the store recorded for this event; the position of the append it went in: the same
      // transaction (visible at the same moment), at or after the event's own.
      const recorded = stored.find((e) => e.revision === own?.revision) as RecordedEvent;
      expect(recorded.id).toBe(own?.id);
      expect(r.position?.commit).toBe(recorded.position.commit);
      expect(comparePositions(r.position as Position, recorded.position)).toBeGreaterThanOrEqual(0);
      // The state answered includes this booking.
      expect(r.state.status === 'Registered' && r.state.appointments.has(bookingIds(providerId, `c${i}`, (own?.data as { idempotencyKey: string }).idempotencyKey).appointmentId)).toBe(true);
    }
    expect(new Set(results.map((r) => r.revision)).size).toBe(12);
  });

  it('a refusal in a batch answers only its own caller; a repeat answers with nothing appended', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    const first = await book(h, providerId, serviceId, 'early', slot(0), 'k-early');
    const settled = await Promise.allSettled([
      book(h, providerId, serviceId, 'a', slot(1)),
      book(h, providerId, serviceId, 'b', slot(1)), // same slot as 'a', decided after it: SLOT_TAKEN
      book(h, providerId, serviceId, 'c', slot(2)),
      h.handle(providerId, { type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId: randomUUID(), start: slot(3), notes: null, idempotencyKey: 'x' } }, customer('d')),
      book(h, providerId, serviceId, 'early', slot(0), 'k-early'), // a repeat: no-op
      book(h, providerId, serviceId, 'e', slot(4)),
    ]);
    const codes = settled.map((s) => (s.status === 'fulfilled' ? 'OK' : s.reason instanceof DomainError ? s.reason.code : String(s.reason)));
    expect(codes).toEqual(['OK', 'SLOT_TAKEN', 'OK', 'NOT_FOUND', 'OK', 'OK']);
    const repeat = settled[4];
    if (repeat?.status !== 'fulfilled') throw new Error('repeat failed');
    expect(repeat.value.events).toHaveLength(0);
    expect(repeat.value.revision).toBeGreaterThanOrEqual(first.revision);
    const booked = (await store.readStream(providerStreamName(providerId))).filter((e) => e.type === 'AppointmentBooked');
    expect(booked.map((e) => e.metadata.actorId)).toEqual(['early', 'a', 'c', 'e']);
  });

  it('an append the store refuses fails only the command whose data it refused: the batch goes again one by one', async () => {
    const h = handler();
    const { providerId, serviceId } = await openProvider(h);
    appends = 0;
    const booking = (customerId: string, i: number, notes: string | null) =>
      h.handle(providerId, { type: 'BookAppointment', data: { serviceId, start: slot(i), notes, idempotencyKey: `k-${customerId}` } }, customer(customerId));
    const settled = await Promise.allSettled([booking('a', 0, 'first visit'), booking('b', 1, REFUSED_NOTES), booking('c', 2, null), booking('d', 3, null)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22P05' }); // untranslatable character
    expect(appends).toBe(5); // the batch of four, then each one alone
    const booked = (await store.readStream(providerStreamName(providerId))).filter((e) => e.type === 'AppointmentBooked');
    expect(booked.map((e) => e.metadata.actorId)).toEqual(['a', 'c', 'd']);
  });

  it('two processes booking one provider in bursts: every answer matches the store, no double booking', async () => {
    const setup = handler();
    const { providerId, serviceId } = await openProvider(setup);
    const processes = [handler(), handler()];
    const settled = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => book(processes[i % 2] as ProviderCommandHandler, providerId, serviceId, `c${i}`, slot(i % 16) + Math.floor(i / 16) * 86_400_000)),
    );
    const ok = settled.filter((s) => s.status === 'fulfilled');
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason)).toEqual([]);
    const booked = (await store.readStream(providerStreamName(providerId))).filter((e) => e.type === 'AppointmentBooked');
    expect(booked).toHaveLength(40);
    expect(new Set(booked.map((e) => (e.data as { start: string }).start)).size).toBe(40);
    for (const s of ok) {
      if (s.status !== 'fulfilled') continue;
      const own = s.value.events[0];
      expect(booked.find((e) => e.revision === own?.revision)?.id).toBe(own?.id);
    }
  });
});
