/**
 * Test fixtures: a provider in UTC working Monday–Friday 09:00–17:00, and event builders whose
 * defaults match what the decider emits, so tests state only what matters to them.
 * Test-only; nothing in production imports it.
 */
import type { AppointmentBooked, ProviderEvent, ServiceOffered } from './events';
import type { ServiceDefinition } from './service-definition';
import type { DeciderContext } from './commands';

export const PROVIDER_ID = 'prov-1';
export const OWNER_ID = 'owner-1';
export const SERVICE_ID = 'svc-30';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Monday 1 March 2027, 08:00 UTC: "now" in most tests. */
export const NOW = Date.parse('2027-03-01T08:00:00.000Z');
/** Tuesday 2 March 2027, 10:00 UTC: a free, on-grid start for the 30-minute service. */
export const TUE_10 = Date.parse('2027-03-02T10:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export const owner: DeciderContext = { now: NOW, actor: { id: OWNER_ID, role: 'PROVIDER' } };
export const admin: DeciderContext = { now: NOW, actor: { id: 'admin-1', role: 'ADMIN' } };
export const stranger: DeciderContext = { now: NOW, actor: { id: 'someone-else', role: 'PROVIDER' } };
export const customer = (id = 'cust-1', now = NOW): DeciderContext => ({ now, actor: { id, role: 'CUSTOMER' } });
export const at = (context: DeciderContext, now: number): DeciderContext => ({ ...context, now });

export const registered = (): ProviderEvent => ({
  type: 'ProviderRegistered',
  data: { providerId: PROVIDER_ID, ownerId: OWNER_ID, name: 'Dr. Who', kind: 'DOCTOR', bio: null, timeZone: 'UTC' },
});

export const definition = (overrides: Partial<ServiceDefinition> = {}): ServiceDefinition => ({
  name: 'Consultation',
  durationMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  slotIntervalMinutes: 30,
  minNoticeMinutes: 0,
  maxAdvanceDays: 90,
  cancellationWindowHours: 24,
  capacity: 1,
  requiresConfirmation: false,
  virtual: false,
  price: null,
  ...overrides,
});

export const serviceOffered = (serviceId = SERVICE_ID, overrides: Partial<ServiceDefinition> = {}): ServiceOffered => ({
  type: 'ServiceOffered',
  data: { providerId: PROVIDER_ID, serviceId, ...definition(overrides) },
});

export const workweek = (): ProviderEvent => ({
  type: 'WeeklyHoursSet',
  data: {
    providerId: PROVIDER_ID,
    hours: (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({
      weekday,
      windows: [{ start: '09:00', end: '17:00' }],
    })),
  },
});

/** Registered, one 30-minute service, working hours set. */
export const open = (): ProviderEvent[] => [registered(), serviceOffered(), workweek()];

export interface BookedOptions {
  appointmentId?: string;
  serviceId?: string;
  customerId?: string;
  start?: number;
  durationMinutes?: number;
  status?: 'PENDING' | 'CONFIRMED';
  idempotencyKey?: string;
  bookedAt?: number;
  definition?: Partial<ServiceDefinition>;
  notes?: string | null;
}

export const booked = (o: BookedOptions = {}): AppointmentBooked => {
  const def = definition(o.definition);
  const start = o.start ?? TUE_10;
  const appointmentId = o.appointmentId ?? 'appt-1';
  return {
    type: 'AppointmentBooked',
    data: {
      providerId: PROVIDER_ID,
      appointmentId,
      serviceId: o.serviceId ?? SERVICE_ID,
      customerId: o.customerId ?? 'cust-1',
      start: iso(start),
      end: iso(start + (o.durationMinutes ?? def.durationMinutes) * MINUTE),
      bufferBeforeMinutes: def.bufferBeforeMinutes,
      bufferAfterMinutes: def.bufferAfterMinutes,
      capacity: def.capacity,
      cancellationWindowHours: def.cancellationWindowHours,
      price: def.price,
      status: o.status ?? 'CONFIRMED',
      notes: o.notes ?? null,
      idempotencyKey: o.idempotencyKey ?? `key-${appointmentId}`,
      bookedAt: iso(o.bookedAt ?? NOW),
    },
  };
};

export const confirmed = (appointmentId = 'appt-1', when = NOW): ProviderEvent => ({
  type: 'AppointmentConfirmed',
  data: { providerId: PROVIDER_ID, appointmentId, confirmedAt: iso(when) },
});
export const cancelled = (appointmentId = 'appt-1', when = NOW): ProviderEvent => ({
  type: 'AppointmentCancelled',
  data: {
    providerId: PROVIDER_ID,
    appointmentId,
    cancelledBy: 'cust-1',
    cancelledByRole: 'CUSTOMER',
    reason: null,
    late: false,
    cancelledAt: iso(when),
  },
});
export const completed = (appointmentId = 'appt-1', when = TUE_10 + HOUR): ProviderEvent => ({
  type: 'AppointmentCompleted',
  data: { providerId: PROVIDER_ID, appointmentId, completedAt: iso(when) },
});
export const noShow = (appointmentId = 'appt-1', when = TUE_10 + HOUR): ProviderEvent => ({
  type: 'AppointmentMarkedNoShow',
  data: { providerId: PROVIDER_ID, appointmentId, markedAt: iso(when) },
});
