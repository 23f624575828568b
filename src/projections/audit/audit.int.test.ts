import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { ProviderCommand } from '../../domain/provider';
import { providerStreamName } from '../../events/provider-events';
import { type Fixture, openFixture } from '../read-side-fixtures';

const NOW = Date.parse('2027-03-01T08:00:00Z'); // Monday
const SLOT = Date.parse('2027-03-02T10:00:00Z');
const HOUR = 3_600_000;

/** Resolves once the wall clock has moved past `ms`, so consecutive events get distinct recording times. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms + 1) await new Promise((resolve) => setImmediate(resolve));
}

const errorOf = async (p: Promise<unknown>): Promise<[string, unknown]> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return [(err as DomainError).code, (err as DomainError).details.field];
};

describe('audit (PGlite)', () => {
  let f: Fixture;
  const providerId = randomUUID();
  const serviceId = randomUUID();
  const appointmentId = randomUUID();
  const ownerId = 'owner-audit';
  const owner = { id: ownerId, role: 'PROVIDER' as const };
  const customer = { id: 'cust-audit', role: 'CUSTOMER' as const };
  const run = (command: ProviderCommand, actor: { id: string; role: 'PROVIDER' | 'CUSTOMER' }, correlationId: string = randomUUID()) =>
    f.run(providerId, command, { actor, now: NOW, correlationId });

  beforeAll(async () => {
    f = await openFixture('pglite');
    await run({ type: 'RegisterProvider', data: { providerId, ownerId, name: 'Dr. Audit', timeZone: 'UTC' } }, owner);
    await run({ type: 'OfferService', data: { serviceId, name: 'Checkup', durationMinutes: 30, requiresConfirmation: true } }, owner);
    await run({ type: 'SetWeeklyHours', data: { hours: [{ weekday: 'TUESDAY', windows: [{ start: '09:00', end: '17:00' }] }] } }, owner);
    await run({ type: 'BookAppointment', data: { appointmentId, serviceId, start: SLOT, idempotencyKey: 'k1', notes: 'first' } }, customer, 'req-book');
    await clockPast(Date.now());
    await run({ type: 'ConfirmAppointment', data: { appointmentId } }, owner, 'req-confirm');
    await run({ type: 'BookAppointment', data: { appointmentId: randomUUID(), serviceId, start: SLOT + 2 * HOUR, idempotencyKey: 'k2' } }, { id: 'someone-else', role: 'CUSTOMER' });
    await clockPast(Date.now());
    await run({ type: 'RescheduleAppointment', data: { appointmentId, newStart: SLOT + HOUR } }, customer, 'req-move');
    await clockPast(Date.now());
    await run({ type: 'CancelAppointment', data: { appointmentId, reason: 'sick' } }, customer, 'req-cancel');
    await f.settle();
  });
  afterAll(async () => {
    await f.close();
  });

  it("lists an appointment's events in order, with who, why and the hash chain", async () => {
    const entries = await f.readSide.audit.appointmentHistory(appointmentId);
    expect(entries.map((e) => [e.type, e.actorId, e.actorRole, e.correlationId])).toEqual([
      ['AppointmentBooked', 'cust-audit', 'CUSTOMER', 'req-book'],
      ['AppointmentConfirmed', ownerId, 'PROVIDER', 'req-confirm'],
      ['AppointmentRescheduled', 'cust-audit', 'CUSTOMER', 'req-move'],
      ['AppointmentCancelled', 'cust-audit', 'CUSTOMER', 'req-cancel'],
    ]);
    expect(entries.map((e) => e.streamRevision)).toEqual([3, 4, 6, 7]);
    for (const e of entries) {
      expect(JSON.parse(e.data)).toMatchObject({ appointmentId });
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.prevHash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.recordedAt).toBeInstanceOf(Date);
    }
    expect(await errorOf(f.readSide.audit.appointmentHistory('nope'))).toEqual(['NOT_FOUND', undefined]);
  });

  it('pages through a provider stream', async () => {
    const all = await f.readSide.audit.providerHistory(providerId);
    expect(all.map((e) => e.streamRevision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(all[0]).toMatchObject({ type: 'ProviderRegistered', prevHash: null });
    // Each event names the one before it.
    for (let i = 1; i < all.length; i++) expect(all[i]?.prevHash).toBe(all[i - 1]?.hash);
    const page = await f.readSide.audit.providerHistory(providerId, { fromRevision: 3, first: 2 });
    expect(page.map((e) => e.streamRevision)).toEqual([3, 4]);
    expect(await errorOf(f.readSide.audit.providerHistory(providerId, { first: 1001 }))).toEqual(['VALIDATION_FAILED', 'first']);
    expect(await errorOf(f.readSide.audit.providerHistory(providerId, { fromRevision: -1 }))).toEqual(['VALIDATION_FAILED', 'fromRevision']);
    expect(await errorOf(f.readSide.audit.providerHistory(randomUUID()))).toEqual(['NOT_FOUND', undefined]);
  });

  it("reconstructs the appointment as it was at instants between its events", async () => {
    const events = await f.store.readStream(providerStreamName(providerId));
    const at = (revision: number) => (events[revision] as { created: Date }).created.getTime();
    const between = (a: number, b: number) => new Date(Math.floor((at(a) + at(b)) / 2));
    expect(await f.readSide.audit.appointmentAsOf(appointmentId, new Date(at(3) - 1))).toBeNull();
    expect(await f.readSide.audit.appointmentAsOf(appointmentId, between(3, 4))).toMatchObject({ status: 'PENDING', start: new Date(SLOT), notes: 'first', providerId, ownerId });
    expect(await f.readSide.audit.appointmentAsOf(appointmentId, between(4, 6))).toMatchObject({ status: 'CONFIRMED', start: new Date(SLOT) });
    expect(await f.readSide.audit.appointmentAsOf(appointmentId, between(6, 7))).toMatchObject({ status: 'CONFIRMED', start: new Date(SLOT + HOUR) });
    expect(await f.readSide.audit.appointmentAsOf(appointmentId, new Date(at(7)))).toMatchObject({ status: 'CANCELLED', cancellationReason: 'sick', cancelledBy: 'cust-audit' });
    // The read model agrees with the replay at the end.
    const now = await f.readSide.audit.appointmentAsOf(appointmentId, new Date(at(7) + HOUR));
    expect(now).toEqual(await f.readSide.queries.appointmentById(appointmentId));
  });

  it('verifies the hash chain, exports it, and finds the first tampered event', async () => {
    expect(await f.readSide.audit.verifyProviderStream(providerId)).toEqual({ valid: true, eventsChecked: 8, firstBrokenRevision: null });
    const lines: string[] = [];
    expect(await f.readSide.audit.exportProviderStream(providerId, (line) => void lines.push(line))).toBe(8);
    expect(lines.map((l) => (JSON.parse(l) as { revision: number }).revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    await f.database.pool.query(
      `UPDATE es_events SET data = jsonb_set(data, '{notes}', '"not what was said"') WHERE stream_name = $1 AND stream_revision = 3`,
      [providerStreamName(providerId)],
    );
    expect(await f.readSide.audit.verifyProviderStream(providerId)).toEqual({ valid: false, eventsChecked: 8, firstBrokenRevision: 3 });
  });
});
