import { DomainError } from '../../domain/errors';
import { liveAppointments, scheduleOf, serviceRulesOf } from '../../domain/provider';
import { listSlots } from '../../domain/schedule/slot-engine';
import { testBackends } from '../../../test/support/test-database';
import { HOUR, MINUTE, NOW, TUE_10, history } from '../history-fixtures';
import { randomHistory } from '../random-history-fixtures';
import { type Fixture, countingPool, openFixture } from '../read-side-fixtures';

const DAY = 24 * HOUR;

for (const backend of testBackends()) {
  describe(`availability on ${backend}`, () => {
    let f: Fixture;
    let statements: () => number;
    beforeAll(async () => {
      f = await openFixture(backend, {
        wrapPool: (pool) => {
          const counted = countingPool(pool);
          statements = counted.count;
          return counted.pool;
        },
      });
    });
    afterAll(async () => {
      await f.close();
    });

    it('answers exactly what the write side computes from its own state, for every provider and service', async () => {
      const h = await randomHistory(f, { seed: 4242, providers: 3, commands: 400 });
      await f.settle();
      let compared = 0;
      for (const p of h.providers) {
        const { state } = await f.handler.currentState(p.providerId);
        if (state.status !== 'Registered') throw new Error('provider not registered');
        for (const service of state.services.values()) {
          if (!service.active) continue;
          for (const [from, to] of [[h.now, h.now + 14 * DAY], [h.now - 2 * DAY, h.now + 3 * DAY]] as const) {
            const expected = listSlots({ schedule: scheduleOf(state), service: serviceRulesOf(service.id, service.definition), busy: liveAppointments(state), now: h.now }, { start: from, end: to });
            const actual = await f.readSide.availability.availableSlots({ providerId: p.providerId, serviceId: service.id, from: new Date(from), to: new Date(to), now: new Date(h.now) });
            expect(actual.map((s) => [s.start.getTime(), s.end.getTime(), s.seatsLeft])).toEqual(expected.map((s) => [s.start, s.end, s.seatsLeft]));
            compared += expected.length;
          }
        }
      }
      expect(compared).toBeGreaterThan(100);
    });

    it('serves repeated queries from memory and drops the entry when a booking commits', async () => {
      const h = history();
      await f.append(h.providerId, h.open());
      await f.settle();
      const query = { providerId: h.providerId, serviceId: h.serviceId, from: new Date(TUE_10), to: new Date(TUE_10 + 2 * HOUR), now: new Date(NOW) };

      const first = await f.readSide.availability.availableSlots(query);
      expect(first.map((s) => s.start.getTime())).toEqual([0, 1, 2, 3].map((i) => TUE_10 + i * 30 * MINUTE));
      const before = statements();
      expect(await f.readSide.availability.availableSlots(query)).toEqual(first);
      expect(statements()).toBe(before);

      const { position } = await f.append(h.providerId, [h.booked('a', { start: TUE_10 + 30 * MINUTE })]);
      expect(await f.readSide.waitForPosition(position, 10_000)).toBe(true);
      const after = await f.readSide.availability.availableSlots(query);
      expect(after.map((s) => s.start.getTime())).toEqual([0, 2, 3].map((i) => TUE_10 + i * 30 * MINUTE));
      expect(statements()).toBeGreaterThan(before);
    });

    it('loads only the busy intervals near the window, and a window beyond the cached span sees its own', async () => {
      const h = history();
      const far = TUE_10 + 28 * DAY;
      await f.append(h.providerId, [...h.open({ service: { maxAdvanceDays: 365 } }), h.booked('near', { start: TUE_10 }), h.booked('far', { start: far })]);
      await f.settle();
      const ask = (start: number) =>
        f.readSide.availability.availableSlots({ providerId: h.providerId, serviceId: h.serviceId, from: new Date(start), to: new Date(start + HOUR), now: new Date(NOW) });
      expect((await ask(TUE_10)).map((s) => s.start.getTime())).toEqual([TUE_10 + 30 * MINUTE]);
      const before = statements();
      // Inside the cached span (the window plus the prefetch): no database work.
      expect((await ask(TUE_10 + DAY)).map((s) => s.start.getTime())).toEqual([TUE_10 + DAY, TUE_10 + DAY + 30 * MINUTE]);
      expect(statements()).toBe(before);
      // Four weeks on, beyond it: loaded, and the appointment there is busy.
      expect((await ask(far)).map((s) => s.start.getTime())).toEqual([far + 30 * MINUTE]);
      expect(statements()).toBeGreaterThan(before);
      // The widened entry still answers the first window from memory.
      const widened = statements();
      expect((await ask(TUE_10)).map((s) => s.start.getTime())).toEqual([TUE_10 + 30 * MINUTE]);
      expect(statements()).toBe(widened);
    });

    it('reports seats left in a class session', async () => {
      const h = history();
      const cls = { capacity: 3, durationMinutes: 60, slotIntervalMinutes: 60 };
      await f.append(h.providerId, [...h.open({ service: cls }), h.booked('s1', { customerId: 'c1', durationMinutes: 60, definition: cls })]);
      await f.settle();
      const slots = await f.readSide.availability.availableSlots({ providerId: h.providerId, serviceId: h.serviceId, from: new Date(TUE_10), to: new Date(TUE_10 + 2 * HOUR), now: new Date(NOW) });
      expect(slots.map((s) => s.seatsLeft)).toEqual([2, 3]);
    });

    it('refuses what it cannot answer with the stable error codes', async () => {
      const h = history();
      await f.append(h.providerId, [...h.open(), { type: 'ServiceRetired', data: { providerId: h.providerId, serviceId: h.serviceId } }, h.offered({ serviceId: h.id('other') })]);
      await f.settle();
      const ask = (o: Partial<{ providerId: string; serviceId: string; from: number; to: number }>) =>
        f.readSide.availability.availableSlots({
          providerId: o.providerId ?? h.providerId,
          serviceId: o.serviceId ?? h.id('other'),
          from: new Date(o.from ?? TUE_10),
          to: new Date(o.to ?? TUE_10 + DAY),
          now: new Date(NOW),
        });
      const failure = async (p: Promise<unknown>) => {
        const err = await p.then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(DomainError);
        const e = err as DomainError;
        return { code: e.code, field: e.details.field };
      };
      expect(await failure(ask({ providerId: 'nobody' }))).toEqual({ code: 'NOT_FOUND', field: undefined });
      expect(await failure(ask({ serviceId: 'nothing' }))).toEqual({ code: 'NOT_FOUND', field: undefined });
      expect(await failure(ask({ serviceId: h.serviceId }))).toEqual({ code: 'VALIDATION_FAILED', field: 'serviceId' });
      expect(await failure(ask({ to: TUE_10 }))).toEqual({ code: 'VALIDATION_FAILED', field: 'to' });
      expect(await failure(ask({ to: TUE_10 + 63 * DAY }))).toEqual({ code: 'VALIDATION_FAILED', field: 'to' });
      expect(await ask({ to: TUE_10 + 62 * DAY })).toEqual(expect.any(Array));
    });
  });
}
