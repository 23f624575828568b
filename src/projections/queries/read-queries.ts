/**
 * Queries over the schedule read model for the GraphQL layer. Lists are keyset-paginated with opaque
 * cursors; `...ByIds` functions are batch loaders for DataLoader (answers aligned with the keys,
 * null/empty for unknown ids).
 */
import type { Kysely } from 'kysely';
import { validationError } from '../../domain/errors';
import { isValidLocalDate } from '../../domain/schedule/local-time';
import type { AppointmentStatus } from '../../domain/provider/events';
import type { Database } from '../../db/schema';
import type { WeeklyHours } from '../../domain/schedule/types';
import { type ProviderAnalyticsView, providerAnalytics } from '../analytics/analytics.query';
import { decodeCursor, encodeCursor, pageSize } from './cursor';
import {
  type AppointmentView,
  type Connection,
  type ProviderView,
  type ScheduleOverrideView,
  type ServiceView,
  appointmentView,
  providerView,
  serviceView,
} from './views';

export const MAX_PAGE = 100;
const STATUSES: readonly AppointmentStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW'];

export interface ProviderSearch {
  /** Case-insensitive substring of the name; empty or absent = every provider. */
  readonly search?: string | null;
  /** 1–100, default 20. */
  readonly first?: number;
  readonly after?: string | null;
}

export interface AppointmentSearch {
  /** Appointments this user booked ... */
  readonly customerId?: string | null;
  /** ... and/or appointments with providers this user owns (both given: either matches). */
  readonly ownerId?: string | null;
  readonly statuses?: readonly AppointmentStatus[] | null;
  /** Start in [from, to). */
  readonly from?: Date | null;
  readonly to?: Date | null;
  /** 1–100, default 50. */
  readonly first?: number;
  readonly after?: string | null;
}

/** Align loaded rows with the keys asked for. */
function alignBy<T, K>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): Array<T | null> {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => byKey.get(k) ?? null);
}

function connection<T>(rows: readonly T[], size: number, cursorOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    edges: page.map((node) => ({ node, cursor: cursorOf(node) })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: last === undefined ? null : cursorOf(last) },
  };
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class ReadQueries {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- Providers ----

  async providerById(id: string): Promise<ProviderView | null> {
    const row = await this.db.selectFrom('rm_providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : providerView(row);
  }

  async providersByIds(ids: readonly string[]): Promise<Array<ProviderView | null>> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('rm_providers').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return alignBy(ids, rows.map(providerView), (p) => p.id);
  }

  /** Providers by name (then id), optionally filtered by a case-insensitive substring of the name. */
  async searchProviders(query: ProviderSearch = {}): Promise<Connection<ProviderView>> {
    const size = pageSize(query.first, 20, MAX_PAGE);
    let q = this.db.selectFrom('rm_providers').selectAll();
    const search = query.search?.trim();
    if (search) q = q.where('name', 'ilike', `%${escapeLike(search)}%`);
    if (query.after) {
      const c = decodeCursor('providers', query.after, 'string');
      q = q.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(c.key, c.id)));
    }
    const rows = await q.orderBy('name').orderBy('id').limit(size + 1).execute();
    return connection(rows.map(providerView), size, (p) => encodeCursor('providers', p.name, p.id));
  }

  // ---- Services ----

  async serviceById(id: string): Promise<ServiceView | null> {
    const row = await this.db.selectFrom('rm_services').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : serviceView(row);
  }

  async servicesByIds(ids: readonly string[]): Promise<Array<ServiceView | null>> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('rm_services').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return alignBy(ids, rows.map(serviceView), (s) => s.id);
  }

  /** A provider's services in the order they were offered; retired ones too unless `activeOnly`. */
  async servicesOfProvider(providerId: string, options: { readonly activeOnly?: boolean } = {}): Promise<ServiceView[]> {
    return (await this.servicesOfProviders([providerId], options))[0] ?? [];
  }

  /** Batch loader: the services of each provider, aligned with `providerIds`. */
  async servicesOfProviders(providerIds: readonly string[], options: { readonly activeOnly?: boolean } = {}): Promise<ServiceView[][]> {
    if (providerIds.length === 0) return [];
    let q = this.db.selectFrom('rm_services').selectAll().where('provider_id', 'in', [...new Set(providerIds)]);
    if (options.activeOnly) q = q.where('active', '=', true);
    const rows = await q.orderBy('offered_revision').orderBy('id').execute();
    const byProvider = new Map<string, ServiceView[]>();
    for (const row of rows) {
      const list = byProvider.get(row.provider_id) ?? [];
      list.push(serviceView(row));
      byProvider.set(row.provider_id, list);
    }
    return providerIds.map((id) => byProvider.get(id) ?? []);
  }

  // ---- Schedule ----

  /** Weekly hours as set (empty for an unknown provider). */
  async weeklyHours(providerId: string): Promise<WeeklyHours[]> {
    const row = await this.db.selectFrom('rm_providers').select('weekly_hours').where('id', '=', providerId).executeTakeFirst();
    return row?.weekly_hours ?? [];
  }

  /** Overrides on dates in [from, to] (both inclusive, `YYYY-MM-DD`, either may be absent), by date then id. */
  async overrides(providerId: string, range: { readonly from?: string | null; readonly to?: string | null } = {}): Promise<ScheduleOverrideView[]> {
    if (range.from != null && !isValidLocalDate(range.from)) throw validationError('from', 'from must be a date (YYYY-MM-DD)', range.from);
    if (range.to != null && !isValidLocalDate(range.to)) throw validationError('to', 'to must be a date (YYYY-MM-DD)', range.to);
    let q = this.db
      .selectFrom('rm_schedule_overrides')
      .select(['id', 'provider_id', 'blocked', 'windows', 'reason'])
      .select((eb) => eb.fn<string>('to_char', ['date', eb.val('YYYY-MM-DD')]).as('day'))
      .where('provider_id', '=', providerId);
    if (range.from != null) q = q.where('date', '>=', range.from);
    if (range.to != null) q = q.where('date', '<=', range.to);
    const rows = await q.orderBy('rm_schedule_overrides.date').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      providerId: r.provider_id,
      date: r.day,
      blocked: r.blocked,
      windows: r.windows,
      reason: r.reason,
    }));
  }

  // ---- Appointments ----

  async appointmentById(id: string): Promise<AppointmentView | null> {
    const row = await this.db.selectFrom('rm_appointments').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : appointmentView(row);
  }

  async appointmentsByIds(ids: readonly string[]): Promise<Array<AppointmentView | null>> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('rm_appointments').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return alignBy(ids, rows.map(appointmentView), (a) => a.id);
  }

  /**
   * Appointments of a customer and/or of the providers a user owns, by start then id.
   * At least one of customerId/ownerId is required (VALIDATION_FAILED `customerId` otherwise).
   */
  async appointments(query: AppointmentSearch): Promise<Connection<AppointmentView>> {
    const size = pageSize(query.first, 50, MAX_PAGE);
    const { customerId, ownerId } = query;
    if (!customerId && !ownerId) throw validationError('customerId', 'customerId or ownerId is required');
    for (const s of query.statuses ?? []) {
      if (!STATUSES.includes(s)) throw validationError('status', `unknown status ${String(s)}`, s);
    }
    for (const [field, value] of [['from', query.from], ['to', query.to]] as const) {
      if (value != null && !Number.isFinite(value.getTime())) throw validationError(field, `${field} must be a valid instant`);
    }
    let q = this.db.selectFrom('rm_appointments').selectAll();
    q = q.where((eb) => {
      const either = [];
      if (customerId) either.push(eb('customer_id', '=', customerId));
      if (ownerId) either.push(eb('owner_id', '=', ownerId));
      return eb.or(either);
    });
    if (query.statuses && query.statuses.length > 0) q = q.where('status', 'in', [...query.statuses]);
    if (query.from != null) q = q.where('start_at', '>=', query.from);
    if (query.to != null) q = q.where('start_at', '<', query.to);
    if (query.after) {
      const c = decodeCursor('appointments', query.after, 'number');
      q = q.where((eb) => eb(eb.refTuple('start_at', 'id'), '>', eb.tuple(new Date(c.key), c.id)));
    }
    const rows = await q.orderBy('start_at').orderBy('id').limit(size + 1).execute();
    return connection(rows.map(appointmentView), size, (a) => encodeCursor('appointments', a.start.getTime(), a.id));
  }

  // ---- Analytics ----

  /**
   * Daily statistics of a provider for the local dates [from, to] (inclusive, at most 366 days),
   * optionally for one service, with utilization over the range. See analytics.query.ts.
   */
  providerAnalytics(providerId: string, from: string, to: string, options: { readonly serviceId?: string | null } = {}): Promise<ProviderAnalyticsView> {
    return providerAnalytics(this.db, providerId, from, to, options);
  }
}
