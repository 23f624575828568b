import type { ProviderEvent } from '../../domain/provider/events';
import { testBackends } from '../../../test/support/test-database';
import { HOUR, MINUTE, TUE_10, history, iso, type History } from '../history-fixtures';
import { type Fixture, expectReplayChangesNothing, nextChange, openFixture } from '../read-side-fixtures';
import type { ReadModelChange } from '../changes/change';

for (const backend of testBackends()) {
  describe(`schedule projection on ${backend}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await openFixture(backend);
    });
    afterAll(async () => {
      await f.close();
    });

    const rows = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => (await f.database.pool.query<R>(sql, params)).rows;
    const busyOf = (h: History) =>
      rows<{ appointment_id: string; occupied: string; session_key: string }>(
        `SELECT appointment_id, occupied::text AS occupied, session_key FROM rm_busy_intervals WHERE provider_id = $1 ORDER BY start_at, appointment_id`,
        [h.providerId],
      );
    const appointment = async (h: History, name: string) => f.readSide.queries.appointmentById(h.id(name));

    /** Given events (appended with a proper chain), when projected, then: the caller asserts; replaying changes nothing. */
    async function given(h: History, events: readonly ProviderEvent[]): Promise<void> {
      await f.append(h.providerId, events);
      await f.settle();
    }

    afterEach(async () => {
      await expectReplayChangesNothing(f);
    });

    it('projects a provider: profile, service, weekly hours and an override', async () => {
      const h = history();
      await given(h, [
        ...h.open({ timeZone: 'Europe/Berlin', service: { price: { amountMinor: 4500, currency: 'EUR' }, bufferAfterMinutes: 10 } }),
        { type: 'ScheduleOverrideAdded', data: { providerId: h.providerId, overrideId: h.id('ov'), date: '2027-03-03', blocked: true, windows: [], reason: 'Conference' } },
      ]);
      const provider = await f.readSide.queries.providerById(h.providerId);
      expect(provider).toMatchObject({ id: h.providerId, ownerId: h.ownerId, timeZone: 'Europe/Berlin', kind: 'DOCTOR', revision: 3 });
      expect(provider?.weeklyHours).toHaveLength(5);
      expect(await f.readSide.queries.servicesOfProvider(h.providerId)).toEqual([
        expect.objectContaining({ id: h.serviceId, durationMinutes: 30, bufferAfterMinutes: 10, price: { amountMinor: 4500, currency: 'EUR' }, active: true, capacity: 1 }),
      ]);
      expect(await f.readSide.queries.overrides(h.providerId)).toEqual([
        { id: h.id('ov'), providerId: h.providerId, date: '2027-03-03', blocked: true, windows: [], reason: 'Conference' },
      ]);
    });

    it('follows profile and service updates, retirement and override removal', async () => {
      const h = history();
      await given(h, [
        ...h.open(),
        { type: 'ProviderProfileUpdated', data: { providerId: h.providerId, name: 'Dr. New', kind: null, bio: 'Hi', timeZone: 'Europe/Paris' } },
        { type: 'ServiceUpdated', data: { providerId: h.providerId, serviceId: h.serviceId, ...serviceDefinition({ durationMinutes: 45, capacity: 4 }) } },
        { type: 'ServiceRetired', data: { providerId: h.providerId, serviceId: h.serviceId } },
        { type: 'ScheduleOverrideAdded', data: { providerId: h.providerId, overrideId: h.id('ov'), date: '2027-03-03', blocked: false, windows: [{ start: '18:00', end: '20:00' }], reason: null } },
        { type: 'ScheduleOverrideRemoved', data: { providerId: h.providerId, overrideId: h.id('ov') } },
      ]);
      expect(await f.readSide.queries.providerById(h.providerId)).toMatchObject({ name: 'Dr. New', kind: null, bio: 'Hi', timeZone: 'Europe/Paris', revision: 7 });
      expect(await f.readSide.queries.serviceById(h.serviceId)).toMatchObject({ durationMinutes: 45, capacity: 4, active: false });
      expect(await f.readSide.queries.overrides(h.providerId)).toEqual([]);
    });

    it('ignores events of a provider that is not registered, as evolve does', async () => {
      const h = history();
      await given(h, [h.offered(), h.booked('a')]);
      expect(await f.readSide.queries.providerById(h.providerId)).toBeNull();
      expect(await f.readSide.queries.serviceById(h.serviceId)).toBeNull();
      expect(await appointment(h, 'a')).toBeNull();
    });

    it('books: the appointment and its busy interval with buffers', async () => {
      const h = history();
      await given(h, [
        ...h.open(),
        h.booked('a', { status: 'PENDING', definition: { bufferBeforeMinutes: 5, bufferAfterMinutes: 10, price: { amountMinor: 100, currency: 'USD' } }, notes: 'first visit' }),
      ]);
      expect(await appointment(h, 'a')).toMatchObject({
        providerId: h.providerId,
        ownerId: h.ownerId,
        serviceId: h.serviceId,
        customerId: 'cust-1',
        start: new Date(TUE_10),
        end: new Date(TUE_10 + 30 * MINUTE),
        status: 'PENDING',
        notes: 'first visit',
        lateCancellation: false,
        cancelledAt: null,
        price: { amountMinor: 100, currency: 'USD' },
        bufferBeforeMinutes: 5,
        bufferAfterMinutes: 10,
      });
      const busy = await busyOf(h);
      expect(busy).toHaveLength(1);
      expect(busy[0]?.session_key).toBe(`${h.serviceId}@${iso(TUE_10)}`);
      // [09:55, 10:40) UTC: five minutes before, ten after.
      expect(busy[0]?.occupied).toMatch(/^\["2027-03-02 09:55:00\+00","2027-03-02 10:40:00\+00"\)$/);
    });

    it('keeps the busy list equal to the live appointments through every status', async () => {
      const h = history();
      const at = (i: number) => TUE_10 + i * HOUR;
      await given(h, [
        ...h.open(),
        h.booked('pending', { start: at(0), status: 'PENDING' }),
        h.booked('confirmed', { start: at(1) }),
        h.booked('cancelled', { start: at(2) }),
        h.booked('completed', { start: at(3) }),
        h.booked('noshow', { start: at(4) }),
        h.booked('moved', { start: at(5) }),
        h.confirmed('pending'),
        h.cancelled('cancelled', { late: true, reason: 'sick' }),
        h.completed('completed'),
        h.noShow('noshow'),
        h.rescheduled('moved', at(5), at(6)),
      ]);
      expect((await busyOf(h)).map((b) => b.appointment_id)).toEqual([h.id('pending'), h.id('confirmed'), h.id('moved')]);
      expect(await appointment(h, 'pending')).toMatchObject({ status: 'CONFIRMED' });
      expect(await appointment(h, 'cancelled')).toMatchObject({ status: 'CANCELLED', lateCancellation: true, cancellationReason: 'sick', cancelledBy: 'cust-1', cancelledByRole: 'CUSTOMER' });
      expect(await appointment(h, 'completed')).toMatchObject({ status: 'COMPLETED' });
      expect(await appointment(h, 'noshow')).toMatchObject({ status: 'NO_SHOW' });
      expect(await appointment(h, 'moved')).toMatchObject({ start: new Date(at(6)), end: new Date(at(6) + 30 * MINUTE), status: 'CONFIRMED' });
    });

    it('lets seats of one class session share their time', async () => {
      const h = history();
      const cls = { capacity: 3, durationMinutes: 60 };
      await given(h, [
        ...h.open({ service: cls }),
        h.booked('s1', { customerId: 'c1', durationMinutes: 60, definition: cls }),
        h.booked('s2', { customerId: 'c2', durationMinutes: 60, definition: cls }),
        h.booked('s3', { customerId: 'c3', durationMinutes: 60, definition: cls }),
      ]);
      expect(await busyOf(h)).toHaveLength(3);
      expect(await rows(`SELECT 1 FROM rm_invariant_breaches WHERE provider_id = $1`, [h.providerId])).toEqual([]);
    });

    it('records an overlap the write side should have refused, skips that busy row and carries on', async () => {
      const h = history();
      const breaches = () => f.metrics.registry.getSingleMetricAsString('slotstream_read_model_invariant_breaches_total');
      await given(h, [
        ...h.open(),
        h.booked('first', { start: TUE_10 }),
        // Starts 15 minutes into the first: the decider would say SLOT_TAKEN; the exclusion constraint does too.
        h.booked('overlapping', { start: TUE_10 + 15 * MINUTE }),
        h.booked('later', { start: TUE_10 + 2 * HOUR }),
      ]);
      expect((await busyOf(h)).map((b) => b.appointment_id)).toEqual([h.id('first'), h.id('later')]);
      expect(await appointment(h, 'overlapping')).toMatchObject({ status: 'CONFIRMED' });
      const recorded = await rows<{ subject: string; kind: string; detail: string; projection: string }>(
        `SELECT subject, kind, detail, projection FROM rm_invariant_breaches WHERE provider_id = $1`,
        [h.providerId],
      );
      expect(recorded).toEqual([{ subject: h.id('overlapping'), kind: 'overlap', projection: 'schedule', detail: expect.stringContaining(h.id('first')) }]);
      expect(await breaches()).toMatch(/projection="schedule",kind="overlap"} [1-9]/);

      // Later events still apply: cancelling the first frees its time, the breach stays on record.
      await given(h, [h.cancelled('first')]);
      expect((await busyOf(h)).map((b) => b.appointment_id)).toEqual([h.id('later')]);
    });

    it('records a second one-to-one booking at the very same start as a seats breach', async () => {
      const h = history();
      await given(h, [...h.open(), h.booked('one', { customerId: 'c1' }), h.booked('two', { customerId: 'c2' })]);
      expect((await busyOf(h)).map((b) => b.appointment_id)).toEqual([h.id('one')]);
      expect(await rows(`SELECT subject, kind FROM rm_invariant_breaches WHERE provider_id = $1`, [h.providerId])).toEqual([{ subject: h.id('two'), kind: 'seats' }]);
    });

    it('never stalls on an event it cannot take: skipped or recorded, and the next events apply', async () => {
      const h = history();
      await given(h, [
        ...h.open(),
        // No readable start: nothing to project (logged and skipped).
        { ...h.booked('garbled'), data: { ...(h.booked('garbled').data as object), start: 'not a date' } } as ProviderEvent,
        // A start PostgreSQL cannot store: the database refuses the row; the event is recorded as refused.
        { ...h.booked('ancient'), data: { ...(h.booked('ancient').data as object), start: '-271000-01-01T00:00:00.000Z', end: '-271000-01-01T00:30:00.000Z' } } as ProviderEvent,
        h.booked('fine', { start: TUE_10 + HOUR }),
      ]);
      expect(await appointment(h, 'garbled')).toBeNull();
      expect(await appointment(h, 'ancient')).toBeNull();
      expect(await appointment(h, 'fine')).toMatchObject({ status: 'CONFIRMED' });
      // Each projection that stores the start records the refusal for itself.
      expect(await rows(`SELECT projection, kind, event_type FROM rm_invariant_breaches WHERE provider_id = $1 ORDER BY projection`, [h.providerId])).toEqual([
        { projection: 'analytics', kind: 'event_refused', event_type: 'AppointmentBooked' },
        { projection: 'schedule', kind: 'event_refused', event_type: 'AppointmentBooked' },
      ]);
    });

    it('publishes what changed: availability ranges per provider and appointment changes', async () => {
      const h = history();
      await given(h, h.open());
      const seen: ReadModelChange[] = [];
      const unsubscribe = f.readSide.changes.subscribe((c) => seen.push(c));
      try {
        const appointmentChanged = nextChange(f, (c) => c.kind === 'appointment' && c.appointmentId === h.id('a'));
        await given(h, [h.booked('a', { start: TUE_10, definition: { bufferAfterMinutes: 10 } }), h.confirmed('a')]);
        await appointmentChanged;
        expect(seen).toEqual(
          expect.arrayContaining([
            { kind: 'availability', providerId: h.providerId, from: new Date(TUE_10), to: new Date(TUE_10 + 40 * MINUTE) },
            { kind: 'appointment', appointmentId: h.id('a'), providerId: h.providerId, customerId: 'cust-1', ownerId: h.ownerId },
          ]),
        );
        const hoursChanged = nextChange(f, (c) => c.kind === 'availability' && c.providerId === h.providerId);
        await given(h, [h.workweek([{ start: '08:00', end: '12:00' }])]);
        expect(await hoursChanged).toEqual({ kind: 'availability', providerId: h.providerId, from: null, to: null });
      } finally {
        unsubscribe();
      }
    });
  });
}

function serviceDefinition(o: { durationMinutes: number; capacity: number }) {
  return {
    name: 'Consultation',
    durationMinutes: o.durationMinutes,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    slotIntervalMinutes: 30,
    minNoticeMinutes: 0,
    maxAdvanceDays: 90,
    cancellationWindowHours: 24,
    capacity: o.capacity,
    requiresConfirmation: false,
    virtual: false,
    price: null,
  };
}
