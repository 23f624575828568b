/**
 * Projection "analytics": daily statistics per provider, service and local date.
 *
 * It keeps its own facts so it never depends on another projection's progress:
 * `rm_analytics_providers` (each provider's time zone) and `rm_analytics_appointments` (one row per
 * appointment: service, start, local date, minutes, status, late flag, price). `rm_daily_stats` is
 * the aggregate of those facts: after each batch the (provider, service, date) keys the batch touched
 * are recomputed from the facts with one DELETE and one INSERT ... SELECT. No counter is ever
 * incremented, so a re-applied event cannot double count, and a status change or a reschedule simply
 * moves the appointment between aggregates.
 *
 * Definitions (all by the appointment's *current* start date in the provider's *current* time zone;
 * when the zone changes, the provider's facts are re-dated):
 * - booked: appointments starting that date, whatever their status now (a reschedule moves a booking,
 *   it is not a new one);
 * - cancelled / lateCancelled: of those, cancelled (late ones separately) — on the start date, not on
 *   the day the cancellation happened;
 * - noShows, completed: of those, with that status;
 * - bookedMinutes: duration of those not cancelled (each seat of a class counts its own minutes);
 * - revenue: prices of those not cancelled, per currency (booked revenue; payments are not modelled).
 *
 * As in the schedule projection, the event-by-event code below is the reference; batches normally go
 * the set-based way (AnalyticsRebuilder.applyLive), which must leave exactly what this code leaves.
 */
import { DateTime } from 'luxon';
import type { SqlExecutor } from '../../db/sql';
import type { ProjectedEvent } from '../events';
import type { Projection } from '../engine/projection';
import { type Write, writeTogether } from '../engine/set-sql';
import { AnalyticsRebuilder } from './analytics.rebuild';

export const ANALYTICS_PROJECTION = 'analytics';

/** The provider-local calendar date of an instant; UTC when the zone is unknown to the runtime. */
export function localDateOf(instant: number, timeZone: string): string {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return (local.isValid ? local : DateTime.fromMillis(instant, { zone: 'utc' })).toISODate() ?? '1970-01-01';
}

export const minutesBetween = (start: string, end: string): number => Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 60_000));

/** Every aggregate but revenue, over the facts `a` of one (provider, service, date) key. */
const DAILY_COUNTS = `count(*),
  count(*) FILTER (WHERE a.status = 'CANCELLED'),
  count(*) FILTER (WHERE a.status = 'CANCELLED' AND a.late),
  count(*) FILTER (WHERE a.status = 'NO_SHOW'),
  count(*) FILTER (WHERE a.status = 'COMPLETED'),
  COALESCE(sum(a.minutes) FILTER (WHERE a.status <> 'CANCELLED'), 0)`;

/** The (provider, service, date) keys of a batch's aggregates, from its one JSON parameter. */
const TOUCHED_KEYS = `json_to_recordset($?::json) AS k(provider_id text, service_id text, date date)`;

/** What one batch touched (aggregates to recompute) and the zones it looked up. */
export class AnalyticsBatch {
  private readonly zones = new Map<string, string | null>();
  private readonly touched = new Map<string, { providerId: string; serviceId: string; date: string }>();

  constructor(private readonly tx: SqlExecutor) {}

  touch(providerId: string, serviceId: string | null | undefined, date: string | null | undefined): void {
    if (serviceId == null || date == null) return;
    this.touched.set(JSON.stringify([providerId, serviceId, date]), { providerId, serviceId, date });
  }

  /** The provider's zone as this projection knows it; null = not registered. */
  async zoneOf(providerId: string): Promise<string | null> {
    if (this.zones.has(providerId)) return this.zones.get(providerId) ?? null;
    const r = await this.tx.query<{ time_zone: string }>(`SELECT time_zone FROM rm_analytics_providers WHERE provider_id = $1`, [providerId]);
    const zone = r.rows[0]?.time_zone ?? null;
    this.zones.set(providerId, zone);
    return zone;
  }

  setZone(providerId: string, zone: string): void {
    this.zones.set(providerId, zone);
  }

  /** Recompute every touched aggregate from the facts. */
  async finish(): Promise<void> {
    await writeTogether(this.tx, [this.clearWrite()]);
    await this.refill();
  }

  /** The touched aggregates deleted, as a write that may go with others (writeTogether); null when none. */
  clearWrite(): Write | null {
    if (this.touched.size === 0) return null;
    return {
      sql: `DELETE FROM rm_daily_stats s USING ${TOUCHED_KEYS}
             WHERE s.provider_id = k.provider_id AND s.service_id = k.service_id AND s.date = k.date`,
      value: this.keysJson(),
    };
  }

  /** The touched aggregates computed from the facts, in a statement after `clearWrite`'s. */
  async refill(): Promise<void> {
    if (this.touched.size === 0) return;
    await this.tx.query(
      `INSERT INTO rm_daily_stats (provider_id, date, service_id, booked, cancelled, late_cancelled, no_shows, completed, booked_minutes, revenue)
       SELECT a.provider_id, a.local_date, a.service_id,
              ${DAILY_COUNTS},
              COALESCE((SELECT jsonb_object_agg(r.currency, r.amount)
                          FROM (SELECT b.price_currency AS currency, sum(b.price_amount_minor) AS amount
                                  FROM rm_analytics_appointments b
                                 WHERE b.provider_id = a.provider_id AND b.service_id = a.service_id AND b.local_date = a.local_date
                                   AND b.status <> 'CANCELLED' AND b.price_currency IS NOT NULL
                                 GROUP BY b.price_currency) r), '{}'::jsonb)
         FROM rm_analytics_appointments a
         JOIN ${TOUCHED_KEYS.replace('$?', '$1')}
           ON a.provider_id = k.provider_id AND a.service_id = k.service_id AND a.local_date = k.date
        GROUP BY a.provider_id, a.local_date, a.service_id`,
      [this.keysJson()],
    );
  }

  private keysJson(): string {
    return JSON.stringify([...this.touched.values()].map((k) => ({ provider_id: k.providerId, service_id: k.serviceId, date: k.date })));
  }
}

/**
 * Every aggregate recomputed from the facts at once (a rebuild's last step): the same definitions as
 * `AnalyticsBatch.finish` — which recomputes the keys a batch touched — over every key that has facts
 * (a key without facts has no row there either).
 */
export async function recomputeAllDailyStats(tx: SqlExecutor): Promise<void> {
  await tx.query(`DELETE FROM rm_daily_stats`);
  await tx.query(
    `WITH revenue AS (
       SELECT r.provider_id, r.service_id, r.local_date, jsonb_object_agg(r.currency, r.amount) AS revenue
         FROM (SELECT b.provider_id, b.service_id, b.local_date, b.price_currency AS currency, sum(b.price_amount_minor) AS amount
                 FROM rm_analytics_appointments b
                WHERE b.status <> 'CANCELLED' AND b.price_currency IS NOT NULL
                GROUP BY b.provider_id, b.service_id, b.local_date, b.price_currency) r
        GROUP BY r.provider_id, r.service_id, r.local_date)
     INSERT INTO rm_daily_stats (provider_id, date, service_id, booked, cancelled, late_cancelled, no_shows, completed, booked_minutes, revenue)
     SELECT a.provider_id, a.local_date, a.service_id,
            ${DAILY_COUNTS},
            COALESCE(r.revenue, '{}'::jsonb)
       FROM rm_analytics_appointments a
       LEFT JOIN revenue r ON r.provider_id = a.provider_id AND r.service_id = a.service_id AND r.local_date = a.local_date
      GROUP BY a.provider_id, a.local_date, a.service_id, r.revenue`,
  );
}

export function analyticsProjection(): Projection {
  return {
    name: ANALYTICS_PROJECTION,
    tables: ['rm_analytics_providers', 'rm_analytics_appointments', 'rm_daily_stats'],
    async applyBatch(tx, events, ctx) {
      // Set-based first; event by event (the reference) once the database refused a row of the batch.
      if (!ctx.careful) return new AnalyticsRebuilder().applyLive(tx, events);
      const batch = new AnalyticsBatch(tx);
      await ctx.forEachEvent(events, (e) => applyEvent(tx, e, batch));
      await batch.finish();
    },
    rebuilder: () => new AnalyticsRebuilder(),
  };
}

interface KeyRow {
  readonly service_id: string;
  readonly date: string;
  readonly old_service_id: string | null;
  readonly old_date: string | null;
}

/** One event, applied with its own statements (the rebuild path uses it for zone changes). */
export async function applyEvent(tx: SqlExecutor, e: ProjectedEvent, batch: AnalyticsBatch): Promise<void> {
  const { event, providerId } = e;
  switch (event.type) {
    case 'ProviderRegistered': {
      const r = await tx.query(
        `INSERT INTO rm_analytics_providers (provider_id, time_zone) VALUES ($1, $2) ON CONFLICT (provider_id) DO NOTHING`,
        [providerId, event.data.timeZone],
      );
      if (r.rowCount > 0) batch.setZone(providerId, event.data.timeZone);
      return;
    }
    case 'ProviderProfileUpdated': {
      const zone = event.data.timeZone;
      const current = await batch.zoneOf(providerId);
      if (current === null || current === zone) return;
      await tx.query(`UPDATE rm_analytics_providers SET time_zone = $2 WHERE provider_id = $1`, [providerId, zone]);
      batch.setZone(providerId, zone);
      await redate(tx, providerId, zone, batch);
      return;
    }
    case 'AppointmentBooked': {
      const d = event.data;
      const zone = await batch.zoneOf(providerId);
      if (zone === null) return; // as evolve: nothing before registration
      const r = await tx.query<KeyRow>(
        `WITH old AS (SELECT service_id, local_date FROM rm_analytics_appointments WHERE appointment_id = $1 AND provider_id = $2)
         INSERT INTO rm_analytics_appointments AS a
                (appointment_id, provider_id, service_id, start_at, local_date, minutes, status, late, price_amount_minor, price_currency)
         VALUES ($1, $2, $3, $4, $5::date, $6, $7, false, $8, $9)
         ON CONFLICT (appointment_id) DO UPDATE SET service_id = EXCLUDED.service_id, start_at = EXCLUDED.start_at,
                local_date = EXCLUDED.local_date, minutes = EXCLUDED.minutes, status = EXCLUDED.status, late = false,
                price_amount_minor = EXCLUDED.price_amount_minor, price_currency = EXCLUDED.price_currency
          WHERE a.provider_id = EXCLUDED.provider_id
         RETURNING a.service_id, to_char(a.local_date, 'YYYY-MM-DD') AS date,
                   (SELECT service_id FROM old) AS old_service_id, (SELECT to_char(local_date, 'YYYY-MM-DD') FROM old) AS old_date`,
        [
          d.appointmentId,
          providerId,
          d.serviceId,
          d.start,
          localDateOf(Date.parse(d.start), zone),
          minutesBetween(d.start, d.end),
          d.status,
          d.price?.amountMinor ?? null,
          d.price?.currency ?? null,
        ],
      );
      touchRows(batch, providerId, r.rows);
      return;
    }
    case 'AppointmentConfirmed':
    case 'AppointmentCompleted':
    case 'AppointmentMarkedNoShow':
    case 'AppointmentCancelled': {
      const status = { AppointmentConfirmed: 'CONFIRMED', AppointmentCompleted: 'COMPLETED', AppointmentMarkedNoShow: 'NO_SHOW', AppointmentCancelled: 'CANCELLED' }[event.type];
      const late = event.type === 'AppointmentCancelled' ? event.data.late : null;
      const r = await tx.query<KeyRow>(
        `UPDATE rm_analytics_appointments SET status = $3, late = COALESCE($4, late)
          WHERE appointment_id = $1 AND provider_id = $2
          RETURNING service_id, to_char(local_date, 'YYYY-MM-DD') AS date, NULL AS old_service_id, NULL AS old_date`,
        [event.data.appointmentId, providerId, status, late],
      );
      touchRows(batch, providerId, r.rows);
      return;
    }
    case 'AppointmentRescheduled': {
      const d = event.data;
      const zone = await batch.zoneOf(providerId);
      if (zone === null) return;
      const r = await tx.query<KeyRow>(
        `WITH old AS (SELECT appointment_id, service_id, local_date FROM rm_analytics_appointments
                       WHERE appointment_id = $1 AND provider_id = $2 FOR UPDATE)
         UPDATE rm_analytics_appointments a SET start_at = $3, local_date = $4::date, minutes = $5
           FROM old WHERE a.appointment_id = old.appointment_id
         RETURNING a.service_id, to_char(a.local_date, 'YYYY-MM-DD') AS date,
                   old.service_id AS old_service_id, to_char(old.local_date, 'YYYY-MM-DD') AS old_date`,
        [d.appointmentId, providerId, d.start, localDateOf(Date.parse(d.start), zone), minutesBetween(d.start, d.end)],
      );
      touchRows(batch, providerId, r.rows);
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
}

function touchRows(batch: AnalyticsBatch, providerId: string, rows: readonly KeyRow[]): void {
  for (const row of rows) {
    batch.touch(providerId, row.service_id, row.date);
    batch.touch(providerId, row.old_service_id, row.old_date);
  }
}

/** The provider moved to another zone: every fact's local date follows, and so do the aggregates. */
export async function redate(tx: SqlExecutor, providerId: string, zone: string, batch: AnalyticsBatch): Promise<void> {
  const r = await tx.query<{ appointment_id: string; service_id: string; start_at: Date; date: string }>(
    `SELECT appointment_id, service_id, start_at, to_char(local_date, 'YYYY-MM-DD') AS date
       FROM rm_analytics_appointments WHERE provider_id = $1`,
    [providerId],
  );
  const moved = r.rows
    .map((row) => ({ ...row, next: localDateOf(row.start_at.getTime(), zone) }))
    .filter((row) => row.next !== row.date);
  if (moved.length === 0) return;
  await tx.query(
    `UPDATE rm_analytics_appointments a SET local_date = v.local_date
       FROM unnest($1::text[], $2::date[]) AS v(appointment_id, local_date)
      WHERE a.appointment_id = v.appointment_id`,
    [moved.map((m) => m.appointment_id), moved.map((m) => m.next)],
  );
  for (const m of moved) {
    batch.touch(providerId, m.service_id, m.date);
    batch.touch(providerId, m.service_id, m.next);
  }
}
