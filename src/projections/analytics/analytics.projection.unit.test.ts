/**
 * The analytics read model's rules, without a database: given rows, when events are folded, then rows.
 */
import { HOUR, MINUTE, PROVIDER_ID, SERVICE_ID, TUE_10, booked, cancelled, completed, iso, registered } from '../../domain/provider/provider-fixtures';
import type { ProviderEvent } from '../../domain/provider/events';
import { MemoryRows, recorded, when } from '../engine/fold-fixtures';
import { type Row, keyOf } from '../engine/rows';
import { foldAnalytics } from './analytics.projection';

const EUR = (amountMinor: number) => ({ price: { amountMinor, currency: 'EUR' } });

const fact = (o: Partial<Row<'rm_analytics_appointments'>> = {}): Row<'rm_analytics_appointments'> => ({
  appointment_id: 'appt-1',
  provider_id: PROVIDER_ID,
  service_id: SERVICE_ID,
  start_at: iso(TUE_10),
  local_date: '2027-03-02',
  minutes: 30,
  status: 'CONFIRMED',
  late: false,
  price_amount_minor: 4500,
  price_currency: 'EUR',
  ...o,
});

const day = (o: Partial<Row<'rm_daily_stats'>> = {}): Row<'rm_daily_stats'> => ({
  provider_id: PROVIDER_ID,
  date: '2027-03-02',
  service_id: SERVICE_ID,
  booked: 1,
  cancelled: 0,
  late_cancelled: 0,
  no_shows: 0,
  completed: 0,
  booked_minutes: 30,
  revenue: { EUR: 4500 },
  revenue_bookings: { EUR: 1 },
  ...o,
});

const zone = (timeZone: string): Row<'rm_analytics_providers'> => ({ provider_id: PROVIDER_ID, time_zone: timeZone });
const dayKey = (date: string) => keyOf('rm_daily_stats', { provider_id: PROVIDER_ID, date, service_id: SERVICE_ID });
/** The provider's days, by date. */
const days = (rows: MemoryRows) => rows.where('rm_daily_stats', 'provider_id', PROVIDER_ID).sort((a, b) => (a.date < b.date ? -1 : 1));
const fold = (given: MemoryRows, events: readonly ProviderEvent[]) => when(foldAnalytics, given, recorded(PROVIDER_ID, events));
const rescheduled = (to: number): ProviderEvent => ({
  type: 'AppointmentRescheduled',
  data: { providerId: PROVIDER_ID, appointmentId: 'appt-1', previousStart: iso(TUE_10), previousEnd: iso(TUE_10 + 30 * MINUTE), start: iso(to), end: iso(to + 30 * MINUTE), rescheduledBy: 'cust-1', rescheduledAt: iso(TUE_10) },
});

describe('the analytics fold', () => {
  it('files a booking under its local date in the provider zone and counts it in that day', () => {
    // 23:30 UTC on Tuesday is already Wednesday in Berlin.
    const start = Date.parse('2027-03-02T23:30:00.000Z');
    const then = fold(new MemoryRows({ rm_analytics_providers: [zone('Europe/Berlin')] }), [booked({ start, definition: EUR(4500) })]);
    expect(then.changed).toEqual({
      rm_analytics_appointments: { 'appt-1': fact({ start_at: iso(start), local_date: '2027-03-03' }) },
      rm_daily_stats: { [dayKey('2027-03-03')]: day({ date: '2027-03-03' }) },
    });
  });

  it('ignores bookings before registration, as evolve does', () => {
    expect(fold(new MemoryRows(), [booked()]).changed).toEqual({});
  });

  it('counts a late cancellation on the start date and takes its minutes and revenue out', () => {
    const given = new MemoryRows({ rm_analytics_providers: [zone('UTC')], rm_analytics_appointments: [fact()], rm_daily_stats: [day()] });
    const then = fold(given, [{ ...cancelled(), data: { ...cancelled().data, late: true } } as ProviderEvent]);
    expect(then.changed.rm_daily_stats).toEqual({ [dayKey('2027-03-02')]: day({ cancelled: 1, late_cancelled: 1, booked_minutes: 0, revenue: {}, revenue_bookings: {} }) });
    expect(then.changed.rm_analytics_appointments).toEqual({ 'appt-1': fact({ status: 'CANCELLED', late: true }) });
  });

  it('lists a currency while some booking carries it, a price of 0 too', () => {
    const given = new MemoryRows({ rm_analytics_providers: [zone('UTC')] });
    const free = fold(given, [booked({ appointmentId: 'a', definition: EUR(0) }), booked({ appointmentId: 'b', definition: EUR(0) }), completed('a')]);
    expect(free.rows.get('rm_daily_stats', dayKey('2027-03-02'))).toMatchObject({ booked: 2, completed: 1, revenue: { EUR: 0 }, revenue_bookings: { EUR: 2 } });
    const oneLeft = fold(free.rows, [cancelled('a')]);
    expect(oneLeft.rows.get('rm_daily_stats', dayKey('2027-03-02'))).toMatchObject({ booked: 2, cancelled: 1, late_cancelled: 0, completed: 0, revenue: { EUR: 0 }, revenue_bookings: { EUR: 1 } });
    const none = fold(oneLeft.rows, [cancelled('b')]);
    expect(none.rows.get('rm_daily_stats', dayKey('2027-03-02'))).toMatchObject({ booked: 2, cancelled: 2, revenue: {}, revenue_bookings: {} });
  });

  it('moves a rescheduled booking to its new day; a day left without bookings has no row', () => {
    const given = new MemoryRows({ rm_analytics_providers: [zone('UTC')], rm_analytics_appointments: [fact()], rm_daily_stats: [day()] });
    const then = fold(given, [rescheduled(TUE_10 + 24 * HOUR)]);
    expect(then.changed.rm_daily_stats).toEqual({ [dayKey('2027-03-02')]: null, [dayKey('2027-03-03')]: day({ date: '2027-03-03' }) });
  });

  it('re-dates every fact of a provider whose zone changes, and their days with them', () => {
    const late = Date.parse('2027-03-02T23:30:00.000Z');
    const given = fold(new MemoryRows({ rm_analytics_providers: [zone('UTC')] }), [booked({ appointmentId: 'a', start: late, definition: EUR(100) }), booked({ appointmentId: 'b', start: TUE_10, definition: EUR(100) })]).rows;
    expect(days(given).map((d) => [d.date, d.booked])).toEqual([['2027-03-02', 2]]);
    const moved = fold(given, [{ type: 'ProviderProfileUpdated', data: { providerId: PROVIDER_ID, name: 'Dr. Who', kind: null, bio: null, timeZone: 'Europe/Berlin' } }]);
    expect(moved.rows.get('rm_analytics_providers', PROVIDER_ID)).toEqual(zone('Europe/Berlin'));
    expect(moved.rows.get('rm_analytics_appointments', 'a')).toMatchObject({ local_date: '2027-03-03' });
    expect(days(moved.rows).map((d) => [d.date, d.booked, d.revenue])).toEqual([
      ['2027-03-02', 1, { EUR: 100 }],
      ['2027-03-03', 1, { EUR: 100 }],
    ]);
  });

  it('folds a history in one go or event by event to the same rows, and folding it again changes nothing', () => {
    const history: ProviderEvent[] = [
      registered(),
      booked({ appointmentId: 'a', definition: EUR(1000) }),
      booked({ appointmentId: 'b', start: TUE_10 + HOUR, definition: EUR(2000) }),
      cancelled('b'),
      booked({ appointmentId: 'c', start: TUE_10 + 26 * HOUR }),
      completed('a'),
      { type: 'ProviderProfileUpdated', data: { providerId: PROVIDER_ID, name: 'Dr. Who', kind: null, bio: null, timeZone: 'Pacific/Kiritimati' } },
    ];
    const whole = fold(new MemoryRows(), history).rows;
    let stepwise = new MemoryRows();
    for (const event of history) stepwise = fold(stepwise, [event]).rows;
    expect(stepwise.toJSON()).toEqual(whole.toJSON());
    expect(fold(whole, history).rows.toJSON()).toEqual(whole.toJSON());
    expect(days(whole).map((d) => [d.date, d.booked, d.cancelled, d.completed, d.revenue])).toEqual([
      ['2027-03-03', 2, 1, 1, { EUR: 1000 }],
      ['2027-03-04', 1, 0, 0, {}],
    ]);
  });
});
