import { DomainError } from '../../domain/errors';
import type { ProviderEvent } from '../../domain/provider/events';
import { testBackends } from '../../../test/support/test-database';
import { history } from '../history-fixtures';
import { type Fixture, expectReplayChangesNothing, openFixture } from '../read-side-fixtures';

/** Local time in Berlin in March 2027 before the DST switch (CET, UTC+1) as an instant. */
const berlin = (date: string, time: string): number => Date.parse(`${date}T${time}:00+01:00`);

for (const backend of testBackends()) {
  describe(`analytics on ${backend}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await openFixture(backend);
    });
    afterAll(async () => {
      await f.close();
    });

    /**
     * Europe/Berlin, Mon–Fri 09:00–17:00 and Sundays all day; "Checkup" 30 min for 45.00 EUR and a
     * 60-minute class of 3 seats for 15.00 USD; an override closes Wed 3 March 12:00–14:00.
     */
    function clinic() {
      const h = history();
      const checkup = { price: { amountMinor: 4500, currency: 'EUR' } };
      const classId = h.id('class');
      const cls = { capacity: 3, durationMinutes: 60, price: { amountMinor: 1500, currency: 'USD' } };
      const a = (name: string, start: number, extra: object = {}) => h.booked(name, { start, definition: checkup, ...extra });
      const b = (name: string, customerId: string, start: number) =>
        h.booked(name, { serviceId: classId, customerId, start, durationMinutes: 60, status: 'PENDING', definition: cls });
      const events: ProviderEvent[] = [
        h.registered({ timeZone: 'Europe/Berlin' }),
        h.offered(checkup),
        h.offered({ ...cls, serviceId: classId }),
        {
          type: 'WeeklyHoursSet',
          data: {
            providerId: h.providerId,
            hours: [
              ...(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })),
              { weekday: 'SUNDAY' as const, windows: [{ start: '00:00', end: '24:00' }] },
            ],
          },
        },
        { type: 'ScheduleOverrideAdded', data: { providerId: h.providerId, overrideId: h.id('ov'), date: '2027-03-03', blocked: true, windows: [{ start: '12:00', end: '14:00' }], reason: 'lunch' } },
        // Tuesday 2 March (local)
        a('a1', berlin('2027-03-02', '09:00')),
        h.completed('a1'),
        a('a2', berlin('2027-03-02', '10:00')),
        h.cancelled('a2', { late: true }),
        a('a3', berlin('2027-03-02', '11:00')),
        h.cancelled('a3'),
        a('a4', berlin('2027-03-02', '12:00')),
        h.noShow('a4'),
        b('b1', 'c1', berlin('2027-03-02', '14:00')),
        b('b2', 'c2', berlin('2027-03-02', '14:00')),
        h.confirmed('b1'),
        // 00:30 on Wednesday in Berlin is still Tuesday in UTC: it counts on Wednesday.
        a('a5', berlin('2027-03-03', '00:30')),
        // Booked for Tuesday, moved to Wednesday: one booking, on Wednesday.
        a('a6', berlin('2027-03-02', '15:00')),
        h.rescheduled('a6', berlin('2027-03-02', '15:00'), berlin('2027-03-03', '09:00')),
      ];
      return { h, classId, events };
    }

    it('counts a small fixed history as computed by hand', async () => {
      const { h, classId, events } = clinic();
      await f.append(h.providerId, events);
      await f.settle();
      const analytics = await f.readSide.queries.providerAnalytics(h.providerId, '2027-03-01', '2027-03-03');
      expect(analytics.days).toEqual([
        { date: '2027-03-01', booked: 0, cancelled: 0, lateCancelled: 0, noShows: 0, completed: 0, bookedMinutes: 0, openMinutes: 480, revenue: [] },
        {
          date: '2027-03-02',
          booked: 6,
          cancelled: 2,
          lateCancelled: 1,
          noShows: 1,
          completed: 1,
          bookedMinutes: 30 + 30 + 60 + 60,
          openMinutes: 480,
          revenue: [{ amountMinor: 9000, currency: 'EUR' }, { amountMinor: 3000, currency: 'USD' }],
        },
        { date: '2027-03-03', booked: 2, cancelled: 0, lateCancelled: 0, noShows: 0, completed: 0, bookedMinutes: 60, openMinutes: 480 - 120, revenue: [{ amountMinor: 9000, currency: 'EUR' }] },
      ]);
      expect(analytics.utilization).toBeCloseTo(240 / (480 + 480 + 360), 10);

      const classOnly = await f.readSide.queries.providerAnalytics(h.providerId, '2027-03-02', '2027-03-02', { serviceId: classId });
      expect(classOnly.days[0]).toMatchObject({ booked: 2, bookedMinutes: 120, revenue: [{ amountMinor: 3000, currency: 'USD' }] });

      // Clocks go forward on Sunday 28 March: that day has 23 working hours; Saturday none.
      const dst = await f.readSide.queries.providerAnalytics(h.providerId, '2027-03-27', '2027-03-29');
      expect(dst.days.map((d) => d.openMinutes)).toEqual([0, 23 * 60, 480]);
      expect(dst.utilization).toBe(0);
      await expectReplayChangesNothing(f);
    });

    it('moves statistics with the provider when its time zone changes', async () => {
      const { h, events } = clinic();
      await f.append(h.providerId, events);
      await f.append(h.providerId, [{ type: 'ProviderProfileUpdated', data: { providerId: h.providerId, name: 'Clinic', kind: null, bio: null, timeZone: 'UTC' } }]);
      await f.settle();
      const { days } = await f.readSide.queries.providerAnalytics(h.providerId, '2027-03-02', '2027-03-03');
      // In UTC, 00:30 Berlin (23:30Z) is Tuesday again.
      expect(days.map((d) => [d.date, d.booked])).toEqual([['2027-03-02', 7], ['2027-03-03', 1]]);
      await expectReplayChangesNothing(f);
    });

    it('validates the range', async () => {
      const { h, events } = clinic();
      await f.append(h.providerId, events.slice(0, 1));
      await f.settle();
      const failure = async (from: string, to: string, providerId = h.providerId) => {
        const err = await f.readSide.queries.providerAnalytics(providerId, from, to).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(DomainError);
        return [(err as DomainError).code, (err as DomainError).details.field];
      };
      expect(await failure('2027-03-02', '2027-03-01')).toEqual(['VALIDATION_FAILED', 'to']);
      expect(await failure('2027-01-01', '2028-01-02')).toEqual(['VALIDATION_FAILED', 'to']);
      expect(await failure('2027-02-30', '2027-03-01')).toEqual(['VALIDATION_FAILED', 'from']);
      expect(await failure('2027-03-01', '2027-03-02', 'nobody')).toEqual(['NOT_FOUND', undefined]);
      expect((await f.readSide.queries.providerAnalytics(h.providerId, '2027-01-01', '2028-01-01')).days).toHaveLength(366);
    });
  });
}
