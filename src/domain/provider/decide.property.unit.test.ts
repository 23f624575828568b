/**
 * Property: whatever customers do — book, cancel, reschedule, in any order, with colliding
 * idempotency keys — the live appointments never overlap beyond capacity (seats are shared only by
 * bookings of one service at one start), and every accepted time lies inside working hours.
 */
import fc from 'fast-check';
import type { ProviderEvent } from './events';
import { isDomainError } from '../errors';
import { workingIntervals } from '../schedule/slot-engine';
import type { ActorRole } from './events';
import type { DeciderContext, ProviderCommand } from './commands';
import { decide } from './decide';
import { DAY, MINUTE, NOW, OWNER_ID, registered, serviceOffered, workweek } from './provider-fixtures';
import { evolve, evolveAll, scheduleOf, type AppointmentState, type ProviderState, type RegisteredProviderState } from './state';

const SERVICES = {
  one: { durationMinutes: 30, slotIntervalMinutes: 15, bufferBeforeMinutes: 5, bufferAfterMinutes: 10, capacity: 1 },
  class: { durationMinutes: 60, slotIntervalMinutes: 30, capacity: 3 },
} as const;
type ServiceKey = keyof typeof SERVICES;

const history: ProviderEvent[] = [
  registered(),
  workweek(),
  serviceOffered('one', SERVICES.one),
  serviceOffered('class', SERVICES.class),
];

/**
 * Candidate starts every 15 minutes from 08:00 to 13:45 on Tuesday, Wednesday and Saturday: a narrow
 * range, so bookings collide often, with some starts before opening, off the grid or on a closed day.
 */
const startArb = fc
  .record({ day: fc.constantFrom(1, 2, 5), quarter: fc.integer({ min: 0, max: 23 }) })
  .map(({ day, quarter }) => NOW + day * DAY + quarter * 15 * MINUTE);

type Step =
  | { kind: 'book'; customer: number; service: ServiceKey; start: number; key: number }
  | { kind: 'cancel'; target: number; by: 'customer' | 'owner' | 'other' }
  | { kind: 'reschedule'; target: number; by: 'customer' | 'owner' | 'other'; start: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('book' as const),
      customer: fc.integer({ min: 1, max: 6 }),
      service: fc.constantFrom<ServiceKey>('one', 'class'),
      start: startArb,
      key: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      target: fc.nat(),
      by: fc.constantFrom('customer' as const, 'owner' as const, 'other' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reschedule' as const),
      target: fc.nat(),
      by: fc.constantFrom('customer' as const, 'owner' as const, 'other' as const),
      start: startArb,
    }),
  },
);

const context = (id: string, role: ActorRole): DeciderContext => ({ now: NOW, actor: { id, role } });

function actorFor(by: 'customer' | 'owner' | 'other', appointment: AppointmentState): DeciderContext {
  if (by === 'owner') return context(OWNER_ID, 'PROVIDER');
  if (by === 'other') return context('intruder', 'CUSTOMER');
  return context(appointment.customerId, 'CUSTOMER');
}

function toCommand(step: Step, state: RegisteredProviderState, n: number): [ProviderCommand, DeciderContext] | null {
  if (step.kind === 'book') {
    return [
      { type: 'BookAppointment', data: { appointmentId: `a${n}`, serviceId: step.service, start: step.start, idempotencyKey: `k${step.key}` } },
      context(`c${step.customer}`, 'CUSTOMER'),
    ];
  }
  const ids = state.appointments.keys().sort();
  const id = ids[step.target % Math.max(ids.length, 1)];
  const appointment = id === undefined ? undefined : state.appointments.get(id);
  if (appointment === undefined) return null;
  const ctx = actorFor(step.by, appointment);
  return step.kind === 'cancel'
    ? [{ type: 'CancelAppointment', data: { appointmentId: appointment.id } }, ctx]
    : [{ type: 'RescheduleAppointment', data: { appointmentId: appointment.id, newStart: step.start } }, ctx];
}

const occupied = (a: AppointmentState): [number, number] => [a.start - a.bufferBeforeMinutes * MINUTE, a.end + a.bufferAfterMinutes * MINUTE];

function assertNoOverbooking(state: RegisteredProviderState): void {
  const live = state.live.values();
  for (const a of live) {
    const [as, ae] = occupied(a);
    const session = live.filter((b) => b.serviceId === a.serviceId && b.start === a.start);
    expect(session.length).toBeLessThanOrEqual(a.capacity);
    for (const b of live) {
      if (b.id === a.id || (b.serviceId === a.serviceId && b.start === a.start)) continue;
      const [bs, be] = occupied(b);
      if (as < be && bs < ae) throw new RangeError(`overlap: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
}

function assertInsideWorkingTime(state: RegisteredProviderState, start: number, end: number): void {
  const intervals = workingIntervals(scheduleOf(state), { start: start - DAY, end: end + DAY });
  expect(intervals.some((i) => i.start <= start && end <= i.end)).toBe(true);
}

describe('decide + evolve under random booking traffic', () => {
  it('never overbooks and never books outside working time', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 10, maxLength: 40, size: 'max' }), (steps) => {
        let state: ProviderState = evolveAll(history);
        steps.forEach((step, n) => {
          if (state.status !== 'Registered') throw new TypeError('provider must be registered');
          const command = toCommand(step, state, n);
          if (command === null) return;
          let events: ProviderEvent[];
          try {
            events = decide(command[0], state, command[1]);
          } catch (error) {
            if (!isDomainError(error)) throw error;
            return;
          }
          for (const event of events) {
            state = evolve(state, event);
            if (state.status !== 'Registered') throw new TypeError('provider must stay registered');
            if (event.type === 'AppointmentBooked' || event.type === 'AppointmentRescheduled') {
              assertInsideWorkingTime(state, Date.parse(event.data.start), Date.parse(event.data.end));
            }
          }
          assertNoOverbooking(state);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('fills a class to capacity and refuses the next seat', () => {
    // A deterministic companion to the property: three customers fill the class at one start, a fourth is refused.
    let state: ProviderState = evolveAll(history);
    const tue10 = NOW + DAY + 2 * 60 * MINUTE;
    const outcomes = ['c1', 'c2', 'c3', 'c4'].map((customerId, i) => {
      try {
        const events = decide(
          { type: 'BookAppointment', data: { appointmentId: `x${i}`, serviceId: 'class', start: tue10, idempotencyKey: 'k' } },
          state,
          context(customerId, 'CUSTOMER'),
        );
        state = evolveAll(events, state);
        return 'booked';
      } catch (error) {
        return isDomainError(error) ? error.code : 'crash';
      }
    });
    expect(outcomes).toEqual(['booked', 'booked', 'booked', 'SLOT_TAKEN']);
  });
});
