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
  indexLive,
  liveAppointmentsNear,
  type AppointmentState,
  type IdempotencyEntry,
  type LiveReach,
  type ProviderProfile,
  type ProviderState,
  type RegisteredProviderState,
  type ServiceState,
  type UnregisteredProviderState,
} from './state';
export { PersistentMap } from './persistent-map';
export {
  archivable,
  archivedTargets,
  archiveKnown,
  archiveLookups,
  fingerprint,
  fingerprintsOf,
  mayBeArchived,
  withArchived,
  withFingerprints,
  withKnownFingerprints,
  withoutArchived,
  UNREAD_ARCHIVE,
  type ArchiveIndex,
  type ArchiveKeyKind,
  type ArchiveLookups,
  type ArchivedAppointment,
} from './archive';
export { LIMITS } from './validation';
