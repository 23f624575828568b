/**
 * A provider for the torture tests, set up over GraphQL like test/support/calendar.ts, but in UTC and
 * open around the clock every day, so a booking's validity depends only on the slot grid and the
 * service's notice/advance limits: usable with the real clock (any future grid instant within
 * maxAdvanceDays is bookable) as well as with a fixed one.
 */
import { type Answer, post } from './torture';

export interface ServiceSpec {
  readonly name: string;
  readonly durationMinutes: number;
  readonly capacity?: number;
  readonly slotIntervalMinutes?: number;
  readonly bufferBeforeMinutes?: number;
  readonly bufferAfterMinutes?: number;
  readonly maxAdvanceDays?: number;
}

const must = <T>(what: string, a: Answer<T>): T => {
  if (a.kind !== 'response' || !a.data) throw new Error(`${what} failed: ${a.kind === 'response' ? a.text.slice(0, 500) : a.error}`);
  return a.data;
};

export async function openAroundTheClock(url: string, ownerToken: string, services: readonly ServiceSpec[]): Promise<{ providerId: string; serviceIds: string[] }> {
  const created = must(
    'createProvider',
    await post<{ createProvider: { id: string } }>(url, 'mutation { createProvider(input: { name: "Torture Clinic", timeZone: "UTC" }) { id } }', {}, ownerToken),
  );
  const providerId = created.createProvider.id;
  const serviceIds: string[] = [];
  for (const s of services) {
    const offered = must(
      `offerService ${s.name}`,
      await post<{ offerService: { id: string } }>(
        url,
        'mutation($p: ID!, $i: ServiceInput!) { offerService(providerId: $p, input: $i) { id } }',
        {
          p: providerId,
          i: {
            name: s.name,
            durationMinutes: s.durationMinutes,
            capacity: s.capacity ?? 1,
            slotIntervalMinutes: s.slotIntervalMinutes ?? s.durationMinutes,
            bufferBeforeMinutes: s.bufferBeforeMinutes ?? 0,
            bufferAfterMinutes: s.bufferAfterMinutes ?? 0,
            minNoticeMinutes: 0,
            maxAdvanceDays: s.maxAdvanceDays ?? 90,
          },
        },
        ownerToken,
      ),
    );
    serviceIds.push(offered.offerService.id);
  }
  const hours = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((weekday) => ({ weekday, windows: [{ start: '00:00', end: '24:00' }] }));
  must(
    'setWeeklyHours',
    await post(url, 'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }', { p: providerId, h: hours }, ownerToken),
  );
  return { providerId, serviceIds };
}

/** Sign up over HTTP; returns the user id and access token. */
export async function register(url: string, role: 'CUSTOMER' | 'PROVIDER', name: string): Promise<{ id: string; token: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const r = must(
    `register ${name}`,
    await post<{ register: { accessToken: string; user: { id: string } } }>(
      url,
      'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
      { input: { email, password: 'correct horse battery', name, role } },
    ),
  );
  return { id: r.register.user.id, token: r.register.accessToken };
}
