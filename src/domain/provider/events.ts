/**
 * The events of a provider stream: profile, services, hours, overrides and every appointment of one
 * provider. They are the domain's facts, so their types live with the decider that writes them and
 * `evolve` that folds them; how they are named, versioned and stored is src/events/provider-events.ts.
 *
 * Instants in event data are ISO-8601 UTC strings (`...Z`): events are stored as JSON and read by
 * auditors, so they must be self-explanatory without knowing our in-memory representation.
 */
import type { LocalWindow, WeeklyHours } from '../schedule/types';
import type { Money } from './money';
import type { ServiceDefinition } from './service-definition';

export type AppointmentStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'COMPLETED' | 'NO_SHOW';
export type ActorRole = 'CUSTOMER' | 'PROVIDER' | 'ADMIN' | 'AUDITOR' | 'SYSTEM';

interface Ev<T extends string, D> {
  readonly type: T;
  readonly data: D;
}

export type ProviderRegistered = Ev<'ProviderRegistered', {
  providerId: string;
  ownerId: string;
  name: string;
  kind: string | null;
  bio: string | null;
  timeZone: string;
}>;
export type ProviderProfileUpdated = Ev<'ProviderProfileUpdated', {
  providerId: string;
  name: string;
  kind: string | null;
  bio: string | null;
  timeZone: string;
}>;
export type ServiceOffered = Ev<'ServiceOffered', { providerId: string; serviceId: string } & ServiceDefinition>;
export type ServiceUpdated = Ev<'ServiceUpdated', { providerId: string; serviceId: string } & ServiceDefinition>;
export type ServiceRetired = Ev<'ServiceRetired', { providerId: string; serviceId: string }>;
export type WeeklyHoursSet = Ev<'WeeklyHoursSet', { providerId: string; hours: WeeklyHours[] }>;
export type ScheduleOverrideAdded = Ev<'ScheduleOverrideAdded', {
  providerId: string;
  overrideId: string;
  date: string;
  blocked: boolean;
  windows: LocalWindow[];
  reason: string | null;
}>;
export type ScheduleOverrideRemoved = Ev<'ScheduleOverrideRemoved', { providerId: string; overrideId: string }>;
export type AppointmentBooked = Ev<'AppointmentBooked', {
  providerId: string;
  appointmentId: string;
  serviceId: string;
  customerId: string;
  start: string;
  end: string;
  /** Copied from the service at booking time, so later service edits do not move existing buffers. */
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  capacity: number;
  cancellationWindowHours: number;
  price: Money | null;
  status: 'PENDING' | 'CONFIRMED';
  notes: string | null;
  idempotencyKey: string;
  bookedAt: string;
}>;
export type AppointmentConfirmed = Ev<'AppointmentConfirmed', { providerId: string; appointmentId: string; confirmedAt: string }>;
export type AppointmentCancelled = Ev<'AppointmentCancelled', {
  providerId: string;
  appointmentId: string;
  cancelledBy: string;
  cancelledByRole: ActorRole;
  reason: string | null;
  /** True when cancelled inside the service's cancellation window before the start. */
  late: boolean;
  cancelledAt: string;
}>;
export type AppointmentRescheduled = Ev<'AppointmentRescheduled', {
  providerId: string;
  appointmentId: string;
  previousStart: string;
  previousEnd: string;
  start: string;
  end: string;
  rescheduledBy: string;
  rescheduledAt: string;
}>;
export type AppointmentCompleted = Ev<'AppointmentCompleted', { providerId: string; appointmentId: string; completedAt: string }>;
export type AppointmentMarkedNoShow = Ev<'AppointmentMarkedNoShow', { providerId: string; appointmentId: string; markedAt: string }>;

export type ProviderEvent =
  | ProviderRegistered
  | ProviderProfileUpdated
  | ServiceOffered
  | ServiceUpdated
  | ServiceRetired
  | WeeklyHoursSet
  | ScheduleOverrideAdded
  | ScheduleOverrideRemoved
  | AppointmentBooked
  | AppointmentConfirmed
  | AppointmentCancelled
  | AppointmentRescheduled
  | AppointmentCompleted
  | AppointmentMarkedNoShow;

export type ProviderEventType = ProviderEvent['type'];
