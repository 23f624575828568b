/**
 * Migration 0006 on a database that holds read models of the schema before it: service definitions
 * become one document, daily revenue learns how many bookings it sums, and the seat guard still
 * refuses a full session on the live table and on a copy the search path names.
 */
import { Migrator } from 'kysely';
import { createKysely } from '../database';
import { PgliteSqlPool } from '../pglite-pool';
import { PgSqlPool } from '../pg-pool';
import type { SqlPool } from '../sql';
import { sqlErrorCode } from '../sql';
import { type Backend, createTestPostgres, testBackends } from '../../../test/support/test-database';
import { MIGRATIONS } from './index';

async function open(backend: Backend): Promise<{ pool: SqlPool; close(): Promise<void> }> {
  if (backend === 'pglite') {
    const pool = await PgliteSqlPool.open();
    return { pool, close: () => pool.end() };
  }
  const server = await createTestPostgres();
  const pool = new PgSqlPool(server.url, { max: 2 });
  return {
    pool,
    close: async () => {
      await pool.end();
      await server.drop();
    },
  };
}

for (const backend of testBackends()) {
  describe(`migration 0006 on ${backend}`, () => {
    it('keeps every service definition and daily revenue, and the seat guard still refuses a full session', async () => {
      const { pool, close } = await open(backend);
      try {
        const migrator = new Migrator({ db: createKysely(pool), provider: { getMigrations: async () => MIGRATIONS } });
        expect((await migrator.migrateTo('0004-faster-append')).error).toBeUndefined();
        await pool.query(
          `INSERT INTO rm_services (id, provider_id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, slot_interval_minutes,
                  min_notice_minutes, max_advance_days, cancellation_window_hours, capacity, requires_confirmation, virtual,
                  price_amount_minor, price_currency, active, offered_revision)
           VALUES ('s1', 'p1', 'Checkup', 30, 5, 10, 15, 60, 90, 24, 1, true, false, 4500, 'EUR', true, 1),
                  ('s2', 'p1', 'Class', 60, 0, 0, 60, 0, 30, 12, 8, false, true, NULL, NULL, false, 2)`,
        );
        await pool.query(
          `INSERT INTO rm_analytics_appointments (appointment_id, provider_id, service_id, start_at, local_date, minutes, status, late, price_amount_minor, price_currency)
           VALUES ('a1', 'p1', 's1', '2027-03-02T10:00:00Z', '2027-03-02', 30, 'CONFIRMED', false, 4500, 'EUR'),
                  ('a2', 'p1', 's1', '2027-03-02T11:00:00Z', '2027-03-02', 30, 'COMPLETED', false, 0, 'EUR'),
                  ('a3', 'p1', 's1', '2027-03-02T12:00:00Z', '2027-03-02', 30, 'CANCELLED', true, 4500, 'USD')`,
        );
        await pool.query(
          `INSERT INTO rm_daily_stats (provider_id, date, service_id, booked, cancelled, late_cancelled, no_shows, completed, booked_minutes, revenue)
           VALUES ('p1', '2027-03-02', 's1', 3, 1, 1, 0, 1, 60, '{"EUR": 4500}')`,
        );

        const { error, results } = await migrator.migrateToLatest();
        expect(error).toBeUndefined();
        expect(results?.map((r) => r.migrationName)).toContain('0006-service-definitions');

        const services = await pool.query<{ id: string; definition: unknown; active: boolean }>(`SELECT id, definition, active FROM rm_services ORDER BY id`);
        expect(services.rows).toEqual([
          {
            id: 's1',
            active: true,
            definition: {
              name: 'Checkup',
              durationMinutes: 30,
              bufferBeforeMinutes: 5,
              bufferAfterMinutes: 10,
              slotIntervalMinutes: 15,
              minNoticeMinutes: 60,
              maxAdvanceDays: 90,
              cancellationWindowHours: 24,
              capacity: 1,
              requiresConfirmation: true,
              virtual: false,
              price: { amountMinor: 4500, currency: 'EUR' },
            },
          },
          expect.objectContaining({ id: 's2', active: false, definition: expect.objectContaining({ name: 'Class', capacity: 8, virtual: true, price: null }) }),
        ]);
        const columns = await pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'rm_services' ORDER BY column_name`);
        expect(columns.rows.map((c) => c.column_name)).toEqual(['active', 'definition', 'id', 'offered_revision', 'provider_id']);
        const days = await pool.query(`SELECT revenue, revenue_bookings FROM rm_daily_stats`);
        expect(days.rows).toEqual([{ revenue: { EUR: 4500 }, revenue_bookings: { EUR: 2 } }]);

        const busy = (id: string, schema = 'public') =>
          pool.query(
            `INSERT INTO ${schema}.rm_busy_intervals (appointment_id, provider_id, service_id, start_at, end_at, buffer_before_minutes, buffer_after_minutes, capacity, session_key, occupied)
             VALUES ($1, 'p1', 's1', '2027-03-02T10:00:00Z', '2027-03-02T10:30:00Z', 0, 0, 1, 's1@2027-03-02T10:00:00.000Z', '[2027-03-02T10:00:00Z,2027-03-02T10:30:00Z)')`,
            [id],
          );
        const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => sqlErrorCode(err));
        await busy('b1');
        expect(await refusal(busy('b2'))).toBe('23514');
        // A copy as a rebuild makes it: the guard counts the seats of the copy the search path names.
        await pool.query(`CREATE SCHEMA copy; CREATE TABLE copy.rm_busy_intervals (LIKE public.rm_busy_intervals INCLUDING ALL);
                          CREATE TRIGGER rm_busy_intervals_seats BEFORE INSERT OR UPDATE ON copy.rm_busy_intervals FOR EACH ROW EXECUTE FUNCTION rm_busy_intervals_seat_guard()`);
        const conn = await pool.connect();
        try {
          await conn.query('BEGIN');
          await conn.query('SET LOCAL search_path TO copy, public');
          const seat = (id: string) =>
            conn.query(`INSERT INTO rm_busy_intervals SELECT $1, provider_id, service_id, start_at, end_at, buffer_before_minutes, buffer_after_minutes, capacity, session_key, occupied
                          FROM public.rm_busy_intervals WHERE appointment_id = 'b1'`, [id]);
          // The live table's seat is not the copy's: the copy's first seat goes in, its second does not.
          await seat('c1');
          await conn.query('SAVEPOINT second');
          expect(await refusal(seat('c2'))).toBe('23514');
          await conn.query('ROLLBACK');
        } finally {
          conn.release();
        }
      } finally {
        await close();
      }
    });
  });
}
