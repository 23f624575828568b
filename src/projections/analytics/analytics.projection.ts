/**
 * Projection "analytics": daily statistics per provider, service and local date.
 *
 * It keeps its own facts so it never depends on another projection's progress:
 * `rm_analytics_providers` (each provider's time zone) and `rm_analytics_appointments` (one row per
 * appointment: service, start, local date, minutes, status, late flag, price). `rm_daily_stats` is
 * the sum of those facts per (provider, service, local date): whenever a fact changes, its old
 * contribution leaves its old day and its new one joins its new day (`withFacts`), so the days always
 * equal the sum of the facts however the events are cut into batches, and folding an event again
 * changes nothing (the fact is already what the event says: it leaves and joins the same day).
 *
 * Definitions (all by the appointment's *current* start date in the provider's *current* time zone;
 * when the zone changes, the provider's facts are re-dated):
 * - booked: appointments starting that date, whatever their status now (a reschedule moves a booking,
 *   it is not a new one);
 * - cancelled / lateCancelled: of those, cancelled (late ones separately) — on the start date, not on
 *   the day the cancellation happened;
 * - noShows, completed: of those, with that status;
 * - bookedMinutes: duration of those not cancelled (each seat of a class counts its own minutes);
 * - revenue: prices of those not cancelled, per currency (booked revenue; payments are not modelled);
 *   a currency is listed while some such booking carries it (`revenue_bookings` counts them).
 * A day without bookings has no row.
 */
import type { AppointmentStatus } from '../../domain/provider/events';
import { type Projection, foldEach } from '../engine/projection';
import { type Row, type RowKey, type Working, keyOf } from '../engine/rows';
import { localDateOf } from './local-date';

export const ANALYTICS_PROJECTION = 'analytics';

type Fact = Row<'rm_analytics_appointments'>;
type Day = Row<'rm_daily_stats'>;

export const minutesBetween = (start: string, end: string): number => Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 60_000));

const STATUS_OF = {
  AppointmentConfirmed: 'CONFIRMED',
  AppointmentCompleted: 'COMPLETED',
  AppointmentMarkedNoShow: 'NO_SHOW',
  AppointmentCancelled: 'CANCELLED',
} as const satisfies Record<string, AppointmentStatus>;

export const foldAnalytics = foldEach((rows, e) => {
  const { event, providerId } = e;
  const zone = rows.get('rm_analytics_providers', providerId)?.time_zone ?? null;
  switch (event.type) {
    case 'ProviderRegistered':
      if (zone === null) rows.put('rm_analytics_providers', { provider_id: providerId, time_zone: event.data.timeZone });
      return;
    case 'ProviderProfileUpdated': {
      const next = event.data.timeZone;
      if (zone === null || zone === next) return;
      rows.put('rm_analytics_providers', { provider_id: providerId, time_zone: next });
      // Every fact of the provider moves to its local date in the new zone, and so do the days.
      for (const fact of rows.where('rm_analytics_appointments', 'provider_id', providerId)) {
        const date = localDateOf(Date.parse(fact.start_at), next);
        if (date !== fact.local_date) setFact(rows, fact, { ...fact, local_date: date });
      }
      return;
    }
    case 'AppointmentBooked': {
      const d = event.data;
      const before = rows.get('rm_analytics_appointments', d.appointmentId);
      if (zone === null || (before !== null && before.provider_id !== providerId)) return; // as evolve: nothing before registration
      setFact(rows, before, {
        appointment_id: d.appointmentId,
        provider_id: providerId,
        service_id: d.serviceId,
        start_at: d.start,
        local_date: localDateOf(Date.parse(d.start), zone),
        minutes: minutesBetween(d.start, d.end),
        status: d.status,
        late: false,
        price_amount_minor: d.price?.amountMinor ?? null,
        price_currency: d.price?.currency ?? null,
      });
      return;
    }
    case 'AppointmentConfirmed':
    case 'AppointmentCompleted':
    case 'AppointmentMarkedNoShow':
    case 'AppointmentCancelled': {
      const before = rows.get('rm_analytics_appointments', event.data.appointmentId);
      if (before === null || before.provider_id !== providerId) return;
      const late = event.type === 'AppointmentCancelled' ? event.data.late : before.late;
      setFact(rows, before, { ...before, status: STATUS_OF[event.type], late });
      return;
    }
    case 'AppointmentRescheduled': {
      const d = event.data;
      const before = rows.get('rm_analytics_appointments', d.appointmentId);
      if (zone === null || before === null || before.provider_id !== providerId) return;
      setFact(rows, before, { ...before, start_at: d.start, local_date: localDateOf(Date.parse(d.start), zone), minutes: minutesBetween(d.start, d.end) });
      return;
    }
    case 'ServiceOffered':
    case 'ServiceUpdated':
    case 'ServiceRetired':
    case 'WeeklyHoursSet':
    case 'ScheduleOverrideAdded':
    case 'ScheduleOverrideRemoved':
      // Open minutes are computed from the schedule read model when asked (see analytics.query.ts).
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
});

/** A fact changes: its old contribution leaves its old day, its new one joins its new day. */
function setFact(rows: Working, before: Fact | null, after: Fact): void {
  rows.put('rm_analytics_appointments', after);
  const into = dayKeyOf(after);
  if (before === null) return setDay(rows, into, null, after);
  const out = dayKeyOf(before);
  if (out === into) return setDay(rows, into, before, after);
  setDay(rows, out, before, null);
  setDay(rows, into, null, after);
}

const dayKeyOf = (fact: Fact): RowKey => keyOf('rm_daily_stats', { provider_id: fact.provider_id, date: fact.local_date, service_id: fact.service_id });

function setDay(rows: Working, key: RowKey, out: Fact | null, into: Fact | null): void {
  const fact = (into ?? out) as Fact;
  const day = withFacts(rows.get('rm_daily_stats', key) ?? emptyDay(fact), out, into);
  if (day.booked === 0) rows.remove('rm_daily_stats', key);
  else rows.put('rm_daily_stats', day);
}

const emptyDay = (fact: Fact): Day => ({
  provider_id: fact.provider_id,
  date: fact.local_date,
  service_id: fact.service_id,
  booked: 0,
  cancelled: 0,
  late_cancelled: 0,
  no_shows: 0,
  completed: 0,
  booked_minutes: 0,
  revenue: {},
  revenue_bookings: {},
});

/** A day's statistics with the fact `out` taken out and the fact `into` added: the definitions above, once. */
export function withFacts(day: Day, out: Fact | null, into: Fact | null): Day {
  const next = {
    ...day,
    booked_minutes: Number(day.booked_minutes),
    revenue: day.revenue,
    revenue_bookings: day.revenue_bookings,
  };
  const count = (fact: Fact, sign: 1 | -1): void => {
    const cancelled = fact.status === 'CANCELLED';
    next.booked += sign;
    if (cancelled) next.cancelled += sign;
    if (cancelled && fact.late) next.late_cancelled += sign;
    if (fact.status === 'NO_SHOW') next.no_shows += sign;
    if (fact.status === 'COMPLETED') next.completed += sign;
    const currency = fact.price_currency;
    if (cancelled) return;
    next.booked_minutes += sign * fact.minutes;
    if (currency === null) return;
    // Copied before the first change: rows are never changed in place.
    if (next.revenue === day.revenue) next.revenue = { ...day.revenue };
    if (next.revenue_bookings === day.revenue_bookings) next.revenue_bookings = { ...day.revenue_bookings };
    const bookings = (next.revenue_bookings[currency] ?? 0) + sign;
    if (bookings === 0) {
      delete next.revenue[currency];
      delete next.revenue_bookings[currency];
      return;
    }
    next.revenue[currency] = (next.revenue[currency] ?? 0) + sign * Number(fact.price_amount_minor ?? 0);
    next.revenue_bookings[currency] = bookings;
  };
  if (out !== null) count(out, -1);
  if (into !== null) count(into, 1);
  return next;
}

export function analyticsProjection(): Projection {
  return {
    name: ANALYTICS_PROJECTION,
    tables: ['rm_analytics_providers', 'rm_analytics_appointments', 'rm_daily_stats'],
    fold: foldAnalytics,
  };
}
