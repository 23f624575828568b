/**
 * How provider events are stored: the stream name (`provider-<uuid>`), the schema version of each
 * event type, and `upcastProviderEvent`, which lifts older stored versions to the current one. The
 * event types themselves are the domain's (src/domain/provider/events.ts). Profile, services, hours,
 * overrides and every appointment of one provider live in one stream, so one expected-revision check
 * covers every overlap.
 */
import type { ProviderEvent, ProviderEventType } from '../domain/provider/events';

/** Current schema version of each event type. Bump it and add an upcaster when a payload changes. */
export const PROVIDER_EVENT_SCHEMA_VERSIONS: Readonly<Record<ProviderEventType, number>> = {
  ProviderRegistered: 1,
  ProviderProfileUpdated: 1,
  ServiceOffered: 1,
  ServiceUpdated: 1,
  ServiceRetired: 1,
  WeeklyHoursSet: 1,
  ScheduleOverrideAdded: 1,
  ScheduleOverrideRemoved: 1,
  AppointmentBooked: 1,
  AppointmentConfirmed: 1,
  AppointmentCancelled: 1,
  AppointmentRescheduled: 1,
  AppointmentCompleted: 1,
  AppointmentMarkedNoShow: 1,
};

export const isProviderEventType = (type: string): type is ProviderEventType =>
  Object.prototype.hasOwnProperty.call(PROVIDER_EVENT_SCHEMA_VERSIONS, type);

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upcasters per type, keyed by the version they lift *from*. Empty today: every type is at version 1.
 * Example of a future entry: `ServiceOffered: { 1: (d) => ({ ...d, virtual: d.virtual ?? false }) }`.
 */
const UPCASTERS: Partial<Record<ProviderEventType, Record<number, Upcaster>>> = {};

/** Lift a stored payload of `schemaVersion` to the current version of its type. */
export function upcastProviderEvent(type: string, data: unknown, schemaVersion: number): ProviderEvent | null {
  if (!isProviderEventType(type)) return null;
  let payload = data as Record<string, unknown>;
  const target = PROVIDER_EVENT_SCHEMA_VERSIONS[type];
  for (let v = schemaVersion; v < target; v++) {
    const up = UPCASTERS[type]?.[v];
    if (up) payload = up(payload);
  }
  return { type, data: payload } as unknown as ProviderEvent;
}

export const providerStreamName = (providerId: string): string => `provider-${providerId}`;
export const PROVIDER_STREAM_PREFIX = 'provider-';
