/**
 * Snapshots archive ended appointments (snapshot-codec.ts, domain/provider/ended-appointments.ts): a cold process
 * holds only the live ones, yet answers every command exactly as before — refusals with the same code
 * and message, retried bookings with the booking they made — fetching an archived appointment only
 * when a command addresses it.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { ProviderCommand } from '../domain/provider';
import type { EventStore } from '../events/event-store';
import { PostgresEventStore } from '../events/postgres/postgres-event-store';
import { providerStreamName } from '../events/provider-events';
import { createLogger } from '../logger';
import type { OpenedDatabase } from '../db/database';
import { openTestDatabase } from '../../test/support/test-database';
import { bookingIds } from './event-envelope';
import { type CommandContext, ProviderCommandHandler } from './provider-command-handler';
import { SNAPSHOT_SCHEMA_VERSION } from './snapshot-codec';
import { type ArchiveKey, PostgresSnapshotStore, type SnapshotStore } from './snapshot-store';
import { PostgresStreamIndex } from './stream-index';

const NOW = Date.parse('2027-03-01T08:00:00Z'); // a Monday
const LATER = NOW + 7 * 86_400_000;
const OWNER = 'owner-1';
const logger = createLogger(process.env.TEST_LOG ?? 'silent');
const owner = (now = NOW): CommandContext => ({ actor: { id: OWNER, role: 'PROVIDER' }, correlationId: 'setup', now });
const customer = (id: string, now = NOW): CommandContext => ({ actor: { id, role: 'CUSTOMER' }, correlationId: `req-${id}`, now });
// 09:00 Berlin on Tuesday 2027-03-02 is 08:00Z (CET).
const slot = (i: number): number => Date.parse('2027-03-02T08:00:00Z') + i * 30 * 60_000;

describe('snapshots with an archive of ended appointments', () => {
  let db: OpenedDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    store = new PostgresEventStore(db.pool);
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  /** A snapshot store that counts archive reads. */
  function countingSnapshots(): SnapshotStore & { archiveReads: ArchiveKey[][]; fingerprintReads: number } {
    const inner = new PostgresSnapshotStore(db.db);
    const archiveReads: ArchiveKey[][] = [];
    return {
      archiveReads,
      fingerprintReads: 0,
      load: (s, v) => inner.load(s, v),
      save: (s, v, snap, archive, fingerprints) => inner.save(s, v, snap, archive, fingerprints),
      loadFingerprints(s, v) {
        this.fingerprintReads++;
        return inner.loadFingerprints(s, v);
      },
      loadArchived: (s, v, keys) => {
        archiveReads.push([...keys]);
        return inner.loadArchived(s, v, keys);
      },
    };
  }

  const answer = async (p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown } | 'OK'> => {
    try {
      await p;
      return 'OK';
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { code: err.code, message: err.message, details: err.details };
    }
  };

  it('a cold process holds the live appointments only and answers about archived ones as before', async () => {
    const warm = new ProviderCommandHandler(store, new PostgresSnapshotStore(db.db), new PostgresStreamIndex(db.db, { indexedByAppend: true }), logger, { snapshotEvery: 10 });
    const providerId = randomUUID();
    const serviceId = randomUUID();
    const run = (command: ProviderCommand, context: CommandContext, h = warm) => h.handle(providerId, command, context);
    await run({ type: 'RegisterProvider', data: { providerId, ownerId: OWNER, name: 'Dr. Ada', kind: null, bio: null, timeZone: 'Europe/Berlin' } }, owner());
    await run({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30 } }, owner());
    const days = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;
    await run({ type: 'SetWeeklyHours', data: { hours: days.map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })) } }, owner());
    const booked: Array<{ id: string; customerId: string; key: string; start: number }> = [];
    for (let i = 0; i < 12; i++) {
      const customerId = `c${i}`;
      const key = `key-${i}`;
      const { appointmentId: id } = bookingIds(providerId, customerId, key);
      await run({ type: 'BookAppointment', data: { appointmentId: id, serviceId, start: slot(i), idempotencyKey: key } }, customer(customerId));
      booked.push({ id, customerId, key, start: slot(i) });
    }
    const [a0, a1, a2, a3] = booked as [(typeof booked)[number], (typeof booked)[number], (typeof booked)[number], (typeof booked)[number]];
    await run({ type: 'CancelAppointment', data: { appointmentId: a0.id, reason: null } }, customer(a0.customerId));
    await run({ type: 'CompleteAppointment', data: { appointmentId: a1.id } }, owner(LATER));
    await run({ type: 'MarkNoShow', data: { appointmentId: a2.id } }, owner(LATER));
    // Enough events after the cancel for a snapshot that archives all three; wait for it.
    for (let i = 12; i < 22; i++) await run({ type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId, start: slot(i % 16) + 86_400_000, idempotencyKey: `later-${i}` } }, customer(`d${i}`));
    const stream = providerStreamName(providerId);
    const snapshots = new PostgresSnapshotStore(db.db);
    const head = (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1;
    for (let i = 0; i < 200; i++) {
      const s = await snapshots.load(stream, SNAPSHOT_SCHEMA_VERSION);
      if (s && s.revision >= head - 9) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const archived = await snapshots.loadArchived(stream, SNAPSHOT_SCHEMA_VERSION, [a0, a1, a2, a3].map((a) => ({ kind: 'appointment' as const, key: a.id })));
    expect(archived.map((r) => r.key).sort()).toEqual([a0.id, a1.id, a2.id].sort());

    const cold = countingSnapshots();
    const fresh = new ProviderCommandHandler(store, cold, new PostgresStreamIndex(db.db, { indexedByAppend: true }), logger, { snapshotEvery: 1000 });
    const { state } = await fresh.currentState(providerId);
    if (state.status !== 'Registered') throw new Error('not registered');
    expect(state.appointments.has(a0.id)).toBe(false);
    expect(state.appointments.size).toBe(19);
    expect(cold.archiveReads).toEqual([]);

    // Refusals about archived appointments: the same code and message as the whole history gives.
    const stranger = customer('intruder', LATER);
    expect(await answer(run({ type: 'CancelAppointment', data: { appointmentId: a0.id, reason: 'again' } }, customer(a0.customerId), fresh))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'Only a PENDING or CONFIRMED appointment can be cancelled; this one is CANCELLED',
      details: {},
    });
    expect(await answer(run({ type: 'RescheduleAppointment', data: { appointmentId: a1.id, newStart: slot(3) } }, stranger, fresh))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await answer(run({ type: 'CompleteAppointment', data: { appointmentId: a2.id } }, owner(LATER), fresh))).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: 'Only a CONFIRMED appointment can be completed; this one is NO_SHOW',
    });
    expect(await answer(run({ type: 'ConfirmAppointment', data: { appointmentId: 'no-such-appointment' } }, owner(), fresh))).toMatchObject({ code: 'NOT_FOUND' });
    // A booking under an archived appointment's id, with a new key.
    expect(await answer(run({ type: 'BookAppointment', data: { appointmentId: a0.id, serviceId, start: slot(14), idempotencyKey: 'brand-new' } }, customer('c99'), fresh))).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: `Appointment ${a0.id} already exists`,
    });
    // A retried booking whose appointment has ended: the same appointment, nothing appended.
    const retry = await run({ type: 'BookAppointment', data: { appointmentId: a0.id, serviceId, start: a0.start, idempotencyKey: a0.key } }, customer(a0.customerId), fresh);
    expect(retry.events).toEqual([]);
    expect(retry.state.status === 'Registered' && retry.state.appointments.get(a0.id)).toMatchObject({ id: a0.id, status: 'CANCELLED', start: a0.start });
    // The same key for a different booking.
    expect(await answer(run({ type: 'BookAppointment', data: { appointmentId: a1.id, serviceId, start: slot(15), idempotencyKey: a1.key } }, customer(a1.customerId), fresh))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'idempotencyKey' },
    });
    expect(cold.archiveReads.length).toBeGreaterThan(0);

    // New bookings need nothing from the archive.
    const reads = cold.archiveReads.length;
    await run({ type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId, start: slot(15) + 2 * 86_400_000, idempotencyKey: 'new-one' } }, customer('c50'), fresh);
    expect(cold.archiveReads.length).toBe(reads);
    expect(cold.fingerprintReads).toBe(1);
    // A process whose first command comes before the fingerprints arrive asks the archive directly.
    const first = countingSnapshots();
    const another = new ProviderCommandHandler(store, first, new PostgresStreamIndex(db.db, { indexedByAppend: true }), logger, { snapshotEvery: 1000 });
    const booked2 = await run({ type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId, start: slot(14) + 2 * 86_400_000, idempotencyKey: 'first-one' } }, customer('c52'), another);
    expect(booked2.events).toHaveLength(1);
    expect(first.archiveReads).toHaveLength(1); // its appointment id and idempotency key, in one read: neither archived
    // And the live ones stay live: the slot of a3 is still taken.
    expect(await answer(run({ type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId, start: a3.start, idempotencyKey: 'taken' } }, customer('c51'), fresh))).toMatchObject({ code: 'SLOT_TAKEN' });
  });

  it('a long-lived process lets go of what a stored snapshot archived', async () => {
    const h = new ProviderCommandHandler(store, new PostgresSnapshotStore(db.db), new PostgresStreamIndex(db.db, { indexedByAppend: true }), logger, { snapshotEvery: 5 });
    const providerId = randomUUID();
    const serviceId = randomUUID();
    const run = (command: ProviderCommand, context: CommandContext) => h.handle(providerId, command, context);
    await run({ type: 'RegisterProvider', data: { providerId, ownerId: OWNER, name: 'Dr. Bo', kind: null, bio: null, timeZone: 'UTC' } }, owner());
    await run({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30 } }, owner());
    await run({ type: 'SetWeeklyHours', data: { hours: [{ weekday: 'TUESDAY', windows: [{ start: '08:00', end: '16:00' }] }] } }, owner());
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await run({ type: 'BookAppointment', data: { appointmentId: `bo-${i}`, serviceId, start: slot(i), idempotencyKey: `k${i}` } }, customer(`c${i}`));
      expect(r.events).toHaveLength(1);
      ids.push(`bo-${i}`);
    }
    for (const id of ids.slice(0, 4)) await run({ type: 'CancelAppointment', data: { appointmentId: id, reason: null } }, owner());
    // Snapshots every 5 events: the one at revision 14 archives the four cancelled appointments.
    for (let i = 6; i < 8; i++) await run({ type: 'BookAppointment', data: { appointmentId: `bo-${i}`, serviceId, start: slot(i), idempotencyKey: `k${i}` } }, customer(`c${i}`));
    // Later turns of the stream (after the snapshot stored) hold the live ones only, and still know the rest.
    let held = -1;
    for (let i = 0; i < 100 && held !== 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const { state } = await h.currentState(providerId);
      held = state.status === 'Registered' ? state.appointments.size : -1;
    }
    expect(held).toBe(4);
    expect(await answer(run({ type: 'CancelAppointment', data: { appointmentId: 'bo-0', reason: null } }, owner()))).toMatchObject({ code: 'INVALID_TRANSITION' });
    const retry = await run({ type: 'BookAppointment', data: { appointmentId: 'bo-1', serviceId, start: slot(1), idempotencyKey: 'k1' } }, customer('c1'));
    expect(retry.events).toEqual([]);
    expect(retry.state.status === 'Registered' && retry.state.appointments.get('bo-1')?.status).toBe('CANCELLED');
  });
});
