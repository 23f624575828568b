/**
 * Event builders for read-side specs, on top of the decider's fixtures (whose defaults match what the
 * decider emits). Every spec gets fresh ids, so specs sharing one database never collide: appointment,
 * service and override ids are unique across providers in the read model, as the server makes them.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderEvent } from '../../domain/provider/events';
import type { ServiceDefinition } from '../../domain/provider/service-definition';
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
} from '../../domain/provider/provider-fixtures';
import type { WeeklyHours } from '../../domain/schedule/types';

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
