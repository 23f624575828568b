/**
 * One instant format everywhere a client or auditor reads one: UTC, `Z`, no milliseconds unless they
 * are not zero — in answers, in error messages and extensions, in audit entries and the audit export.
 */
import { providerStreamName } from '../src/events/provider-events';
import { type TestApp, gql, startTestApp } from './support/test-app';

const NOW = Date.parse('2027-03-01T06:00:00Z'); // a Monday
const WITH_ZERO_MILLIS = /\d{2}:\d{2}:\d{2}\.000Z/;

describe('instants in answers, errors and audit entries', () => {
  let t: TestApp;
  let owner: Record<string, string>;
  let customer: Record<string, string>;
  let providerId: string;
  let serviceId: string;

  const signUp = async (email: string, role: string): Promise<Record<string, string>> => {
    const r = await gql<{ register: { accessToken: string } }>(t.url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
      i: { email, password: 'correct horse', name: email, role },
    });
    return { authorization: `Bearer ${r.data?.register.accessToken ?? ''}` };
  };
  const run = async <T>(query: string, variables: Record<string, unknown>, headers: Record<string, string>) => {
    const r = await gql<T>(t.url, query, variables, headers);
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };

  beforeAll(async () => {
    t = await startTestApp('pglite', {}, { clock: () => NOW });
    owner = await signUp('owner@example.com', 'PROVIDER');
    customer = await signUp('customer@example.com', 'CUSTOMER');
    providerId = (await run<{ createProvider: { id: string } }>('mutation { createProvider(input: { name: "Dr. Zulu", timeZone: "Europe/Berlin" }) { id } }', {}, owner)).createProvider.id;
    serviceId = (
      await run<{ offerService: { id: string } }>(
        'mutation($p: ID!) { offerService(providerId: $p, input: { name: "Checkup", durationMinutes: 30, maxAdvanceDays: 10 }) { id } }',
        { p: providerId },
        owner,
      )
    ).offerService.id;
    await run(
      'mutation($p: ID!, $h: [WeeklyHoursInput!]!) { setWeeklyHours(providerId: $p, hours: $h) { id } }',
      { p: providerId, h: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((weekday) => ({ weekday, windows: [{ start: '09:00', end: '17:00' }] })) },
      owner,
    );
  });
  afterAll(async () => {
    await t.stop();
  });

  const book = (start: string, key: string) =>
    gql<{ bookAppointment: { id: string; start: string; end: string } }>(
      t.url,
      'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id start end } }',
      { i: { providerId, serviceId, start, idempotencyKey: key } },
      customer,
    );

  it('answers in UTC with Z and no zero milliseconds, whatever offset the input had', async () => {
    const r = await book('2027-03-02T09:00:00+01:00', 'in-berlin-time');
    expect(r.data?.bookAppointment).toMatchObject({ start: '2027-03-02T08:00:00Z', end: '2027-03-02T08:30:00Z' });
  });

  it('writes instants in error messages and extensions the same way', async () => {
    const r = await book('2027-04-01T08:00:00Z', 'too-far');
    const error = r.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'TOO_FAR_AHEAD', start: '2027-04-01T08:00:00Z' });
    expect(error?.message).toContain('2027-04-01T08:00:00Z');
    expect(JSON.stringify(r.errors)).not.toMatch(WITH_ZERO_MILLIS);
  });

  it('writes instants in audit entries (recordedAt and the payload) and the audit export the same way', async () => {
    const booked = await book('2027-03-03T10:00:00Z', 'for-the-audit');
    const id = booked.data?.bookAppointment.id ?? '';
    // Recorded at whole seconds, where toISOString would write `.000Z`.
    await t.app.runtime.database.pool.query("UPDATE es_events SET created_at = date_trunc('second', created_at) WHERE stream_name = $1", [providerStreamName(providerId)]);
    const history = await run<{ appointmentHistory: Array<{ recordedAt: string; data: string }> }>(
      'query($id: ID!) { appointmentHistory(appointmentId: $id) { recordedAt data } }',
      { id },
      owner,
    );
    const [entry] = history.appointmentHistory;
    expect(entry?.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({ start: '2027-03-03T10:00:00Z', end: '2027-03-03T10:30:00Z', bookedAt: '2027-03-01T06:00:00Z' });

    const lines: string[] = [];
    await t.app.runtime.readSide.audit.exportProviderStream(providerId, (line) => {
      lines.push(line);
    });
    for (const line of lines) {
      const recordedAt = (JSON.parse(line) as { recordedAt: string }).recordedAt;
      expect(recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
  });
});
