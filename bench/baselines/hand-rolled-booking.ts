/**
 * The conventional way to book without event sourcing, as most teams would write it with `pg`: a
 * `providers` table and an `appointments` table, and one transaction per booking that locks the
 * provider row (`SELECT ... FOR UPDATE`, so two bookings of one provider cannot both pass the check),
 * checks for an overlapping live appointment, inserts, commits. A pool, BEGIN/COMMIT/ROLLBACK.
 *
 * The working-hours rule is checked in application code from the provider row (slot grid and the
 * weekday's window), as a hand-rolled service would; buffers, capacity, notice and idempotency keys
 * are left out — the event-sourced handler does all of those, so this baseline is the cheaper one.
 */
import pg from 'pg';

export const BASELINE_SCHEMA = `
CREATE TABLE providers (
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  time_zone    text NOT NULL,
  slot_minutes int NOT NULL,
  -- {"MONDAY": ["00:00", "24:00"], ...}: one window per weekday, in UTC for this benchmark.
  weekly_hours jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE appointments (
  id          uuid PRIMARY KEY,
  provider_id uuid NOT NULL REFERENCES providers (id),
  customer_id uuid NOT NULL,
  start       timestamptz NOT NULL,
  "end"       timestamptz NOT NULL,
  status      text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointments_provider_start ON appointments (provider_id, start);
`;

export type BookingOutcome = 'BOOKED' | 'SLOT_TAKEN' | 'OUTSIDE_AVAILABILITY' | 'NOT_FOUND';

const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export class HandRolledBooking {
  readonly pool: pg.Pool;

  private constructor(connectionString: string, poolSize: number) {
    this.pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'hand-rolled-booking' });
    this.pool.on('error', () => undefined);
  }

  static async open(connectionString: string, poolSize: number, options: { createSchema?: boolean } = {}): Promise<HandRolledBooking> {
    const booking = new HandRolledBooking(connectionString, poolSize);
    if (options.createSchema) await booking.pool.query(BASELINE_SCHEMA);
    return booking;
  }

  async createProvider(id: string, name: string, slotMinutes: number, hours: Record<string, [string, string]>): Promise<void> {
    await this.pool.query('INSERT INTO providers (id, name, time_zone, slot_minutes, weekly_hours) VALUES ($1, $2, $3, $4, $5)', [
      id,
      name,
      'UTC',
      slotMinutes,
      JSON.stringify(hours),
    ]);
  }

  /** One booking, one transaction. */
  async book(appointmentId: string, providerId: string, customerId: string, start: Date, durationMinutes: number): Promise<BookingOutcome> {
    const end = new Date(start.getTime() + durationMinutes * 60_000);
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const provider = await client.query<{ slot_minutes: number; weekly_hours: Record<string, [string, string]> }>(
        'SELECT slot_minutes, weekly_hours FROM providers WHERE id = $1 FOR UPDATE',
        [providerId],
      );
      const row = provider.rows[0];
      if (!row) {
        await client.query('ROLLBACK');
        return 'NOT_FOUND';
      }
      if (!withinHours(row.weekly_hours, row.slot_minutes, start, end)) {
        await client.query('ROLLBACK');
        return 'OUTSIDE_AVAILABILITY';
      }
      const clash = await client.query(
        `SELECT 1 FROM appointments
          WHERE provider_id = $1 AND start < $3 AND "end" > $2 AND status IN ('PENDING', 'CONFIRMED')
          LIMIT 1`,
        [providerId, start, end],
      );
      if ((clash.rowCount ?? 0) > 0) {
        await client.query('ROLLBACK');
        return 'SLOT_TAKEN';
      }
      await client.query(`INSERT INTO appointments (id, provider_id, customer_id, start, "end", status) VALUES ($1, $2, $3, $4, $5, 'CONFIRMED')`, [
        appointmentId,
        providerId,
        customerId,
        start,
        end,
      ]);
      await client.query('COMMIT');
      return 'BOOKED';
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Pairs of live appointments of one provider that overlap: must be zero. */
  async doubleBookings(providerIds: readonly string[]): Promise<number> {
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n
         FROM appointments a
         JOIN appointments b ON b.provider_id = a.provider_id AND b.id > a.id AND b.start < a."end" AND b."end" > a.start
        WHERE a.provider_id = ANY($1::uuid[])
          AND a.status IN ('PENDING', 'CONFIRMED') AND b.status IN ('PENDING', 'CONFIRMED')`,
      [providerIds],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async countAppointments(providerIds: readonly string[]): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM appointments WHERE provider_id = ANY($1::uuid[])', [providerIds]);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Live appointments per start instant (ms) of one provider. */
  async bookingsPerStart(providerId: string): Promise<Map<number, number>> {
    const r = await this.pool.query<{ start: Date; n: string }>(
      `SELECT start, count(*)::text AS n FROM appointments WHERE provider_id = $1 AND status IN ('PENDING', 'CONFIRMED') GROUP BY start`,
      [providerId],
    );
    return new Map(r.rows.map((row) => [row.start.getTime(), Number(row.n)]));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** On the provider's slot grid and inside that weekday's window (UTC). */
function withinHours(hours: Record<string, [string, string]>, slotMinutes: number, start: Date, end: Date): boolean {
  const minuteOfDay = start.getUTCHours() * 60 + start.getUTCMinutes();
  if (start.getUTCSeconds() !== 0 || start.getUTCMilliseconds() !== 0 || minuteOfDay % slotMinutes !== 0) return false;
  const window = hours[WEEKDAYS[start.getUTCDay()] as string];
  if (!window) return false;
  const endMinute = minuteOfDay + (end.getTime() - start.getTime()) / 60_000;
  return minuteOfDay >= minutesOf(window[0]) && endMinute <= minutesOf(window[1]);
}
