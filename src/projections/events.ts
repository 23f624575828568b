/**
 * Recorded provider events as the projections take them: upcast to the current schema version and
 * sanitised field by field. An event is a fact, so a projection never throws on one: a field of the
 * wrong type gets a safe default (clamped numbers, `null` text) and the event is still applied; only an
 * event that names nothing to apply to (no appointment id, no valid start) is skipped, with a warning.
 *
 * The write side only records events its decider produced, so in practice nothing here ever clamps;
 * this is the read side's promise that a hand-edited or future-version event cannot stall it.
 */
import type { RecordedEvent } from '../events/event-store';
import { PROVIDER_STREAM_PREFIX, upcastProviderEvent } from '../events/provider-events';
import type { ActorRole, ProviderEvent } from '../domain/provider/events';
import type { Money } from '../domain/provider/money';
import { SERVICE_FIELDS, SERVICE_FIELD_NAMES, type ServiceDefinition } from '../domain/provider/service-definition';
import { MAX_INSTANT_MS } from '../domain/instants';
import { isValidLocalDate } from '../domain/schedule/local-time';
import { WEEKDAYS, type LocalWindow, type WeeklyHours } from '../domain/schedule/types';
import type { Logger } from '../logger';

/** A provider event ready to project, with where it came from. */
export interface ProjectedEvent {
  readonly recorded: RecordedEvent;
  /** From the stream name (`provider-<id>`): the stream is the provider, whatever the payload says. */
  readonly providerId: string;
  readonly event: ProviderEvent;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const optionalText = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown, fallback = false): boolean => (typeof v === 'boolean' ? v : fallback);

/** An integer in [min, max]; anything else becomes `fallback`, out-of-range values are clamped. */
function int(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, Math.round(v)));
}

/** An ISO instant a Date holds (so it can be formatted; PostgreSQL refuses those it cannot store); null when unreadable. */
function instant(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  // What the write side records is already `toISOString`'s own form: nothing to parse and rewrite.
  if (isCanonicalInstant(v)) return v;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && Math.abs(ms) < MAX_INSTANT_MS ? new Date(ms).toISOString() : null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digits = (v: string, from: number, count: number): number => {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
};

/**
 * True when `new Date(Date.parse(v)).toISOString() === v`: `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real
 * date and time of the years 0000–9999 (Date.parse would roll 2027-02-30 over into March instead).
 */
function isCanonicalInstant(v: string): boolean {
  if (v.length !== 24 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58) return false;
  if (v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 46 || v.charCodeAt(23) !== 90) return false;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return false;
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && digits(v, 20, 3) >= 0;
}

function money(v: unknown): Money | null {
  if (!isObject(v) || typeof v.currency !== 'string') return null;
  return { amountMinor: int(v.amountMinor, 0, Number.MAX_SAFE_INTEGER, 0), currency: v.currency };
}

function windows(v: unknown): LocalWindow[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((w) => ({ start: text(w.start), end: text(w.end) }));
}

function weeklyHours(v: unknown): WeeklyHours[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter(isObject)
    .filter((h): h is Record<string, unknown> & { weekday: WeeklyHours['weekday'] } =>
      (WEEKDAYS as readonly unknown[]).includes(h.weekday),
    )
    .map((h) => ({ weekday: h.weekday, windows: windows(h.windows) }));
}

/**
 * A service definition field by field, whatever fields it has (service-definition.ts): a value its own
 * rule accepts is kept, anything else gets the field's default. Name and duration have none: text and
 * a clamped number instead.
 */
function definition(d: Record<string, unknown>): ServiceDefinition {
  const settled = { name: text(d.name), durationMinutes: int(d.durationMinutes, 0, 1_000_000, 0) };
  const out: Record<string, unknown> = { ...settled };
  for (const field of SERVICE_FIELD_NAMES) {
    if (field in settled) continue;
    const rule = SERVICE_FIELDS[field];
    try {
      out[field] = rule.valid(field, d[field]);
    } catch {
      out[field] = rule.fallback(settled);
    }
  }
  return out as unknown as ServiceDefinition;
}

const ROLES: readonly ActorRole[] = ['CUSTOMER', 'PROVIDER', 'ADMIN', 'AUDITOR', 'SYSTEM'];
const role = (v: unknown): ActorRole => (ROLES as readonly unknown[]).includes(v) ? (v as ActorRole) : 'SYSTEM';

/**
 * The event with every field the read side uses coerced to its declared type, or a reason to skip it.
 * `providerId` in payloads is replaced by the stream's provider id.
 */
function sanitize(event: ProviderEvent, providerId: string, created: string): ProviderEvent | string {
  const d = event.data as unknown as Record<string, unknown>;
  const appointmentId = text(d.appointmentId);
  switch (event.type) {
    case 'ProviderRegistered':
    case 'ProviderProfileUpdated': {
      const profile = { providerId, name: text(d.name), kind: optionalText(d.kind), bio: optionalText(d.bio), timeZone: text(d.timeZone, 'UTC') };
      return event.type === 'ProviderRegistered'
        ? { type: event.type, data: { ...profile, ownerId: text(d.ownerId) } }
        : { type: event.type, data: profile };
    }
    case 'ServiceOffered':
    case 'ServiceUpdated': {
      const serviceId = text(d.serviceId);
      if (serviceId === '') return 'no serviceId';
      return { type: event.type, data: { providerId, serviceId, ...definition(d) } };
    }
    case 'ServiceRetired': {
      const serviceId = text(d.serviceId);
      return serviceId === '' ? 'no serviceId' : { type: event.type, data: { providerId, serviceId } };
    }
    case 'WeeklyHoursSet':
      return { type: event.type, data: { providerId, hours: weeklyHours(d.hours) } };
    case 'ScheduleOverrideAdded': {
      const overrideId = text(d.overrideId);
      const date = text(d.date);
      if (overrideId === '') return 'no overrideId';
      if (!isValidLocalDate(date)) return `unreadable date ${JSON.stringify(d.date)}`;
      return { type: event.type, data: { providerId, overrideId, date, blocked: bool(d.blocked), windows: windows(d.windows), reason: optionalText(d.reason) } };
    }
    case 'ScheduleOverrideRemoved': {
      const overrideId = text(d.overrideId);
      return overrideId === '' ? 'no overrideId' : { type: event.type, data: { providerId, overrideId } };
    }
    case 'AppointmentBooked': {
      const start = instant(d.start);
      const rawEnd = instant(d.end);
      if (appointmentId === '') return 'no appointmentId';
      if (start === null) return `unreadable start ${JSON.stringify(d.start)}`;
      // An end before the start is clamped to the start: the appointment then occupies nothing.
      const end = rawEnd !== null && Date.parse(rawEnd) >= Date.parse(start) ? rawEnd : start;
      const status: 'PENDING' | 'CONFIRMED' = d.status === 'PENDING' ? 'PENDING' : 'CONFIRMED';
      return {
        type: event.type,
        data: {
          providerId,
          appointmentId,
          serviceId: text(d.serviceId),
          customerId: text(d.customerId),
          start,
          end,
          bufferBeforeMinutes: int(d.bufferBeforeMinutes, 0, 1_000_000, 0),
          bufferAfterMinutes: int(d.bufferAfterMinutes, 0, 1_000_000, 0),
          capacity: int(d.capacity, 1, 1_000_000, 1),
          cancellationWindowHours: int(d.cancellationWindowHours, 0, 1_000_000, 0),
          price: money(d.price),
          status,
          notes: optionalText(d.notes),
          idempotencyKey: text(d.idempotencyKey),
          bookedAt: instant(d.bookedAt) ?? created,
        },
      };
    }
    case 'AppointmentConfirmed':
      if (appointmentId === '') return 'no appointmentId';
      return { type: event.type, data: { providerId, appointmentId, confirmedAt: instant(d.confirmedAt) ?? created } };
    case 'AppointmentCancelled':
      if (appointmentId === '') return 'no appointmentId';
      return {
        type: event.type,
        data: {
          providerId,
          appointmentId,
          cancelledBy: text(d.cancelledBy),
          cancelledByRole: role(d.cancelledByRole),
          reason: optionalText(d.reason),
          late: bool(d.late),
          cancelledAt: instant(d.cancelledAt) ?? created,
        },
      };
    case 'AppointmentRescheduled': {
      const start = instant(d.start);
      const rawEnd = instant(d.end);
      if (appointmentId === '') return 'no appointmentId';
      if (start === null) return `unreadable start ${JSON.stringify(d.start)}`;
      const end = rawEnd !== null && Date.parse(rawEnd) >= Date.parse(start) ? rawEnd : start;
      return {
        type: event.type,
        data: {
          providerId,
          appointmentId,
          previousStart: text(d.previousStart),
          previousEnd: text(d.previousEnd),
          start,
          end,
          rescheduledBy: text(d.rescheduledBy),
          rescheduledAt: instant(d.rescheduledAt) ?? created,
        },
      };
    }
    case 'AppointmentCompleted':
      if (appointmentId === '') return 'no appointmentId';
      return { type: event.type, data: { providerId, appointmentId, completedAt: instant(d.completedAt) ?? created } };
    case 'AppointmentMarkedNoShow':
      if (appointmentId === '') return 'no appointmentId';
      return { type: event.type, data: { providerId, appointmentId, markedAt: instant(d.markedAt) ?? created } };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Schema version from the metadata the command handler writes; version 1 when absent. */
export function schemaVersionOf(recorded: RecordedEvent): number {
  const v = recorded.metadata.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 1;
}

/** The provider event in a recorded event, as the write side's `evolve` would read it (upcast only). */
export function providerEventOf(recorded: RecordedEvent): ProviderEvent | null {
  if (!isObject(recorded.data)) return null;
  return upcastProviderEvent(recorded.type, recorded.data, schemaVersionOf(recorded));
}

/** Null (logged) for an event of another stream or type, or one with nothing to apply. */
export function decodeForProjection(recorded: RecordedEvent, logger: Logger): ProjectedEvent | null {
  if (!recorded.streamName.startsWith(PROVIDER_STREAM_PREFIX)) return null;
  const providerId = recorded.streamName.slice(PROVIDER_STREAM_PREFIX.length);
  const upcast = providerEventOf(recorded);
  const where = { stream: recorded.streamName, revision: recorded.revision, type: recorded.type };
  if (upcast === null) {
    logger.warn(where, 'unknown or unreadable event in a provider stream: not projected');
    return null;
  }
  const sanitized = sanitize(upcast, providerId, recorded.created.toISOString());
  if (typeof sanitized === 'string') {
    logger.warn({ ...where, reason: sanitized }, 'provider event with nothing to project: skipped');
    return null;
  }
  return { recorded, providerId, event: sanitized };
}
