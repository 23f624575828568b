/**
 * Event builders for read-side specs, on top of the decider's fixtures (whose defaults match what the
 * decider emits). Every spec gets fresh ids, so specs sharing one database never collide: appointment,
 * service and override ids are unique across providers in the read model, as the server makes them.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../domain/provider/events';
import type { ServiceDefinition } from '../domain/provider/service-definition';
import {
  type BookedOptions,
  DAY,
  HOUR,
  MINUTE,
  NOW,
  TUE_10,
  booked,
  definition,
  iso,
} from '../domain/provider/provider-fixtures';
import type { WeeklyHours } from '../domain/schedule/types';

export { DAY, HOUR, MINUTE, NOW, TUE_10, iso };

export interface History {
  readonly providerId: string;
  readonly ownerId: string;
  readonly serviceId: string;
  id(name: string): string;
  registered(o?: { timeZone?: string; name?: string }): ProviderEvent;
  offered(o?: Partial<ServiceDefinition> & { serviceId?: string }): ProviderEvent;
  workweek(windows?: WeeklyHours['windows']): ProviderEvent;
  /** Registered in `timeZone`, one 30-minute service, Monday–Friday 09:00–17:00. */
  open(o?: { timeZone?: string; service?: Partial<ServiceDefinition> }): ProviderEvent[];
  booked(name: string, o?: Omit<BookedOptions, 'appointmentId'>): ProviderEvent;
  confirmed(name: string, when?: number): ProviderEvent;
  cancelled(name: string, o?: { when?: number; late?: boolean; reason?: string | null }): ProviderEvent;
  rescheduled(name: string, from: number, to: number, durationMinutes?: number): ProviderEvent;
  completed(name: string, when?: number): ProviderEvent;
  noShow(name: string, when?: number): ProviderEvent;
}

export function history(): History {
  const tag = randomUUID().slice(0, 8);
  const providerId = randomUUID();
  const ownerId = `owner-${tag}`;
  const serviceId = `svc-${tag}`;
  const id = (name: string): string => `${name}-${tag}`;
  const base = { providerId };
  return {
    providerId,
    ownerId,
    serviceId,
    id,
    registered: (o = {}) => ({
      type: 'ProviderRegistered',
      data: { providerId, ownerId, name: o.name ?? `Dr. ${tag}`, kind: 'DOCTOR', bio: null, timeZone: o.timeZone ?? 'UTC' },
    }),
    offered: (o = {}) => {
      const { serviceId: sid, ...rest } = o;
      return { type: 'ServiceOffered', data: { ...base, serviceId: sid ?? serviceId, ...definition(rest) } };
    },
    workweek: (windows = [{ start: '09:00', end: '17:00' }]) => ({
      type: 'WeeklyHoursSet',
      data: { ...base, hours: (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({ weekday, windows })) },
    }),
    open(o = {}) {
      return [this.registered(o.timeZone === undefined ? {} : { timeZone: o.timeZone }), this.offered(o.service ?? {}), this.workweek()];
    },
    booked: (name, o = {}) => {
      const e = booked({ serviceId, ...o, appointmentId: id(name) });
      return { type: e.type, data: { ...e.data, providerId } };
    },
    confirmed: (name, when = NOW) => ({ type: 'AppointmentConfirmed', data: { ...base, appointmentId: id(name), confirmedAt: iso(when) } }),
    cancelled: (name, o = {}) => ({
      type: 'AppointmentCancelled',
      data: { ...base, appointmentId: id(name), cancelledBy: 'cust-1', cancelledByRole: 'CUSTOMER', reason: o.reason ?? null, late: o.late ?? false, cancelledAt: iso(o.when ?? NOW) },
    }),
    rescheduled: (name, from, to, durationMinutes = 30) => ({
      type: 'AppointmentRescheduled',
      data: {
        ...base,
        appointmentId: id(name),
        previousStart: iso(from),
        previousEnd: iso(from + durationMinutes * MINUTE),
        start: iso(to),
        end: iso(to + durationMinutes * MINUTE),
        rescheduledBy: 'cust-1',
        rescheduledAt: iso(NOW),
      },
    }),
    completed: (name, when = TUE_10 + HOUR) => ({ type: 'AppointmentCompleted', data: { ...base, appointmentId: id(name), completedAt: iso(when) } }),
    noShow: (name, when = TUE_10 + HOUR) => ({ type: 'AppointmentMarkedNoShow', data: { ...base, appointmentId: id(name), markedAt: iso(when) } }),
  };
}

/**
 * Histories the decider would never write: events before registration, re-bookings of one id, status
 * changes after the end, foreign ids, a change of zone (`odd`: no step of it is refused by the busy
 * list's guards), and steps the guards refuse (`breaching`: five refusals when applied event by event,
 * some of which a later event of the same batch would make acceptable).
 */
export function oddHistories(): { a: History; b: History; odd: Array<[string, ProviderEvent[]]>; breaching: ProviderEvent[] } {
  const a = history();
  const b = history();
  const cls = { capacity: 3, durationMinutes: 60, slotIntervalMinutes: 60 };
  const klass = `${a.serviceId}-class`;
  const seat = (name: string, customerId: string, capacity: number) =>
    a.booked(name, { serviceId: klass, start: TUE_10 + 24 * HOUR, durationMinutes: 60, customerId, definition: { ...cls, capacity } });
  const odd: Array<[string, ProviderEvent[]]> = [
    [a.providerId, [a.booked('early', { start: TUE_10 - 2 * HOUR }), ...a.open({ timeZone: 'Europe/Berlin' }), a.registered({ name: 'again' })]],
    [
      a.providerId,
      [
        a.booked('x', { start: TUE_10 }),
        a.cancelled('x'),
        a.booked('z', { start: TUE_10 + 15 * MINUTE, customerId: 'c2' }),
        a.rescheduled('z', TUE_10 + 15 * MINUTE, TUE_10 + 90 * MINUTE),
        // Back from the dead, moved, re-booked under the same id, completed then confirmed again.
        a.confirmed('x'),
        a.rescheduled('x', TUE_10, TUE_10 + 3 * HOUR),
        a.booked('y', { start: TUE_10 + 5 * HOUR }),
        a.booked('y', { start: TUE_10 + 6 * HOUR }),
        a.completed('y'),
        a.confirmed('y'),
        a.noShow('missing'),
        a.offered({ serviceId: klass, ...cls }),
        seat('s1', 'c1', 2),
        seat('s2', 'c2', 3),
        seat('s3', 'c3', 3),
        a.rescheduled('s2', TUE_10 + 24 * HOUR, TUE_10 + 26 * HOUR, 60),
        { type: 'ScheduleOverrideAdded', data: { providerId: a.providerId, overrideId: a.id('ov'), date: '2027-03-03', blocked: true, windows: [], reason: 'one' } },
        { type: 'ScheduleOverrideRemoved', data: { providerId: a.providerId, overrideId: a.id('ov') } },
        { type: 'ScheduleOverrideAdded', data: { providerId: a.providerId, overrideId: a.id('ov'), date: '2027-03-04', blocked: false, windows: [{ start: '18:00', end: '19:00' }], reason: null } },
        // A new zone re-dates the analytics facts; bookings after it use it.
        { type: 'ProviderProfileUpdated', data: { providerId: a.providerId, name: 'Dr. Moved', kind: null, bio: null, timeZone: 'Pacific/Kiritimati' } },
        a.booked('after-move', { start: TUE_10 + 8 * HOUR, customerId: 'c4' }),
        a.rescheduled('after-move', TUE_10 + 8 * HOUR, TUE_10 + 9 * HOUR + 30 * MINUTE),
        { type: 'ServiceRetired', data: { providerId: a.providerId, serviceId: a.serviceId } },
        a.offered({ name: 'Offered again', durationMinutes: 45 }),
      ],
    ],
    // Another provider using a's ids: its events must not touch a's rows.
    [b.providerId, [...b.open(), b.offered({ serviceId: a.serviceId, name: 'Foreign' }), { ...a.booked('x'), data: { ...(a.booked('x').data as object), providerId: b.providerId } } as ProviderEvent, { type: 'ScheduleOverrideRemoved', data: { providerId: b.providerId, overrideId: a.id('ov') } }, a.cancelled('y')]],
  ];
  const breaching: ProviderEvent[] = [
    a.booked('p', { start: TUE_10 + 48 * HOUR }),
    // Overlaps p at its step (an overlap breach), although p is cancelled right after.
    a.booked('q', { start: TUE_10 + 48 * HOUR + 15 * MINUTE, customerId: 'c2' }),
    a.cancelled('p'),
    // q never made it into the busy list: r takes its time; p comes back over r (a breach).
    a.booked('r', { start: TUE_10 + 48 * HOUR + 15 * MINUTE, customerId: 'c3' }),
    a.confirmed('p'),
    // Re-booking the first seat with its smaller capacity: with a third seat taken, its session is full for it.
    seat('s4', 'c4', 3),
    seat('s1', 'c1', 2),
    // A start PostgreSQL cannot store: refused, recorded by both projections.
    { ...a.booked('ancient'), data: { ...(a.booked('ancient').data as object), start: '-271000-01-01T00:00:00.000Z', end: '-271000-01-01T00:30:00.000Z' } } as ProviderEvent,
  ];
  return { a, b, odd, breaching };
}
