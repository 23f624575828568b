/** The provider decider's public surface, for the command handler and the read side. */
export * from './commands';
export { decide } from './decide';
export {
  evolve,
  evolveAll,
  initialState,
  findAppointmentByIdempotencyKey,
  liveAppointments,
  scheduleOf,
  serviceRulesOf,
  toBusyAppointment,
  isLive,
  type AppointmentState,
  type IdempotencyEntry,
  type ProviderProfile,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  type UnregisteredProviderState,
} from './state';
export { PersistentMap } from './persistent-map';
export { LIMITS } from './validation';
