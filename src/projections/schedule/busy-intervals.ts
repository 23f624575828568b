/**
 * `rm_busy_intervals`: the live (PENDING/CONFIRMED) appointments of each provider, exactly the busy
 * list the write side gives the slot engine (`liveAppointments` in domain/provider/state.ts), guarded
 * by the exclusion constraint and the seat trigger of migration 0002.
 */
import { type SqlExecutor, sqlErrorCode } from '../../db/sql';
import { isLive } from '../../domain/provider';
import { occupiedRange } from '../../domain/schedule/busy-index';
import type { BusyAppointment } from '../../domain/schedule/types';
import type { AppointmentStatus } from '../../domain/provider/events';

/** The largest instant a JavaScript Date holds; occupied ranges are clamped to it. */
const MAX_MS = 8.64e15;

/** A busy appointment as the slot engine sees it, plus the provider it keeps busy. */
export interface BusyRow extends BusyAppointment {
  readonly providerId: string;
}

/** PENDING or CONFIRMED, as a stored status: what keeps the provider busy (the write side's `isLive`). */
export const isLiveStatus = (status: string): boolean => isLive(status as AppointmentStatus);

/** Bookings of one service at one start share a class session; nothing else may overlap. */
export const sessionKey = (serviceId: string, start: number): string => `${serviceId}@${new Date(start).toISOString()}`;

/** The slot engine's `occupiedRange` (the appointment plus its own buffers), clamped to storable instants. */
export function occupiedOf(row: BusyAppointment): { from: number; to: number } {
  const range = occupiedRange(row);
  const from = Math.max(-MAX_MS, range.start);
  return { from, to: Math.min(MAX_MS, Math.max(from, range.end)) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function upsertBusy(tx: SqlExecutor, row: BusyRow): Promise<void> {
  const occupied = occupiedOf(row);
  await tx.query(
    `INSERT INTO rm_busy_intervals
       (appointment_id, provider_id, service_id, start_at, end_at, buffer_before_minutes, buffer_after_minutes, capacity, session_key, occupied)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, tstzrange($10::timestamptz, $11::timestamptz, '[)'))
     ON CONFLICT (appointment_id) DO UPDATE SET
       provider_id = EXCLUDED.provider_id, service_id = EXCLUDED.service_id, start_at = EXCLUDED.start_at,
       end_at = EXCLUDED.end_at, buffer_before_minutes = EXCLUDED.buffer_before_minutes,
       buffer_after_minutes = EXCLUDED.buffer_after_minutes, capacity = EXCLUDED.capacity,
       session_key = EXCLUDED.session_key, occupied = EXCLUDED.occupied`,
    [
      row.appointmentId,
      row.providerId,
      row.serviceId,
      iso(row.start),
      iso(row.end),
      row.bufferBeforeMinutes,
      row.bufferAfterMinutes,
      row.capacity,
      sessionKey(row.serviceId, row.start),
      iso(occupied.from),
      iso(occupied.to),
    ],
  );
}

export async function deleteBusy(tx: SqlExecutor, appointmentId: string): Promise<void> {
  await tx.query(`DELETE FROM rm_busy_intervals WHERE appointment_id = $1`, [appointmentId]);
}

/** Why the guards refused `row`, in words an operator can act on. */
export async function describeRefusal(tx: SqlExecutor, row: BusyRow, err: unknown): Promise<{ kind: 'overlap' | 'seats' | 'event_refused'; detail: string }> {
  const code = sqlErrorCode(err);
  const occupied = occupiedOf(row);
  const range = `[${iso(occupied.from)}, ${iso(occupied.to)})`;
  if (code === '23P01') {
    const other = await tx.query<{ appointment_id: string }>(
      `SELECT appointment_id FROM rm_busy_intervals
        WHERE provider_id = $1 AND occupied && tstzrange($2::timestamptz, $3::timestamptz, '[)')
          AND session_key <> $4 AND appointment_id <> $5
        ORDER BY appointment_id LIMIT 1`,
      [row.providerId, iso(occupied.from), iso(occupied.to), sessionKey(row.serviceId, row.start), row.appointmentId],
    );
    const with_ = other.rows[0] ? `appointment ${other.rows[0].appointment_id}` : 'another appointment';
    return { kind: 'overlap', detail: `occupied range ${range} overlaps ${with_} outside its class session` };
  }
  if (code === '23514') {
    const taken = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM rm_busy_intervals WHERE provider_id = $1 AND session_key = $2 AND appointment_id <> $3`,
      [row.providerId, sessionKey(row.serviceId, row.start), row.appointmentId],
    );
    return { kind: 'seats', detail: `session ${sessionKey(row.serviceId, row.start)} already has ${taken.rows[0]?.n ?? '?'} seat(s) taken; this booking's capacity is ${row.capacity}` };
  }
  return { kind: 'event_refused', detail: `busy interval ${range} refused: ${err instanceof Error ? err.message : String(err)}` };
}
