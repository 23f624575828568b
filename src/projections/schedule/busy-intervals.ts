/**
 * `rm_busy_intervals`: the live (PENDING/CONFIRMED) appointments of each provider, exactly the busy
 * list the write side gives the slot engine (`liveAppointments` in domain/provider/state.ts), guarded
 * by the exclusion constraint and the seat trigger of migration 0002. A busy row is a function of its
 * appointment row: `busyRowOf`.
 */
import type { SqlExecutor } from '../../db/sql';
import { sqlErrorCode } from '../../db/sql';
import { MAX_INSTANT_MS } from '../../domain/instants';
import { occupiedRange } from '../../domain/schedule/busy-index';
import type { BusyAppointment } from '../../domain/schedule/types';
import type { Breach } from '../engine/projection';
import type { Row } from '../engine/rows';

const iso = (ms: number): string => new Date(ms).toISOString();
/** `iso(ms)` of the instant `text` names, reusing `text` when it is that form already (as every instant a decoded event carries). */
const isoOf = (text: string, ms: number): string => (text.length === 24 && text.endsWith('Z') ? text : iso(ms));

/** Bookings of one service at one start share a class session; nothing else may overlap. */
export const sessionKey = (serviceId: string, start: number): string => `${serviceId}@${iso(start)}`;

/** The slot engine's `occupiedRange` (the appointment plus its own buffers), clamped to instants a Date holds. */
export function occupiedOf(row: BusyAppointment): { from: number; to: number } {
  const range = occupiedRange(row);
  const from = Math.max(-MAX_INSTANT_MS, range.start);
  return { from, to: Math.min(MAX_INSTANT_MS, Math.max(from, range.end)) };
}

/** An appointment row as the slot engine sees it, at its own times or at `at` (where it was). */
export function busyAppointmentOf(a: Row<'rm_appointments'>, at?: { readonly start: number; readonly end: number }): BusyAppointment {
  return {
    appointmentId: a.id,
    serviceId: a.service_id,
    start: at?.start ?? Date.parse(a.start_at),
    end: at?.end ?? Date.parse(a.end_at),
    bufferBeforeMinutes: a.buffer_before_minutes,
    bufferAfterMinutes: a.buffer_after_minutes,
    capacity: a.capacity,
  };
}

/** The busy row of a live appointment: where it keeps its provider busy, and the session it sits in. */
export function busyRowOf(a: Row<'rm_appointments'>): Row<'rm_busy_intervals'> {
  const busy = busyAppointmentOf(a);
  const { from, to } = occupiedOf(busy);
  return {
    appointment_id: a.id,
    provider_id: a.provider_id,
    service_id: a.service_id,
    start_at: a.start_at,
    end_at: a.end_at,
    buffer_before_minutes: a.buffer_before_minutes,
    buffer_after_minutes: a.buffer_after_minutes,
    capacity: a.capacity,
    session_key: `${a.service_id}@${isoOf(a.start_at, busy.start)}`,
    occupied: from === to ? 'empty' : `[${JSON.stringify(iso(from))},${JSON.stringify(iso(to))})`,
  };
}

/** Why the guards refused `row`, in words an operator can act on. */
export async function describeRefusal(tx: SqlExecutor, row: Row<'rm_busy_intervals'>, err: unknown): Promise<Breach> {
  const code = sqlErrorCode(err);
  const subject = { subject: row.appointment_id, providerId: row.provider_id };
  if (code === '23P01') {
    const other = await tx.query<Pick<Row<'rm_busy_intervals'>, 'appointment_id'>>(
      `SELECT appointment_id FROM rm_busy_intervals
        WHERE provider_id = $1 AND occupied && $2::tstzrange AND session_key <> $3 AND appointment_id <> $4
        ORDER BY appointment_id LIMIT 1`,
      [row.provider_id, row.occupied, row.session_key, row.appointment_id],
    );
    const with_ = other.rows[0] ? `appointment ${other.rows[0].appointment_id}` : 'another appointment';
    return { ...subject, kind: 'overlap', detail: `occupied range ${row.occupied} overlaps ${with_} outside its class session` };
  }
  if (code === '23514') {
    const taken = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM rm_busy_intervals WHERE provider_id = $1 AND session_key = $2 AND appointment_id <> $3`,
      [row.provider_id, row.session_key, row.appointment_id],
    );
    return { ...subject, kind: 'seats', detail: `session ${row.session_key} already has ${taken.rows[0]?.n ?? '?'} seat(s) taken; this booking's capacity is ${row.capacity}` };
  }
  return { ...subject, kind: 'event_refused', detail: `busy interval ${row.occupied} refused: ${err instanceof Error ? err.message : String(err)}` };
}
