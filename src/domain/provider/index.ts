/** The provider decider's public surface, for the command handler and the read side. */
export * from './commands';
export * from './service-definition';
export { decide } from './decide';
export {
  evolve,
  evolveAll,
  initialState,
  findAppointmentByIdempotencyKey,
  liveAppointments,
  scheduleOf,
  toBusyAppointment,
  isLive,
  idempotencyIndexKey,
  type AppointmentState,
  type IdempotencyEntry,
  type ProviderProfile,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  type UnregisteredProviderState,
} from './state';
export { PersistentMap } from './persistent-map';
export { LiveAppointments } from './live-appointments';
export { subjectOf, entitiesCreatedBy, keysAddressedBy, appointmentsUpdatedBy, type AddressedKeys } from './addressing';
export { endedAppointments, withoutEnded, keysNotHeld, updatedNotHeld, withEndedRestored, type EndedAppointment } from './ended-appointments';
export { LIMITS } from './validation';
