import type { ProviderEvent } from './events';
import type { ProviderCommand } from './commands';
import { spec } from './decider-spec';
import {
  DAY,
  HOUR,
  MINUTE,
  NOW,
  OWNER_ID,
  PROVIDER_ID,
  SERVICE_ID,
  TUE_10,
  admin,
  at,
  booked,
  cancelled,
  completed,
  confirmed,
  customer,
  iso,
  noShow,
  open,
  owner,
  registered,
  serviceOffered,
  stranger,
  workweek,
} from './provider-fixtures';
import { findAppointmentByIdempotencyKey, liveAppointments } from './state';

const book = (fields: Partial<{ appointmentId: string; serviceId: string; start: number; notes: string | null; idempotencyKey: string }> = {}): ProviderCommand => ({
  type: 'BookAppointment',
  data: { appointmentId: 'appt-new', serviceId: SERVICE_ID, start: TUE_10, notes: null, idempotencyKey: 'k-1', ...fields },
});
const cancel = (appointmentId = 'appt-1', reason: string | null = null): ProviderCommand => ({ type: 'CancelAppointment', data: { appointmentId, reason } });
const reschedule = (newStart: number, appointmentId = 'appt-1'): ProviderCommand => ({ type: 'RescheduleAppointment', data: { appointmentId, newStart } });
const confirm = (appointmentId = 'appt-1'): ProviderCommand => ({ type: 'ConfirmAppointment', data: { appointmentId } });
const complete = (appointmentId = 'appt-1'): ProviderCommand => ({ type: 'CompleteAppointment', data: { appointmentId } });
const markNoShow = (appointmentId = 'appt-1'): ProviderCommand => ({ type: 'MarkNoShow', data: { appointmentId } });

const SAT_10 = Date.parse('2027-03-06T10:00:00.000Z');
const AFTER_START = TUE_10 + 5 * MINUTE;

describe('BookAppointment', () => {
  it('books a free slot, CONFIRMED when the service needs no confirmation', () => {
    spec.given(open()).when(book({ notes: 'first visit' }), customer('cust-9')).then([{
      type: 'AppointmentBooked',
      data: {
        providerId: PROVIDER_ID,
        appointmentId: 'appt-new',
        serviceId: SERVICE_ID,
        customerId: 'cust-9',
        start: '2027-03-02T10:00:00.000Z',
        end: '2027-03-02T10:30:00.000Z',
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        capacity: 1,
        cancellationWindowHours: 24,
        price: null,
        status: 'CONFIRMED',
        notes: 'first visit',
        idempotencyKey: 'k-1',
        bookedAt: iso(NOW),
      },
    }]);
  });

  it('is PENDING when the service requires confirmation, and copies the service’s terms', () => {
    const history = [
      registered(),
      workweek(),
      serviceOffered('therapy', {
        durationMinutes: 50,
        slotIntervalMinutes: 60,
        bufferAfterMinutes: 10,
        bufferBeforeMinutes: 5,
        cancellationWindowHours: 48,
        requiresConfirmation: true,
        price: { amountMinor: 9000, currency: 'EUR' },
      }),
    ];
    const [event] = spec.given(history).when(book({ serviceId: 'therapy' }), customer()).events();
    expect(event?.data).toMatchObject({
      status: 'PENDING',
      end: '2027-03-02T10:50:00.000Z',
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      cancellationWindowHours: 48,
      price: { amountMinor: 9000, currency: 'EUR' },
    });
  });

  it('lets an admin book (as the customer of record)', () => {
    const [event] = spec.given(open()).when(book(), admin).events();
    expect(event?.data).toMatchObject({ customerId: 'admin-1' });
  });

  it.each(['PROVIDER', 'AUDITOR', 'SYSTEM'] as const)('refuses the role %s', (role) => {
    spec.given(open()).when(book(), { now: NOW, actor: { id: OWNER_ID, role } }).thenThrows('FORBIDDEN');
  });

  it('unknown service -> NOT_FOUND; retired service -> VALIDATION_FAILED on serviceId', () => {
    spec.given(open()).when(book({ serviceId: 'nope' }), customer()).thenThrows('NOT_FOUND');
    const retired: ProviderEvent = { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } };
    spec.given([...open(), retired]).when(book(), customer()).thenThrows('VALIDATION_FAILED', 'serviceId');
  });

  it('refuses an appointment id that already exists', () => {
    spec.given([...open(), booked({ appointmentId: 'appt-new', start: TUE_10 + DAY })]).when(book(), customer('other')).thenThrows('INVALID_TRANSITION');
  });

  describe('scheduling rules from the slot engine', () => {
    it.each([
      ['on a Saturday', SAT_10],
      ['before opening', Date.parse('2027-03-02T08:30:00.000Z')],
      ['off the slot grid', TUE_10 + 10 * MINUTE],
      ['running past closing', Date.parse('2027-03-02T16:45:00.000Z')],
    ])('%s -> OUTSIDE_AVAILABILITY', (_what, start) => {
      spec.given(open()).when(book({ start }), customer()).thenThrows('OUTSIDE_AVAILABILITY');
    });

    it('minimum notice is inclusive: exactly at now + notice books, a slot earlier is TOO_SOON', () => {
      const history = [registered(), workweek(), serviceOffered(SERVICE_ID, { minNoticeMinutes: 120 })];
      const monday10 = NOW + 2 * HOUR;
      expect(spec.given(history).when(book({ start: monday10 }), customer()).events()).toHaveLength(1);
      spec.given(history).when(book({ start: monday10 - 30 * MINUTE }), customer()).thenThrows('TOO_SOON');
    });

    it('maximum advance is inclusive: exactly maxAdvanceDays ahead books, a slot later is TOO_FAR_AHEAD', () => {
      const history = [registered(), workweek(), serviceOffered(SERVICE_ID, { maxAdvanceDays: 1 })];
      const mondayNine = NOW + HOUR;
      const ctx = customer('cust-1', mondayNine);
      expect(spec.given(history).when(book({ start: mondayNine + DAY }), ctx).events()).toHaveLength(1);
      spec.given(history).when(book({ start: mondayNine + DAY + 30 * MINUTE }), ctx).thenThrows('TOO_FAR_AHEAD');
    });

    it('a taken time -> SLOT_TAKEN', () => {
      spec.given([...open(), booked()]).when(book(), customer('cust-2')).thenThrows('SLOT_TAKEN');
    });

    it('buffers keep neighbours apart', () => {
      const history = [...open(), serviceOffered('buffered', { bufferAfterMinutes: 15 }), booked({ serviceId: 'buffered', definition: { bufferAfterMinutes: 15 } })];
      spec.given(history).when(book({ start: TUE_10 + 30 * MINUTE }), customer('cust-2')).thenThrows('SLOT_TAKEN');
      expect(spec.given(history).when(book({ start: TUE_10 + HOUR }), customer('cust-2')).events()).toHaveLength(1);
    });

    it('a cancelled appointment frees its time', () => {
      expect(spec.given([...open(), booked(), cancelled()]).when(book(), customer('cust-2')).events()).toHaveLength(1);
    });

    it('a class shares seats at one start up to its capacity, and blocks other services', () => {
      const cls = { capacity: 3 };
      const history = [
        ...open(),
        serviceOffered('class', cls),
        booked({ appointmentId: 'c1', serviceId: 'class', customerId: 'a', definition: cls }),
        booked({ appointmentId: 'c2', serviceId: 'class', customerId: 'b', definition: cls }),
      ];
      const third = spec.given(history).when(book({ serviceId: 'class', appointmentId: 'c3' }), customer('c')).events();
      expect(third).toHaveLength(1);
      spec.given([...history, ...third]).when(book({ serviceId: 'class', appointmentId: 'c4' }), customer('d')).thenThrows('SLOT_TAKEN');
      spec.given(history).when(book({ serviceId: SERVICE_ID }), customer('c')).thenThrows('SLOT_TAKEN');
    });

    it('honours overrides: a blocked day is closed, extra hours open a Saturday', () => {
      const blocked: ProviderEvent = {
        type: 'ScheduleOverrideAdded',
        data: { providerId: PROVIDER_ID, overrideId: 'o1', date: '2027-03-02', blocked: true, windows: [], reason: 'Holiday' },
      };
      const extra: ProviderEvent = {
        type: 'ScheduleOverrideAdded',
        data: { providerId: PROVIDER_ID, overrideId: 'o2', date: '2027-03-06', blocked: false, windows: [{ start: '10:00', end: '12:00' }], reason: null },
      };
      spec.given([...open(), blocked]).when(book(), customer()).thenThrows('OUTSIDE_AVAILABILITY');
      expect(spec.given([...open(), extra]).when(book({ start: SAT_10 }), customer()).events()).toHaveLength(1);
    });
  });
});

describe('idempotency', () => {
  const first = booked({ appointmentId: 'appt-1', customerId: 'cust-1', idempotencyKey: 'k-1' });

  it('the same key with the same service and start decides nothing; the earlier appointment is found by key', () => {
    const given = spec.given([...open(), first]);
    given.when(book({ appointmentId: 'appt-retry' }), customer('cust-1')).then([]);
    expect(findAppointmentByIdempotencyKey(given.when(book(), customer('cust-1')).state(), 'cust-1', 'k-1')?.id).toBe('appt-1');
  });

  it('a retry still returns nothing after the time has passed or the appointment was cancelled or moved', () => {
    spec.given([...open(), first]).when(book(), customer('cust-1', TUE_10 + HOUR)).then([]);
    spec.given([...open(), first, cancelled()]).when(book(), customer('cust-1')).then([]);
    const moved: ProviderEvent = {
      type: 'AppointmentRescheduled',
      data: {
        providerId: PROVIDER_ID, appointmentId: 'appt-1', previousStart: iso(TUE_10), previousEnd: iso(TUE_10 + 30 * MINUTE),
        start: iso(TUE_10 + HOUR), end: iso(TUE_10 + 90 * MINUTE), rescheduledBy: 'cust-1', rescheduledAt: iso(NOW),
      },
    };
    spec.given([...open(), first, moved]).when(book(), customer('cust-1')).then([]);
  });

  it('the same key with a different start or service -> VALIDATION_FAILED on idempotencyKey', () => {
    const history = [...open(), serviceOffered('other'), first];
    spec.given(history).when(book({ start: TUE_10 + HOUR }), customer('cust-1')).thenThrows('VALIDATION_FAILED', 'idempotencyKey');
    spec.given(history).when(book({ serviceId: 'other' }), customer('cust-1')).thenThrows('VALIDATION_FAILED', 'idempotencyKey');
  });

  it('keys belong to one customer: another customer’s same key is a new request', () => {
    spec.given([...open(), first]).when(book({ start: TUE_10 + HOUR }), customer('cust-2')).events();
    expect(findAppointmentByIdempotencyKey(spec.given([...open(), first]).when(book(), customer('cust-1')).state(), 'cust-2', 'k-1')).toBeUndefined();
  });

  it('customer and key cannot be confused across the separator', () => {
    const tricky = booked({ appointmentId: 'a-x', customerId: 'a:b', idempotencyKey: 'c' });
    const state = spec.given([...open(), tricky]).when(book({ start: TUE_10 + HOUR, idempotencyKey: 'b:c' }), customer('a')).state();
    expect(findAppointmentByIdempotencyKey(state, 'a', 'b:c')?.id).toBe('appt-new');
    expect(findAppointmentByIdempotencyKey(state, 'a:b', 'c')?.id).toBe('a-x');
  });
});

describe('ConfirmAppointment', () => {
  const pending = booked({ status: 'PENDING' });
  it('confirms a PENDING appointment (owner or admin)', () => {
    const expected: ProviderEvent[] = [{ type: 'AppointmentConfirmed', data: { providerId: PROVIDER_ID, appointmentId: 'appt-1', confirmedAt: iso(NOW) } }];
    spec.given([...open(), pending]).when(confirm(), owner).then(expected);
    spec.given([...open(), pending]).when(confirm(), admin).then(expected);
  });
  it.each([
    ['CONFIRMED', [booked()]],
    ['CANCELLED', [pending, cancelled()]],
    ['COMPLETED', [booked(), completed()]],
    ['NO_SHOW', [booked(), noShow()]],
  ] as const)('refuses a %s appointment', (_status, events) => {
    spec.given([...open(), ...events]).when(confirm(), owner).thenThrows('INVALID_TRANSITION');
  });
  it('is not the customer’s to do; unknown -> NOT_FOUND even for a stranger', () => {
    spec.given([...open(), pending]).when(confirm(), customer()).thenThrows('FORBIDDEN');
    spec.given([...open(), pending]).when(confirm('nope'), stranger).thenThrows('NOT_FOUND');
  });
});

describe('CancelAppointment', () => {
  const cancelledBy = (context: { now: number; actor: { id: string; role: string } }, late: boolean, reason: string | null = null): ProviderEvent[] => [{
    type: 'AppointmentCancelled',
    data: {
      providerId: PROVIDER_ID,
      appointmentId: 'appt-1',
      cancelledBy: context.actor.id,
      cancelledByRole: context.actor.role as 'CUSTOMER',
      reason,
      late,
      cancelledAt: iso(context.now),
    },
  }];

  it('the customer cancels on time, with a reason', () => {
    spec.given([...open(), booked()]).when(cancel('appt-1', 'sick'), customer()).then(cancelledBy(customer(), false, 'sick'));
  });

  it('exactly at the window boundary is on time; one millisecond later is late', () => {
    const boundary = customer('cust-1', TUE_10 - 24 * HOUR);
    const after = customer('cust-1', TUE_10 - 24 * HOUR + 1);
    spec.given([...open(), booked()]).when(cancel(), boundary).then(cancelledBy(boundary, false));
    spec.given([...open(), booked()]).when(cancel(), after).then(cancelledBy(after, true));
  });

  it('uses the window copied at booking, not the service’s current one', () => {
    const history = [...open(), booked({ definition: { cancellationWindowHours: 2 } })];
    const ctx = customer('cust-1', TUE_10 - 3 * HOUR);
    spec.given(history).when(cancel(), ctx).then(cancelledBy(ctx, false));
  });

  it('the owner and an admin may cancel; PENDING appointments too', () => {
    spec.given([...open(), booked()]).when(cancel(), owner).then(cancelledBy(owner, false));
    spec.given([...open(), booked({ status: 'PENDING' })]).when(cancel(), admin).then(cancelledBy(admin, false));
  });

  it('another customer or a stranger -> FORBIDDEN; an unknown appointment -> NOT_FOUND', () => {
    spec.given([...open(), booked()]).when(cancel(), customer('cust-2')).thenThrows('FORBIDDEN');
    spec.given([...open(), booked()]).when(cancel(), stranger).thenThrows('FORBIDDEN');
    spec.given([...open(), booked()]).when(cancel('nope'), stranger).thenThrows('NOT_FOUND');
  });

  it.each([
    ['CANCELLED', [booked(), cancelled()]],
    ['COMPLETED', [booked(), completed()]],
    ['NO_SHOW', [booked(), noShow()]],
  ] as const)('refuses a %s appointment', (_status, events) => {
    spec.given([...open(), ...events]).when(cancel(), customer()).thenThrows('INVALID_TRANSITION');
  });
});

describe('RescheduleAppointment', () => {
  const ELEVEN = TUE_10 + HOUR;

  it('moves a live appointment, keeping its status and length', () => {
    const given = spec.given([...open(), booked({ status: 'PENDING', definition: { requiresConfirmation: true } })]);
    given.when(reschedule(ELEVEN), customer()).then([{
      type: 'AppointmentRescheduled',
      data: {
        providerId: PROVIDER_ID,
        appointmentId: 'appt-1',
        previousStart: iso(TUE_10),
        previousEnd: iso(TUE_10 + 30 * MINUTE),
        start: iso(ELEVEN),
        end: iso(ELEVEN + 30 * MINUTE),
        rescheduledBy: 'cust-1',
        rescheduledAt: iso(NOW),
      },
    }]);
    const state = given.when(reschedule(ELEVEN), customer()).state();
    expect(state.status === 'Registered' && state.appointments.get('appt-1')).toMatchObject({ status: 'PENDING', start: ELEVEN, end: ELEVEN + 30 * MINUTE });
  });

  it('frees the old time: another booking there succeeds afterwards', () => {
    const moved = spec.given([...open(), booked()]).when(reschedule(ELEVEN), customer()).events();
    expect(spec.given([...open(), booked(), ...moved]).when(book(), customer('cust-2')).events()).toHaveLength(1);
    spec.given([...open(), booked(), ...moved]).when(book({ start: ELEVEN }), customer('cust-2')).thenThrows('SLOT_TAKEN');
  });

  it('a taken time -> SLOT_TAKEN', () => {
    const history = [...open(), booked(), booked({ appointmentId: 'appt-2', customerId: 'cust-2', start: ELEVEN })];
    spec.given(history).when(reschedule(ELEVEN), customer()).thenThrows('SLOT_TAKEN');
  });

  it('may move into its own current range (the appointment does not block itself)', () => {
    const hour = { durationMinutes: 60, slotIntervalMinutes: 30 };
    const history = [registered(), workweek(), serviceOffered(SERVICE_ID, hour), booked({ definition: hour })];
    expect(spec.given(history).when(reschedule(TUE_10 + 30 * MINUTE), customer()).events()).toHaveLength(1);
  });

  it('checks the appointment’s own buffers, even after the service dropped them', () => {
    const history = [
      ...open(),
      booked({ definition: { bufferAfterMinutes: 30 } }), // service had a 30-minute buffer at booking
      booked({ appointmentId: 'appt-2', customerId: 'cust-2', start: ELEVEN }),
    ];
    spec.given(history).when(reschedule(TUE_10 + 30 * MINUTE), customer()).thenThrows('SLOT_TAKEN');
  });

  it('applies the service’s current notice and availability rules', () => {
    spec.given([...open(), booked()]).when(reschedule(SAT_10), customer()).thenThrows('OUTSIDE_AVAILABILITY');
    const mondayTen = NOW + 2 * HOUR;
    spec.given([...open(), booked()]).when(reschedule(mondayTen), customer('cust-1', mondayTen + 1)).thenThrows('TOO_SOON');
    spec.given([...open(), booked()]).when(reschedule(TUE_10 + 91 * DAY), customer()).thenThrows('TOO_FAR_AHEAD');
  });

  it('the same start -> VALIDATION_FAILED on newStart', () => {
    spec.given([...open(), booked()]).when(reschedule(TUE_10), customer()).thenThrows('VALIDATION_FAILED', 'newStart');
  });

  it('works after the service was retired (retiring stops new bookings only)', () => {
    const retired: ProviderEvent = { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } };
    expect(spec.given([...open(), booked(), retired]).when(reschedule(ELEVEN), customer()).events()).toHaveLength(1);
  });

  it('owner and admin may; another customer or a stranger may not; unknown -> NOT_FOUND', () => {
    expect(spec.given([...open(), booked()]).when(reschedule(ELEVEN), owner).events()).toHaveLength(1);
    expect(spec.given([...open(), booked()]).when(reschedule(ELEVEN), admin).events()).toHaveLength(1);
    spec.given([...open(), booked()]).when(reschedule(ELEVEN), customer('cust-2')).thenThrows('FORBIDDEN');
    spec.given([...open(), booked()]).when(reschedule(ELEVEN), stranger).thenThrows('FORBIDDEN');
    spec.given([...open(), booked()]).when(reschedule(ELEVEN, 'nope'), customer()).thenThrows('NOT_FOUND');
  });

  it.each([
    ['CANCELLED', [booked(), cancelled()]],
    ['COMPLETED', [booked(), completed()]],
    ['NO_SHOW', [booked(), noShow()]],
  ] as const)('refuses a %s appointment', (_status, events) => {
    spec.given([...open(), ...events]).when(reschedule(ELEVEN), customer()).thenThrows('INVALID_TRANSITION');
  });
});

describe.each([
  ['CompleteAppointment', complete, 'AppointmentCompleted', 'completedAt'],
  ['MarkNoShow', markNoShow, 'AppointmentMarkedNoShow', 'markedAt'],
] as const)('%s', (_name, command, eventType, timeField) => {
  it('applies to a CONFIRMED appointment from its start on (exactly at the start included)', () => {
    const ctx = at(owner, TUE_10);
    const [event] = spec.given([...open(), booked()]).when(command(), ctx).events();
    expect(event).toEqual({ type: eventType, data: { providerId: PROVIDER_ID, appointmentId: 'appt-1', [timeField]: iso(TUE_10) } });
    expect(spec.given([...open(), booked()]).when(command(), at(admin, AFTER_START)).events()).toHaveLength(1);
  });

  it('refuses before the start, saying so', () => {
    const error = spec.given([...open(), booked()]).when(command(), at(owner, TUE_10 - 1)).thenThrows('INVALID_TRANSITION');
    expect(error.message).toMatch(/before it starts/);
  });

  it.each([
    ['PENDING', [booked({ status: 'PENDING' })]],
    ['CANCELLED', [booked(), cancelled()]],
    ['COMPLETED', [booked(), completed()]],
    ['NO_SHOW', [booked(), noShow()]],
  ] as const)('refuses a %s appointment', (_status, events) => {
    spec.given([...open(), ...events]).when(command(), at(owner, AFTER_START)).thenThrows('INVALID_TRANSITION');
  });

  it('is the owner’s (or an admin’s): the customer -> FORBIDDEN; unknown -> NOT_FOUND', () => {
    spec.given([...open(), booked()]).when(command(), customer('cust-1', AFTER_START)).thenThrows('FORBIDDEN');
    spec.given([...open(), booked()]).when(command('nope'), at(stranger, AFTER_START)).thenThrows('NOT_FOUND');
  });
});

describe('a confirmed-then-cancelled appointment leaves the busy list', () => {
  it('liveAppointments follows the lifecycle', () => {
    const state = spec.given([...open(), booked({ status: 'PENDING' }), confirmed()]).when(cancel(), customer()).state();
    expect(state.status === 'Registered' && liveAppointments(state)).toEqual([]);
  });
});
