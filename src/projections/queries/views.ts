/**
 * What the read side answers with: plain objects, separate from the stored rows (instants as `Date`,
 * calendar dates as `YYYY-MM-DD`, money as minor units plus ISO currency). The GraphQL layer maps
 * these onto its types; field names follow API.graphql wherever the API has the field.
 */
import type { Selectable } from 'kysely';
import type { ActorRole, AppointmentStatus } from '../../domain/provider/events';
import type { Money } from '../../domain/provider/money';
import type { ServiceDefinition } from '../../domain/provider/service-definition';
import type { LocalWindow, WeeklyHours } from '../../domain/schedule/types';
import type { AppointmentState } from '../../domain/provider';
import type { RmAppointmentsTable, RmProvidersTable, RmServicesTable } from '../../db/schema';

export type { Money };

export interface ProviderView {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly kind: string | null;
  readonly bio: string | null;
  readonly timeZone: string;
  readonly weeklyHours: readonly WeeklyHours[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Revision of the provider stream's newest event reflected here (an ETag for clients). */
  readonly revision: number;
}

/** A service as offered: its definition (as in the events) plus where it belongs and whether it is still offered. */
export interface ServiceView extends ServiceDefinition {
  readonly id: string;
  readonly providerId: string;
  readonly active: boolean;
}

export interface ScheduleOverrideView {
  readonly id: string;
  readonly providerId: string;
  readonly date: string;
  readonly blocked: boolean;
  readonly windows: readonly LocalWindow[];
  readonly reason: string | null;
}

export interface AppointmentView {
  readonly id: string;
  readonly providerId: string;
  /** The provider's owner (who may confirm, complete, ...). */
  readonly ownerId: string;
  readonly serviceId: string;
  readonly customerId: string;
  readonly start: Date;
  readonly end: Date;
  readonly status: AppointmentStatus;
  readonly notes: string | null;
  /** When it was booked. */
  readonly createdAt: Date;
  readonly cancelledAt: Date | null;
  readonly cancelledBy: string | null;
  readonly cancelledByRole: ActorRole | null;
  readonly cancellationReason: string | null;
  readonly lateCancellation: boolean;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly capacity: number;
  readonly cancellationWindowHours: number;
  /** Price at booking time. */
  readonly price: Money | null;
}

export interface Edge<T> {
  readonly node: T;
  readonly cursor: string;
}

export interface Connection<T> {
  readonly edges: ReadonlyArray<Edge<T>>;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

const moneyOf = (amount: string | number | null, currency: string | null): Money | null =>
  amount === null || currency === null ? null : { amountMinor: Number(amount), currency };

export const providerView = (r: Selectable<RmProvidersTable>): ProviderView => ({
  id: r.id,
  ownerId: r.owner_id,
  name: r.name,
  kind: r.kind,
  bio: r.bio,
  timeZone: r.time_zone,
  weeklyHours: r.weekly_hours,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: Number(r.revision),
});

export const serviceView = (r: Selectable<RmServicesTable>): ServiceView => ({ id: r.id, providerId: r.provider_id, ...r.definition, active: r.active });

export const appointmentView = (r: Selectable<RmAppointmentsTable>): AppointmentView => ({
  id: r.id,
  providerId: r.provider_id,
  ownerId: r.owner_id,
  serviceId: r.service_id,
  customerId: r.customer_id,
  start: r.start_at,
  end: r.end_at,
  status: r.status,
  notes: r.notes,
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
  cancelledBy: r.cancelled_by,
  cancelledByRole: r.cancelled_by_role,
  cancellationReason: r.cancellation_reason,
  lateCancellation: r.late_cancellation,
  bufferBeforeMinutes: r.buffer_before_minutes,
  bufferAfterMinutes: r.buffer_after_minutes,
  capacity: r.capacity,
  cancellationWindowHours: r.cancellation_window_hours,
  price: moneyOf(r.price_amount_minor, r.price_currency),
});

/** An appointment of the write side's state (a command's result, or a replay as of an instant). */
export const appointmentViewOfState = (providerId: string, ownerId: string, a: AppointmentState): AppointmentView => ({
  id: a.id,
  providerId,
  ownerId,
  serviceId: a.serviceId,
  customerId: a.customerId,
  start: new Date(a.start),
  end: new Date(a.end),
  status: a.status,
  notes: a.notes,
  createdAt: new Date(a.bookedAt),
  cancelledAt: a.cancelledAt === null ? null : new Date(a.cancelledAt),
  cancelledBy: a.cancelledBy,
  cancelledByRole: a.cancelledByRole,
  cancellationReason: a.cancellationReason,
  lateCancellation: a.lateCancellation,
  bufferBeforeMinutes: a.bufferBeforeMinutes,
  bufferAfterMinutes: a.bufferAfterMinutes,
  capacity: a.capacity,
  cancellationWindowHours: a.cancellationWindowHours,
  price: a.price,
});
