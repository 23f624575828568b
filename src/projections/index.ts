/** The read side's public surface: the factory, and the shapes its queries answer with. */
export { createReadSide, type ReadSide, type ReadSideOptions } from './read-side';
export type { ReadModelChange, AvailabilityChange, AppointmentChange, ResetChange } from './changes/change';
export { availabilityChangeAffects } from './changes/change';
export { CHANGES_CHANNEL, type ChangeListener } from './changes/change-feed';
export type { AvailableSlot, AvailableSlotsQuery, AvailabilityService } from './availability/availability';
export { MAX_WINDOW_DAYS } from './availability/availability';
export type { AuditEntry, AuditService } from './audit/audit';
export type { DailyStatsView, ProviderAnalyticsView } from './analytics/analytics.query';
export type { AppointmentSearch, ProviderSearch, ReadQueries } from './queries/read-queries';
export type { AppointmentView, Connection, Edge, Money, ProviderView, ScheduleOverrideView, ServiceView } from './queries/views';
export type { EngineOptions } from './engine/engine';
export type { RebuildReport } from './engine/rebuild';
export { SCHEDULE_PROJECTION } from './schedule/schedule.projection';
export { ANALYTICS_PROJECTION } from './analytics/analytics.projection';
