import type { ProviderCommand } from './commands';
import { spec } from './decider-spec';
import { OWNER_ID, SERVICE_ID, TUE_10, booked, customer, open, owner, registered } from './provider-fixtures';

const long = (n: number): string => 'x'.repeat(n);
const offer = (fields: Record<string, unknown>): ProviderCommand =>
  ({ type: 'OfferService', data: { serviceId: 'new', name: 'Svc', durationMinutes: 30, ...fields } }) as ProviderCommand;
const hours = (h: unknown): ProviderCommand => ({ type: 'SetWeeklyHours', data: { hours: h } }) as ProviderCommand;
const override = (fields: Record<string, unknown>): ProviderCommand =>
  ({ type: 'AddScheduleOverride', data: { overrideId: 'ov', date: '2027-03-02', blocked: true, ...fields } }) as ProviderCommand;
const book = (fields: Record<string, unknown>): ProviderCommand =>
  ({ type: 'BookAppointment', data: { appointmentId: 'a-new', serviceId: SERVICE_ID, start: TUE_10, idempotencyKey: 'k', ...fields } }) as ProviderCommand;

/** [description, command, refused field, offending value]. Each is refused with VALIDATION_FAILED. */
const refused: [string, ProviderCommand, string, unknown][] = [
  // profile
  ['blank name', { type: 'UpdateProviderProfile', data: { name: '   ' } }, 'name', '   '],
  ['name over 200', { type: 'UpdateProviderProfile', data: { name: long(201) } }, 'name', long(201)],
  ['bio over 2000', { type: 'UpdateProviderProfile', data: { bio: long(2001) } }, 'bio', long(2001)],
  ['kind over 60', { type: 'UpdateProviderProfile', data: { kind: long(61) } }, 'kind', long(61)],
  ['unknown zone', { type: 'UpdateProviderProfile', data: { timeZone: 'Mars/Olympus' } }, 'timeZone', 'Mars/Olympus'],
  ['fixed offset instead of a zone', { type: 'UpdateProviderProfile', data: { timeZone: '+02:00' } }, 'timeZone', '+02:00'],
  // service
  ['blank service name', offer({ name: '' }), 'name', ''],
  ['duration below 5', offer({ durationMinutes: 4 }), 'durationMinutes', 4],
  ['duration above 1440', offer({ durationMinutes: 1441 }), 'durationMinutes', 1441],
  ['fractional duration', offer({ durationMinutes: 30.5 }), 'durationMinutes', 30.5],
  ['negative buffer before', offer({ bufferBeforeMinutes: -1 }), 'bufferBeforeMinutes', -1],
  ['buffer after above 1440', offer({ bufferAfterMinutes: 1441 }), 'bufferAfterMinutes', 1441],
  ['slot interval below 5', offer({ slotIntervalMinutes: 4 }), 'slotIntervalMinutes', 4],
  ['slot interval above 1440', offer({ slotIntervalMinutes: 1441 }), 'slotIntervalMinutes', 1441],
  ['negative notice', offer({ minNoticeMinutes: -5 }), 'minNoticeMinutes', -5],
  ['notice above a year', offer({ minNoticeMinutes: 525_601 }), 'minNoticeMinutes', 525_601],
  ['max advance 0 days', offer({ maxAdvanceDays: 0 }), 'maxAdvanceDays', 0],
  ['max advance above 3650', offer({ maxAdvanceDays: 3651 }), 'maxAdvanceDays', 3651],
  ['negative cancellation window', offer({ cancellationWindowHours: -1 }), 'cancellationWindowHours', -1],
  ['cancellation window above 8760', offer({ cancellationWindowHours: 8761 }), 'cancellationWindowHours', 8761],
  ['capacity 0', offer({ capacity: 0 }), 'capacity', 0],
  ['capacity above 10000', offer({ capacity: 10_001 }), 'capacity', 10_001],
  ['negative price', offer({ price: { amountMinor: -1, currency: 'EUR' } }), 'price.amountMinor', -1],
  ['price above 2^31-1', offer({ price: { amountMinor: 2 ** 31, currency: 'EUR' } }), 'price.amountMinor', 2 ** 31],
  ['fractional price', offer({ price: { amountMinor: 1.5, currency: 'EUR' } }), 'price.amountMinor', 1.5],
  ['lowercase currency', offer({ price: { amountMinor: 1, currency: 'eur' } }), 'price.currency', 'eur'],
  ['unknown currency', offer({ price: { amountMinor: 1, currency: 'ZZZ' } }), 'price.currency', 'ZZZ'],
  ['non-boolean requiresConfirmation', offer({ requiresConfirmation: 'yes' }), 'requiresConfirmation', 'yes'],
  ['update: duration 0', { type: 'UpdateService', data: { serviceId: SERVICE_ID, durationMinutes: 0 } }, 'durationMinutes', 0],
  // weekly hours
  ['malformed start', hours([{ weekday: 'MONDAY', windows: [{ start: '9:00', end: '17:00' }] }]), 'hours[0].windows[0].start', '9:00'],
  ['24:00 as a start', hours([{ weekday: 'MONDAY', windows: [{ start: '24:00', end: '24:00' }] }]), 'hours[0].windows[0].start', '24:00'],
  ['malformed end', hours([{ weekday: 'MONDAY', windows: [{ start: '09:00', end: '25:00' }] }]), 'hours[0].windows[0].end', '25:00'],
  [
    'end not after start',
    hours([{ weekday: 'TUESDAY', windows: [{ start: '08:00', end: '09:00' }, { start: '12:00', end: '12:00' }] }]),
    'hours[0].windows[1].end',
    '12:00',
  ],
  [
    'overlapping windows',
    hours([{ weekday: 'MONDAY', windows: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }] }]),
    'hours[0].windows[1]',
    { start: '11:00', end: '13:00' },
  ],
  [
    'overlap reported on the later input window even when it starts earlier',
    hours([{ weekday: 'MONDAY', windows: [{ start: '11:00', end: '13:00' }, { start: '09:00', end: '12:00' }] }]),
    'hours[0].windows[1]',
    { start: '09:00', end: '12:00' },
  ],
  ['weekday twice', hours([{ weekday: 'MONDAY', windows: [] }, { weekday: 'MONDAY', windows: [] }]), 'hours[1].weekday', 'MONDAY'],
  ['unknown weekday', hours([{ weekday: 'FUNDAY', windows: [] }]), 'hours[0].weekday', 'FUNDAY'],
  // overrides
  ['impossible date', override({ date: '2027-02-30' }), 'date', '2027-02-30'],
  ['malformed date', override({ date: '2027-3-1' }), 'date', '2027-3-1'],
  ['extra time without windows', override({ blocked: false, windows: [] }), 'windows', []],
  ['override window end before start', override({ windows: [{ start: '13:00', end: '12:00' }] }), 'windows[0].end', '12:00'],
  [
    'overlapping override windows',
    override({ blocked: false, windows: [{ start: '18:00', end: '20:00' }, { start: '19:00', end: '21:00' }] }),
    'windows[1]',
    { start: '19:00', end: '21:00' },
  ],
  ['reason over 500', override({ reason: long(501) }), 'reason', long(501)],
];

describe('validation: refused with VALIDATION_FAILED naming the field and value', () => {
  it.each(refused)('%s', (_description, command, field, value) => {
    const history = [...open(), booked()];
    const error = spec.given(history).when(command, owner).thenThrows('VALIDATION_FAILED', field);
    expect(error.details.value).toEqual(value);
  });
});

describe('validation of bookings and appointment commands', () => {
  const cases: [string, ProviderCommand, string][] = [
    ['notes over 2000', book({ notes: long(2001) }), 'notes'],
    ['empty idempotency key', book({ idempotencyKey: '' }), 'idempotencyKey'],
    ['idempotency key over 200', book({ idempotencyKey: long(201) }), 'idempotencyKey'],
    ['start that is no instant', book({ start: Number.NaN }), 'start'],
    ['start beyond what a date can hold', book({ start: 9e15 }), 'start'],
    ['cancellation reason over 500', { type: 'CancelAppointment', data: { appointmentId: 'appt-1', reason: long(501) } }, 'reason'],
    ['reschedule to no instant', { type: 'RescheduleAppointment', data: { appointmentId: 'appt-1', newStart: 1.5 } }, 'newStart'],
  ];
  it.each(cases)('%s', (_description, command, field) => {
    spec.given([...open(), booked()]).when(command, customer()).thenThrows('VALIDATION_FAILED', field);
  });

  it('accepts notes of exactly 2000 characters and a key of exactly 200', () => {
    expect(spec.given(open()).when(book({ notes: long(2000), idempotencyKey: long(200) }), customer()).events()).toHaveLength(1);
  });

  it('counts characters, not UTF-16 units (200 emoji are a valid name)', () => {
    const name = '🙂'.repeat(200);
    expect(spec.given([registered()]).when({ type: 'UpdateProviderProfile', data: { name } }, owner).events()).toHaveLength(1);
  });
});

describe('RegisterProvider validation', () => {
  const base = { providerId: 'p', ownerId: OWNER_ID, name: 'N', timeZone: 'UTC' };
  it.each([
    ['name', { name: ' ' }],
    ['timeZone', { timeZone: 'Nowhere/Town' }],
    ['kind', { kind: long(61) }],
    ['bio', { bio: long(2001) }],
    ['providerId', { providerId: '' }],
  ])('refuses a bad %s', (field, fields) => {
    spec.given([]).when({ type: 'RegisterProvider', data: { ...base, ...fields } }, owner).thenThrows('VALIDATION_FAILED', field);
  });
});

describe('a context whose now cannot be an instant', () => {
  it('is refused rather than crashing while formatting timestamps', () => {
    spec.given(open()).when({ type: 'RetireService', data: { serviceId: SERVICE_ID } }, { ...owner, now: Number.NaN }).thenThrows('VALIDATION_FAILED', 'now');
  });
});
