/**
 * The schedule read model's rules, without a database: given rows, when events are folded, then rows.
 */
import {
  HOUR,
  MINUTE,
  NOW,
  OWNER_ID,
  PROVIDER_ID,
  SERVICE_ID,
  TUE_10,
  booked,
  cancelled,
  completed,
  confirmed,
  definition,
  iso,
  registered,
  serviceOffered,
  workweek,
} from '../../domain/provider/provider-fixtures';
import type { ProviderEvent } from '../../domain/provider/events';
import { MemoryRows, recorded, when } from '../engine/fold-fixtures';
import type { Row } from '../engine/rows';
import { foldSchedule } from './schedule.projection';

const AT = Date.parse('2027-03-01T09:00:00.000Z');

const providerRow = (o: Partial<Row<'rm_providers'>> = {}): Row<'rm_providers'> => ({
  id: PROVIDER_ID,
  owner_id: OWNER_ID,
  name: 'Dr. Who',
  kind: 'DOCTOR',
  bio: null,
  time_zone: 'UTC',
  weekly_hours: [],
  created_at: iso(AT),
  updated_at: iso(AT),
  revision: 0,
  ...o,
});

const appointmentRow = (o: Partial<Row<'rm_appointments'>> = {}): Row<'rm_appointments'> => ({
  id: 'appt-1',
  provider_id: PROVIDER_ID,
  owner_id: OWNER_ID,
  service_id: SERVICE_ID,
  customer_id: 'cust-1',
  start_at: iso(TUE_10),
  end_at: iso(TUE_10 + 30 * MINUTE),
  status: 'CONFIRMED',
  notes: null,
  buffer_before_minutes: 0,
  buffer_after_minutes: 0,
  capacity: 1,
  cancellation_window_hours: 24,
  price_amount_minor: null,
  price_currency: null,
  created_at: iso(NOW),
  cancelled_at: null,
  cancelled_by: null,
  cancelled_by_role: null,
  cancellation_reason: null,
  late_cancellation: false,
  updated_at: iso(AT),
  revision: 4,
  ...o,
});

const busyRow = (start: number, end: number, o: Partial<Row<'rm_busy_intervals'>> = {}): Row<'rm_busy_intervals'> => ({
  appointment_id: 'appt-1',
  provider_id: PROVIDER_ID,
  service_id: SERVICE_ID,
  start_at: iso(start),
  end_at: iso(end),
  buffer_before_minutes: 0,
  buffer_after_minutes: 0,
  capacity: 1,
  session_key: `${SERVICE_ID}@${iso(start)}`,
  occupied: `["${iso(start)}","${iso(end)}")`,
  ...o,
});

/** A registered provider with one booked appointment (revision 4), its busy row, as the fold left them. */
const withAppointment = (appointment: Partial<Row<'rm_appointments'>> = {}) =>
  new MemoryRows({
    rm_providers: [providerRow({ revision: 4 })],
    rm_appointments: [appointmentRow(appointment)],
    rm_busy_intervals: [busyRow(TUE_10, TUE_10 + 30 * MINUTE)],
  });

const fold = (given: MemoryRows, events: readonly ProviderEvent[], firstRevision: number) => when(foldSchedule, given, recorded(PROVIDER_ID, events, { firstRevision, at: AT }));

describe('the schedule fold', () => {
  it('registers a provider: its row, and all of its availability may have changed', () => {
    const then = fold(new MemoryRows(), [registered()], 0);
    expect(then.changed).toEqual({ rm_providers: { [PROVIDER_ID]: providerRow() } });
    expect(then.changes).toEqual([{ kind: 'availability', providerId: PROVIDER_ID, from: null, to: null }]);
  });

  it('keeps the first registration, and the provider row carries the newest revision', () => {
    const then = fold(new MemoryRows({ rm_providers: [providerRow()] }), [{ ...registered(), data: { ...registered().data, name: 'Again' } } as ProviderEvent], 7);
    expect(then.changed).toEqual({ rm_providers: { [PROVIDER_ID]: providerRow({ revision: 7 }) } });
  });

  it('ignores what happens to a provider before its registration, as evolve does', () => {
    const then = fold(new MemoryRows(), [serviceOffered(), workweek(), booked()], 0);
    expect(then.changed).toEqual({});
  });

  it('keeps services as one definition document; offering an id again replaces it and keeps where it was first offered', () => {
    const given = new MemoryRows({ rm_providers: [providerRow()] });
    const offered = fold(given, [serviceOffered(SERVICE_ID, { price: { amountMinor: 4500, currency: 'EUR' } }), { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } }], 1);
    expect(offered.rows.get('rm_services', SERVICE_ID)).toEqual({
      id: SERVICE_ID,
      provider_id: PROVIDER_ID,
      definition: definition({ price: { amountMinor: 4500, currency: 'EUR' } }),
      active: false,
      offered_revision: 1,
    });
    const again = fold(offered.rows, [serviceOffered(SERVICE_ID, { durationMinutes: 45 })], 3);
    expect(again.rows.get('rm_services', SERVICE_ID)).toEqual({ id: SERVICE_ID, provider_id: PROVIDER_ID, definition: definition({ durationMinutes: 45 }), active: true, offered_revision: 1 });
  });

  it('books: the appointment, its busy row with buffers, the range taken and the appointment announced', () => {
    const then = fold(new MemoryRows({ rm_providers: [providerRow({ revision: 3 })] }), [booked({ definition: { bufferBeforeMinutes: 5, bufferAfterMinutes: 10 } })], 4);
    expect(then.changed).toEqual({
      rm_appointments: { 'appt-1': appointmentRow({ buffer_before_minutes: 5, buffer_after_minutes: 10 }) },
      rm_busy_intervals: {
        'appt-1': busyRow(TUE_10, TUE_10 + 30 * MINUTE, { buffer_before_minutes: 5, buffer_after_minutes: 10, occupied: `["${iso(TUE_10 - 5 * MINUTE)}","${iso(TUE_10 + 40 * MINUTE)}")` }),
      },
      rm_providers: { [PROVIDER_ID]: providerRow({ revision: 4 }) },
    });
    expect(then.changes).toEqual([
      { kind: 'availability', providerId: PROVIDER_ID, from: new Date(TUE_10 - 5 * MINUTE), to: new Date(TUE_10 + 40 * MINUTE) },
      { kind: 'appointment', appointmentId: 'appt-1', providerId: PROVIDER_ID, customerId: 'cust-1', ownerId: OWNER_ID },
    ]);
  });

  it('frees the busy row when an appointment ends, and leaves it when a pending one is confirmed', () => {
    const ended = fold(withAppointment(), [cancelled('appt-1', NOW + HOUR)], 5);
    expect(ended.changed.rm_busy_intervals).toEqual({ 'appt-1': null });
    expect(ended.rows.get('rm_appointments', 'appt-1')).toMatchObject({ status: 'CANCELLED', cancelled_at: iso(NOW + HOUR), cancelled_by: 'cust-1', cancelled_by_role: 'CUSTOMER', revision: 5 });
    expect(ended.changes[0]).toEqual({ kind: 'availability', providerId: PROVIDER_ID, from: new Date(TUE_10), to: new Date(TUE_10 + 30 * MINUTE) });

    const kept = fold(withAppointment({ status: 'PENDING' }), [confirmed('appt-1')], 5);
    expect(kept.changed.rm_busy_intervals).toBeUndefined();
    expect(kept.rows.get('rm_appointments', 'appt-1')).toMatchObject({ status: 'CONFIRMED' });
    expect(kept.changes.filter((c) => c.kind === 'availability')).toEqual([]);
  });

  it('moves the busy row with a reschedule: the old range freed, the new one taken', () => {
    const then = fold(withAppointment(), [{ type: 'AppointmentRescheduled', data: { providerId: PROVIDER_ID, appointmentId: 'appt-1', previousStart: iso(TUE_10), previousEnd: iso(TUE_10 + 30 * MINUTE), start: iso(TUE_10 + HOUR), end: iso(TUE_10 + 90 * MINUTE), rescheduledBy: 'cust-1', rescheduledAt: iso(NOW) } }], 5);
    expect(then.changed.rm_busy_intervals).toEqual({ 'appt-1': busyRow(TUE_10 + HOUR, TUE_10 + 90 * MINUTE) });
    expect(then.changes.filter((c) => c.kind === 'availability')).toEqual([
      { kind: 'availability', providerId: PROVIDER_ID, from: new Date(TUE_10), to: new Date(TUE_10 + 30 * MINUTE) },
      { kind: 'availability', providerId: PROVIDER_ID, from: new Date(TUE_10 + HOUR), to: new Date(TUE_10 + 90 * MINUTE) },
    ]);
  });

  it('brings an ended appointment back into the busy list when an event makes it live again', () => {
    const then = fold(new MemoryRows({ rm_providers: [providerRow({ revision: 5 })], rm_appointments: [appointmentRow({ status: 'COMPLETED' })] }), [confirmed('appt-1')], 6);
    expect(then.changed.rm_busy_intervals).toEqual({ 'appt-1': busyRow(TUE_10, TUE_10 + 30 * MINUTE) });
  });

  it("leaves another provider's appointments, services and overrides alone", () => {
    const theirs = { provider_id: 'someone-else' };
    const given = new MemoryRows({
      rm_providers: [providerRow()],
      rm_appointments: [appointmentRow(theirs)],
      rm_services: [{ id: SERVICE_ID, provider_id: 'someone-else', definition: definition(), active: true, offered_revision: 1 }],
      rm_schedule_overrides: [{ id: 'ov-1', provider_id: 'someone-else', date: '2027-03-03', blocked: true, windows: [], reason: null }],
    });
    const then = fold(given, [booked(), completed(), serviceOffered(), { type: 'ScheduleOverrideRemoved', data: { providerId: PROVIDER_ID, overrideId: 'ov-1' } }], 1);
    expect(Object.keys(then.changed)).toEqual(['rm_providers']);
  });

  it('adds and removes schedule overrides', () => {
    const override: ProviderEvent = { type: 'ScheduleOverrideAdded', data: { providerId: PROVIDER_ID, overrideId: 'ov-1', date: '2027-03-03', blocked: false, windows: [{ start: '18:00', end: '20:00' }], reason: 'late shift' } };
    const added = fold(new MemoryRows({ rm_providers: [providerRow()] }), [override], 1);
    expect(added.changed.rm_schedule_overrides).toEqual({ 'ov-1': { id: 'ov-1', provider_id: PROVIDER_ID, date: '2027-03-03', blocked: false, windows: [{ start: '18:00', end: '20:00' }], reason: 'late shift' } });
    const removed = fold(added.rows, [{ type: 'ScheduleOverrideRemoved', data: { providerId: PROVIDER_ID, overrideId: 'ov-1' } }], 2);
    expect(removed.changed.rm_schedule_overrides).toEqual({ 'ov-1': null });
  });

  it('folds a history in one go or event by event to the same rows, and folding it again changes nothing', () => {
    const history: ProviderEvent[] = [
      registered(),
      serviceOffered(),
      workweek(),
      booked({ appointmentId: 'a', status: 'PENDING' }),
      booked({ appointmentId: 'b', start: TUE_10 + HOUR }),
      confirmed('a'),
      cancelled('b'),
      booked({ appointmentId: 'c', start: TUE_10 + 2 * HOUR }),
      completed('a'),
    ];
    const whole = fold(new MemoryRows(), history, 0).rows;
    let stepwise = new MemoryRows();
    history.forEach((event, i) => {
      stepwise = fold(stepwise, [event], i).rows;
    });
    expect(stepwise.toJSON()).toEqual(whole.toJSON());
    expect(fold(whole, history, 0).rows.toJSON()).toEqual(whole.toJSON());
    expect(whole.toJSON().rm_busy_intervals).toEqual([busyRow(TUE_10 + 2 * HOUR, TUE_10 + 150 * MINUTE, { appointment_id: 'c' })]);
  });
});
