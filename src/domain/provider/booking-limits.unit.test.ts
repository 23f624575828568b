import type { ProviderCommand } from './commands';
import { spec } from './decider-spec';
import { DAY, HOUR, NOW, SERVICE_ID, TUE_10, booked, cancelled, customer, open } from './provider-fixtures';

const book = (start: number, maxLiveBookings?: number, idempotencyKey = `k-${start}`): ProviderCommand => ({
  type: 'BookAppointment',
  data: { appointmentId: `appt-${start}`, serviceId: SERVICE_ID, start, notes: null, idempotencyKey, ...(maxLiveBookings === undefined ? {} : { maxLiveBookings }) },
});
/** Two upcoming appointments of cust-1, one of cust-2. */
const twoHeld = () => [...open(), booked({ appointmentId: 'a1', start: TUE_10 }), booked({ appointmentId: 'a2', start: TUE_10 + HOUR }), booked({ appointmentId: 'b1', customerId: 'cust-2', start: TUE_10 + 2 * HOUR })];

describe('live bookings per customer and provider', () => {
  it('given a customer holding as many upcoming appointments as the limit, when booking another, then BOOKING_LIMIT_REACHED', () => {
    spec.given(twoHeld()).when(book(TUE_10 + 3 * HOUR, 2), customer('cust-1')).thenThrows('BOOKING_LIMIT_REACHED');
  });

  it('given the same, when another customer books, or the command carries no limit, then it is booked', () => {
    expect(spec.given(twoHeld()).when(book(TUE_10 + 3 * HOUR, 2), customer('cust-2')).events().map((e) => e.type)).toEqual(['AppointmentBooked']);
    expect(spec.given(twoHeld()).when(book(TUE_10 + 3 * HOUR), customer('cust-1')).events().map((e) => e.type)).toEqual(['AppointmentBooked']);
  });

  it('given one of them cancelled, or ended by now, when booking another, then it is booked', () => {
    expect(spec.given([...twoHeld(), cancelled('a1')]).when(book(TUE_10 + 3 * HOUR, 2), customer('cust-1')).events().map((e) => e.type)).toEqual(['AppointmentBooked']);
    const later = TUE_10 + HOUR / 2 + 1;
    expect(spec.given(twoHeld()).when(book(TUE_10 + DAY, 2), customer('cust-1', later)).events().map((e) => e.type)).toEqual(['AppointmentBooked']);
  });

  it('given the limit reached, when a booking that already succeeded is retried with its key, then it answers as before (nothing new)', () => {
    spec.given([...open(), booked({ appointmentId: 'a1', start: TUE_10, idempotencyKey: 'same' })]).when(book(TUE_10, 1, 'same'), customer('cust-1', NOW)).then([]);
  });
});
