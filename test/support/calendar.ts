import type { Session } from './graphql-clients';

export const MONDAY_0700Z = Date.parse('2027-03-01T07:00:00Z');
export const TUESDAY = (hhmmZ: string): string => `2027-03-02T${hhmmZ}:00Z`;

export interface Calendar {
  readonly providerId: string;
  readonly serviceId: string;
}

/** A provider in Europe/Berlin, open Mon–Fri 09:00–17:00, with a 30-minute service. */
export async function openCalendar(provider: Session, service: { capacity?: number } = {}): Promise<Calendar> {
  const created = await provider.run<{ createProvider: { id: string } }>('mutation { createProvider(input: { name: "Dr Calendar", timeZone: "Europe/Berlin" }) { id } }');
  const providerId = created.data?.createProvider.id;
  if (!providerId) throw new Error(`createProvider failed: ${JSON.stringify(created.errors)}`);
  const offered = await provider.run<{ offerService: { id: string } }>(
    'mutation($p: ID!, $c: Int) { offerService(providerId: $p, input: { name: "Visit", durationMinutes: 30, capacity: $c }) { id } }',
    { p: providerId, c: service.capacity ?? 1 },
  );
  const serviceId = offered.data?.offerService.id;
  if (!serviceId) throw new Error(`offerService failed: ${JSON.stringify(offered.errors)}`);
  const hours = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] }));
  const set = await provider.run('mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }', { p: providerId, h: hours });
  if (set.errors) throw new Error(`setWeeklyHours failed: ${JSON.stringify(set.errors)}`);
  return { providerId, serviceId };
}

export const BOOK = 'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id status start } }';
