import { spec } from './decider-spec';
import {
  OWNER_ID,
  PROVIDER_ID,
  SERVICE_ID,
  admin,
  customer,
  definition,
  open,
  owner,
  registered,
  serviceOffered,
  stranger,
} from './provider-fixtures';
import type { ProviderEvent } from './events';
import type { ProviderCommand } from './commands';

const register: ProviderCommand = {
  type: 'RegisterProvider',
  data: { providerId: PROVIDER_ID, ownerId: OWNER_ID, name: '  Dr. Who  ', kind: 'DOCTOR', bio: null, timeZone: 'Europe/Berlin' },
};

describe('RegisterProvider', () => {
  it('registers a new provider with a trimmed name', () => {
    spec.given([]).when(register, owner).then([{
      type: 'ProviderRegistered',
      data: { providerId: PROVIDER_ID, ownerId: OWNER_ID, name: 'Dr. Who', kind: 'DOCTOR', bio: null, timeZone: 'Europe/Berlin' },
    }]);
  });

  it('defaults missing kind and bio to null', () => {
    const events = spec
      .given([])
      .when({ type: 'RegisterProvider', data: { providerId: 'p', ownerId: OWNER_ID, name: 'X', timeZone: 'UTC' } }, owner)
      .events();
    expect(events[0]?.data).toMatchObject({ kind: null, bio: null });
  });

  it('lets an admin register a provider for someone else', () => {
    expect(spec.given([]).when(register, admin).events()).toHaveLength(1);
  });

  it('refuses to register a provider owned by someone else', () => {
    spec.given([]).when(register, stranger).thenThrows('FORBIDDEN');
  });

  it('refuses to register twice', () => {
    spec.given([registered()]).when(register, owner).thenThrows('INVALID_TRANSITION');
  });
});

describe('every other command on an unregistered provider', () => {
  const commands: ProviderCommand[] = [
    { type: 'UpdateProviderProfile', data: { name: 'x' } },
    { type: 'OfferService', data: { serviceId: 's', name: 'x', durationMinutes: 30 } },
    { type: 'UpdateService', data: { serviceId: 's' } },
    { type: 'RetireService', data: { serviceId: 's' } },
    { type: 'SetWeeklyHours', data: { hours: [] } },
    { type: 'AddScheduleOverride', data: { overrideId: 'o', date: '2027-03-01', blocked: true } },
    { type: 'RemoveScheduleOverride', data: { overrideId: 'o' } },
    { type: 'BookAppointment', data: { appointmentId: 'a', serviceId: 's', start: 0, idempotencyKey: 'k' } },
    { type: 'ConfirmAppointment', data: { appointmentId: 'a' } },
    { type: 'CancelAppointment', data: { appointmentId: 'a' } },
    { type: 'RescheduleAppointment', data: { appointmentId: 'a', newStart: 0 } },
    { type: 'CompleteAppointment', data: { appointmentId: 'a' } },
    { type: 'MarkNoShow', data: { appointmentId: 'a' } },
  ];
  it.each(commands.map((c) => [c.type, c] as const))('%s -> NOT_FOUND', (_type, command) => {
    spec.given([]).when(command, admin).thenThrows('NOT_FOUND');
  });
});

describe('UpdateProviderProfile', () => {
  it('emits the whole profile with the given fields changed', () => {
    spec.given([registered()]).when({ type: 'UpdateProviderProfile', data: { bio: 'Hi', timeZone: 'Europe/Vienna' } }, owner).then([{
      type: 'ProviderProfileUpdated',
      data: { providerId: PROVIDER_ID, name: 'Dr. Who', kind: 'DOCTOR', bio: 'Hi', timeZone: 'Europe/Vienna' },
    }]);
  });

  it('clears kind with null', () => {
    const events = spec.given([registered()]).when({ type: 'UpdateProviderProfile', data: { kind: null } }, owner).events();
    expect(events[0]?.data).toMatchObject({ kind: null });
  });

  it('records nothing when nothing changes', () => {
    spec.given([registered()]).when({ type: 'UpdateProviderProfile', data: { name: 'Dr. Who' } }, owner).then([]);
  });

  it('is the owner’s or an admin’s business only', () => {
    const command: ProviderCommand = { type: 'UpdateProviderProfile', data: { name: 'Evil' } };
    spec.given([registered()]).when(command, stranger).thenThrows('FORBIDDEN');
    spec.given([registered()]).when(command, customer()).thenThrows('FORBIDDEN');
    expect(spec.given([registered()]).when(command, admin).events()).toHaveLength(1);
  });

  it('checks authorization before validation, so a stranger learns nothing', () => {
    spec.given([registered()]).when({ type: 'UpdateProviderProfile', data: { timeZone: 'Mars/Base' } }, stranger).thenThrows('FORBIDDEN');
  });
});

describe('OfferService', () => {
  it('applies the documented defaults', () => {
    spec.given([registered()]).when({ type: 'OfferService', data: { serviceId: 'svc-45', name: ' Checkup ', durationMinutes: 45 } }, owner).then([{
      type: 'ServiceOffered',
      data: {
        providerId: PROVIDER_ID,
        serviceId: 'svc-45',
        name: 'Checkup',
        durationMinutes: 45,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
        slotIntervalMinutes: 45,
        minNoticeMinutes: 0,
        maxAdvanceDays: 90,
        cancellationWindowHours: 24,
        capacity: 1,
        requiresConfirmation: false,
        virtual: false,
        price: null,
      },
    }]);
  });

  it('keeps every given field', () => {
    const given = {
      name: 'Yoga class',
      durationMinutes: 60,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 15,
      slotIntervalMinutes: 30,
      minNoticeMinutes: 120,
      maxAdvanceDays: 30,
      cancellationWindowHours: 12,
      capacity: 12,
      requiresConfirmation: true,
      virtual: true,
      price: { amountMinor: 2500, currency: 'EUR' },
    };
    spec.given([registered()]).when({ type: 'OfferService', data: { serviceId: 'yoga', ...given } }, owner).then([
      { type: 'ServiceOffered', data: { providerId: PROVIDER_ID, serviceId: 'yoga', ...given } },
    ]);
  });

  it('refuses an id that is already taken', () => {
    spec.given(open()).when({ type: 'OfferService', data: { serviceId: SERVICE_ID, name: 'x', durationMinutes: 30 } }, owner).thenThrows('INVALID_TRANSITION');
  });

  it('is forbidden to strangers and customers', () => {
    const command: ProviderCommand = { type: 'OfferService', data: { serviceId: 'x', name: 'x', durationMinutes: 30 } };
    spec.given([registered()]).when(command, stranger).thenThrows('FORBIDDEN');
    spec.given([registered()]).when(command, customer()).thenThrows('FORBIDDEN');
  });
});

describe('UpdateService', () => {
  it('emits the full new definition', () => {
    spec.given(open()).when({ type: 'UpdateService', data: { serviceId: SERVICE_ID, capacity: 4, price: { amountMinor: 100, currency: 'USD' } } }, owner).then([{
      type: 'ServiceUpdated',
      data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID, ...definition({ capacity: 4, price: { amountMinor: 100, currency: 'USD' } }) },
    }]);
  });

  it('records nothing when nothing changes', () => {
    spec.given(open()).when({ type: 'UpdateService', data: { serviceId: SERVICE_ID, durationMinutes: 30 } }, owner).then([]);
  });

  it('clears the price with null', () => {
    const priced: ProviderEvent[] = [registered(), serviceOffered(SERVICE_ID, { price: { amountMinor: 5, currency: 'EUR' } })];
    const events = spec.given(priced).when({ type: 'UpdateService', data: { serviceId: SERVICE_ID, price: null } }, owner).events();
    expect(events[0]?.data).toMatchObject({ price: null });
  });

  it('unknown service -> NOT_FOUND; retired -> INVALID_TRANSITION; stranger -> FORBIDDEN', () => {
    spec.given(open()).when({ type: 'UpdateService', data: { serviceId: 'nope', capacity: 2 } }, owner).thenThrows('NOT_FOUND');
    const retired: ProviderEvent = { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } };
    spec.given([...open(), retired]).when({ type: 'UpdateService', data: { serviceId: SERVICE_ID, capacity: 2 } }, owner).thenThrows('INVALID_TRANSITION');
    spec.given(open()).when({ type: 'UpdateService', data: { serviceId: SERVICE_ID, capacity: 2 } }, stranger).thenThrows('FORBIDDEN');
  });
});

describe('RetireService', () => {
  const retire: ProviderCommand = { type: 'RetireService', data: { serviceId: SERVICE_ID } };
  const retired: ProviderEvent = { type: 'ServiceRetired', data: { providerId: PROVIDER_ID, serviceId: SERVICE_ID } };

  it('retires an active service', () => {
    spec.given(open()).when(retire, owner).then([retired]);
  });
  it('refuses to retire twice', () => {
    spec.given([...open(), retired]).when(retire, owner).thenThrows('INVALID_TRANSITION');
  });
  it('unknown service -> NOT_FOUND', () => {
    spec.given(open()).when({ type: 'RetireService', data: { serviceId: 'nope' } }, owner).thenThrows('NOT_FOUND');
  });
  it('stranger -> FORBIDDEN, admin may', () => {
    spec.given(open()).when(retire, stranger).thenThrows('FORBIDDEN');
    spec.given(open()).when(retire, admin).then([retired]);
  });
});

describe('SetWeeklyHours', () => {
  it('stores weekdays Monday first and windows sorted by start', () => {
    spec.given([registered()]).when({
      type: 'SetWeeklyHours',
      data: {
        hours: [
          { weekday: 'FRIDAY', windows: [{ start: '14:00', end: '24:00' }, { start: '08:00', end: '12:00' }] },
          { weekday: 'MONDAY', windows: [] },
        ],
      },
    }, owner).then([{
      type: 'WeeklyHoursSet',
      data: {
        providerId: PROVIDER_ID,
        hours: [
          { weekday: 'MONDAY', windows: [] },
          { weekday: 'FRIDAY', windows: [{ start: '08:00', end: '12:00' }, { start: '14:00', end: '24:00' }] },
        ],
      },
    }]);
  });

  it('allows touching windows', () => {
    const events = spec.given([registered()]).when({
      type: 'SetWeeklyHours',
      data: { hours: [{ weekday: 'MONDAY', windows: [{ start: '09:00', end: '12:00' }, { start: '12:00', end: '13:00' }] }] },
    }, owner).events();
    expect(events).toHaveLength(1);
  });

  it('stranger -> FORBIDDEN', () => {
    spec.given([registered()]).when({ type: 'SetWeeklyHours', data: { hours: [] } }, stranger).thenThrows('FORBIDDEN');
  });
});

describe('schedule overrides', () => {
  const add: ProviderCommand = {
    type: 'AddScheduleOverride',
    data: { overrideId: 'ov-1', date: '2027-03-02', blocked: true, windows: [{ start: '12:00', end: '13:00' }], reason: 'Lunch meeting' },
  };
  const added: ProviderEvent = {
    type: 'ScheduleOverrideAdded',
    data: { providerId: PROVIDER_ID, overrideId: 'ov-1', date: '2027-03-02', blocked: true, windows: [{ start: '12:00', end: '13:00' }], reason: 'Lunch meeting' },
  };

  it('adds an override', () => {
    spec.given(open()).when(add, owner).then([added]);
  });

  it('a whole blocked day needs no windows and no reason', () => {
    spec.given(open()).when({ type: 'AddScheduleOverride', data: { overrideId: 'ov-2', date: '2027-12-24', blocked: true } }, owner).then([{
      type: 'ScheduleOverrideAdded',
      data: { providerId: PROVIDER_ID, overrideId: 'ov-2', date: '2027-12-24', blocked: true, windows: [], reason: null },
    }]);
  });

  it('refuses a duplicate id', () => {
    spec.given([...open(), added]).when(add, owner).thenThrows('INVALID_TRANSITION');
  });

  it('removes an override; an unknown id -> NOT_FOUND', () => {
    const remove: ProviderCommand = { type: 'RemoveScheduleOverride', data: { overrideId: 'ov-1' } };
    spec.given([...open(), added]).when(remove, owner).then([
      { type: 'ScheduleOverrideRemoved', data: { providerId: PROVIDER_ID, overrideId: 'ov-1' } },
    ]);
    spec.given(open()).when(remove, owner).thenThrows('NOT_FOUND');
    const removed: ProviderEvent = { type: 'ScheduleOverrideRemoved', data: { providerId: PROVIDER_ID, overrideId: 'ov-1' } };
    spec.given([...open(), added, removed]).when(remove, owner).thenThrows('NOT_FOUND');
  });

  it('stranger -> FORBIDDEN for add and remove', () => {
    spec.given(open()).when(add, stranger).thenThrows('FORBIDDEN');
    spec.given([...open(), added]).when({ type: 'RemoveScheduleOverride', data: { overrideId: 'ov-1' } }, customer()).thenThrows('FORBIDDEN');
  });
});
