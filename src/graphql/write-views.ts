/**
 * Views of the write side's state after a command, shaped like the read side's views
 * (src/projections/queries/views.ts). A mutation answers from the state its own command produced —
 * exact and immediate — while queries and nested fields read the read models.
 */
import type { AppointmentState, RegisteredProviderState, ServiceState } from '../domain/provider';
import type { ScheduleOverride } from '../domain/schedule/types';
import { type AppointmentView, type ProviderView, type ScheduleOverrideView, type ServiceView, appointmentViewOfState } from '../projections/queries/views';

export function providerViewOf(state: RegisteredProviderState, revision: number): ProviderView {
  return {
    id: state.providerId,
    ownerId: state.ownerId,
    name: state.profile.name,
    kind: state.profile.kind,
    bio: state.profile.bio,
    timeZone: state.profile.timeZone,
    weeklyHours: state.weeklyHours,
    // The write side does not track these instants; the read model does. Mutations never expose them.
    createdAt: new Date(0),
    updatedAt: new Date(0),
    revision,
  };
}

export const serviceViewOf = (providerId: string, s: ServiceState): ServiceView => ({ id: s.id, providerId, ...s.definition, active: s.active });

export const overrideViewOf = (providerId: string, o: ScheduleOverride): ScheduleOverrideView => ({
  id: o.id,
  providerId,
  date: o.date,
  blocked: o.blocked,
  windows: o.windows,
  reason: o.reason,
});

export const appointmentViewOf = (state: RegisteredProviderState, a: AppointmentState): AppointmentView =>
  appointmentViewOfState(state.providerId, state.ownerId, a);
