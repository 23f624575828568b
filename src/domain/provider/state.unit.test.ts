import type { ProviderEvent } from './events';
import { decide } from './decide';
import { describeState } from './decider-spec';
import {
  DAY,
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
  customer,
  definition,
  iso,
  open,
  registered,
  serviceOffered,
} from './provider-fixtures';
import {
  evolve,
  evolveAll,
  findAppointmentByIdempotencyKey,
  initialState,
  liveAppointments,
  scheduleOf,
  type ProviderState,
  type RegisteredProviderState,
} from './state';
import { serviceRulesOf } from './service-definition';

const registeredState = (events: ProviderEvent[]): RegisteredProviderState => {
  const state = evolveAll(events);
  if (state.status !== 'Registered') throw new TypeError('expected a registered provider');
  return state;
};

describe('evolve', () => {
  it('starts Unregistered and ignores anything before registration', () => {
    expect(initialState).toEqual({ status: 'Unregistered' });
    expect(evolve(initialState, serviceOffered())).toBe(initialState);
  });

  it('builds the provider from its events', () => {
    const state = registeredState([...open(), booked({ status: 'PENDING' }), confirmed()]);
    expect(state).toMatchObject({
      providerId: PROVIDER_ID,
      ownerId: OWNER_ID,
      profile: { name: 'Dr. Who', kind: 'DOCTOR', bio: null, timeZone: 'UTC' },
    });
    expect(state.services.get(SERVICE_ID)).toEqual({ id: SERVICE_ID, definition: definition(), active: true });
    expect(state.appointments.get('appt-1')).toMatchObject({ status: 'CONFIRMED', start: TUE_10, end: TUE_10 + 30 * MINUTE, customerId: 'cust-1' });
  });

  it('records cancellation details and leaves later states alone from earlier ones', () => {
    const before = registeredState([...open(), booked()]);
    const snapshot = JSON.stringify(describeState(before));
    const after = evolve(before, { ...cancelled(), data: { ...cancelled().data, late: true, reason: 'flu' } } as ProviderEvent);
    expect(after).not.toBe(before);
    expect(JSON.stringify(describeState(before))).toBe(snapshot);
    expect(after.status === 'Registered' && after.appointments.get('appt-1')).toMatchObject({
      status: 'CANCELLED',
      cancelledAt: NOW,
      cancelledBy: 'cust-1',
      cancelledByRole: 'CUSTOMER',
      cancellationReason: 'flu',
      lateCancellation: true,
    });
  });

  it('two states evolved from one cached state do not see each other’s events', () => {
    const cached = registeredState([...open(), booked()]);
    const a = evolve(cached, cancelled());
    const b = evolve(cached, completed());
    expect(cached.appointments.get('appt-1')?.status).toBe('CONFIRMED');
    expect(a.status === 'Registered' && a.appointments.get('appt-1')?.status).toBe('CANCELLED');
    expect(b.status === 'Registered' && b.appointments.get('appt-1')?.status).toBe('COMPLETED');
    expect(liveAppointments(cached)).toHaveLength(1);
  });

  it('ignores events about unknown services and appointments (events are facts; nothing to invent)', () => {
    const state = registeredState(open());
    const unknown: ProviderEvent[] = [
      { type: 'ServiceUpdated', data: { providerId: PROVIDER_ID, serviceId: 'ghost', ...definition() } },
      { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: 'ghost' } },
      confirmed('ghost'),
      cancelled('ghost'),
    ];
    const after = evolveAll(unknown, state);
    expect(describeState(after)).toEqual(describeState(state));
  });

  it('retiring keeps the definition and marks the service inactive; an update keeps it retired', () => {
    const state = registeredState([
      ...open(),
      { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } },
      { type: 'ServiceUpdated', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID, ...definition({ capacity: 2 }) } },
    ]);
    expect(state.services.get(SERVICE_ID)).toMatchObject({ active: false, definition: { capacity: 2 } });
  });
});

describe('helpers for the slot engine and the read side', () => {
  it('scheduleOf gives zone, hours and overrides sorted by date then id', () => {
    const override = (overrideId: string, date: string): ProviderEvent => ({
      type: 'ScheduleOverrideAdded',
      data: { providerId: PROVIDER_ID, overrideId, date, blocked: true, windows: [], reason: null },
    });
    const state = registeredState([...open(), override('b', '2027-05-01'), override('z', '2027-04-01'), override('a', '2027-05-01'), override('gone', '2027-01-01'),
      { type: 'ScheduleOverrideRemoved', data: { providerId: PROVIDER_ID, overrideId: 'gone' } }]);
    const schedule = scheduleOf(state);
    expect(schedule.timeZone).toBe('UTC');
    expect(schedule.weeklyHours).toHaveLength(5);
    expect(schedule.overrides.map((o) => o.id)).toEqual(['z', 'a', 'b']);
  });

  it('serviceRulesOf picks the scheduling rules of a service', () => {
    const state = registeredState([registered(), serviceOffered('s', { durationMinutes: 45, bufferAfterMinutes: 5, capacity: 3 })]);
    const service = state.services.get('s');
    expect(service && serviceRulesOf(service.id, service.definition)).toEqual({
      id: 's',
      durationMinutes: 45,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 5,
      slotIntervalMinutes: 30,
      minNoticeMinutes: 0,
      maxAdvanceDays: 90,
      capacity: 3,
    });
  });

  it('liveAppointments lists PENDING and CONFIRMED ones as busy, sorted by start', () => {
    const state = registeredState([
      ...open(),
      booked({ appointmentId: 'late', start: TUE_10 + DAY }),
      booked({ appointmentId: 'early', start: TUE_10, status: 'PENDING' }),
      booked({ appointmentId: 'gone', start: TUE_10 + 2 * DAY }),
      cancelled('gone'),
    ]);
    expect(liveAppointments(state)).toEqual([
      { appointmentId: 'early', serviceId: SERVICE_ID, start: TUE_10, end: TUE_10 + 30 * MINUTE, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, capacity: 1 },
      { appointmentId: 'late', serviceId: SERVICE_ID, start: TUE_10 + DAY, end: TUE_10 + DAY + 30 * MINUTE, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, capacity: 1 },
    ]);
  });

  it('findAppointmentByIdempotencyKey is undefined for an unregistered provider or an unknown key', () => {
    expect(findAppointmentByIdempotencyKey(initialState, 'c', 'k')).toBeUndefined();
    expect(findAppointmentByIdempotencyKey(registeredState(open()), 'c', 'k')).toBeUndefined();
  });
});

describe('a long stream', () => {
  // How fast: bench/stream-length.ts measures it (timed assertions here only measured the machine's load).
  it('folds 100,000 events and still decides on the result', () => {
    const events: ProviderEvent[] = [...open()];
    // 50,000 appointments over ~4 years of past weekdays, each completed: realistic history.
    for (let i = 0; i < 50_000; i++) {
      const start = TUE_10 - (i + 1) * 45 * MINUTE * 7; // distinct past instants; evolve does not re-check rules
      const id = `h-${i}`;
      events.push(booked({ appointmentId: id, start, customerId: `c-${i % 977}`, bookedAt: start - DAY }));
      events.push({ type: 'AppointmentCompleted', data: { providerId: PROVIDER_ID, appointmentId: id, completedAt: iso(start + 30 * MINUTE) } });
    }
    let state: ProviderState = initialState;
    for (const event of events) state = evolve(state, event);
    if (state.status !== 'Registered') throw new TypeError('expected a registered provider');
    expect(state.appointments.size).toBe(50_000);
    expect(liveAppointments(state)).toEqual([]);

    const decided = decide(
      { type: 'BookAppointment', data: { appointmentId: 'new', serviceId: SERVICE_ID, start: TUE_10, idempotencyKey: 'k' } },
      state,
      customer(),
    );
    expect(decided).toHaveLength(1);
  });
});
