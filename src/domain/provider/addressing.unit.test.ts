import { appointmentsUpdatedBy, entitiesCreatedBy, keysAddressedBy, subjectOf } from './addressing';
import type { ProviderCommand } from './commands';
import type { ProviderEvent } from './events';
import { booked, cancelled, confirmed, iso, NOW, registered, serviceOffered } from './provider-fixtures';
import { idempotencyIndexKey } from './state';

const book: ProviderCommand = { type: 'BookAppointment', data: { appointmentId: 'appt-9', serviceId: 'svc', start: NOW, idempotencyKey: 'k-1' } };
const cancel: ProviderCommand = { type: 'CancelAppointment', data: { appointmentId: 'appt-1', reason: null } };

describe('what commands and events address', () => {
  it('subjectOf: a command on an appointment names it; a booking or a provider command names no existing entity', () => {
    expect(subjectOf(cancel)).toBe('appt-1');
    expect(subjectOf({ type: 'RescheduleAppointment', data: { appointmentId: 'appt-2', newStart: NOW } })).toBe('appt-2');
    expect(subjectOf(book)).toBeNull();
    expect(subjectOf({ type: 'RetireService', data: { serviceId: 'svc' } })).toBeNull();
  });

  it('entitiesCreatedBy: a booking creates its appointment; other events create nothing addressable', () => {
    expect(entitiesCreatedBy(booked({ appointmentId: 'appt-7' }))).toEqual(['appt-7']);
    expect(entitiesCreatedBy(registered())).toEqual([]);
    expect(entitiesCreatedBy(serviceOffered())).toEqual([]);
    expect(entitiesCreatedBy(cancelled('appt-7'))).toEqual([]);
  });

  it('keysAddressedBy: a booking looks up its key (as the sender’s) and its id; an appointment command its appointment', () => {
    expect(keysAddressedBy(book, 'cust-1')).toEqual({ appointmentIds: ['appt-9'], idempotencyKeys: [idempotencyIndexKey('cust-1', 'k-1')] });
    expect(keysAddressedBy(cancel, 'cust-1')).toEqual({ appointmentIds: ['appt-1'], idempotencyKeys: [] });
    expect(keysAddressedBy({ type: 'SetWeeklyHours', data: { hours: [] } }, 'owner')).toEqual({ appointmentIds: [], idempotencyKeys: [] });
    // Values of the wrong type look nothing up (the decider refuses them).
    const garbage = { type: 'BookAppointment', data: { appointmentId: 42, serviceId: 'svc', start: NOW, idempotencyKey: null } } as unknown as ProviderCommand;
    expect(keysAddressedBy(garbage, 'cust-1')).toEqual({ appointmentIds: [], idempotencyKeys: [] });
  });

  it('appointmentsUpdatedBy: updates of appointments not booked among the same events, each once, in order', () => {
    const events: ProviderEvent[] = [
      confirmed('appt-1'),
      booked({ appointmentId: 'appt-2' }),
      cancelled('appt-2'),
      cancelled('appt-3'),
      confirmed('appt-1'),
      { type: 'AppointmentCompleted', data: { providerId: 'prov-1', appointmentId: 'appt-4', completedAt: iso(NOW) } },
    ];
    expect(appointmentsUpdatedBy(events)).toEqual(['appt-1', 'appt-3', 'appt-4']);
  });
});
