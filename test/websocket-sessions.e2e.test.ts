/**
 * No token outlives its expiry over WebSocket, and a revoked login or a deleted user ends the
 * connection within seconds: against a real server, with short-lived tokens minted for the test
 * (signed with the server's own secret, as login would).
 */
import { AccessTokens } from '../src/accounts/access-tokens';
import { BOOK, type Calendar, MONDAY_0700Z, TUESDAY, openCalendar } from './support/calendar';
import { type Session, signUp } from './support/graphql-clients';
import { type RawSocket, openRawSocket } from './support/raw-socket';
import { type TestApp, gql, startTestApp } from './support/test-app';

const RECHECK_MS = 1000;
let t: TestApp;
let owner: Session;
let cal: Calendar;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  t = await startTestApp('postgres', { WS_AUTH_RECHECK_MS: String(RECHECK_MS) }, { clock: () => MONDAY_0700Z });
  owner = await signUp(t.url, 'PROVIDER', 'Session Owner');
  cal = await openCalendar(owner);
});
afterAll(async () => {
  for (const s of sockets) s.socket.terminate();
  await t.stop();
});

const connect = async (token: string): Promise<RawSocket> => {
  const s = await openRawSocket(t.url, { authorization: `Bearer ${token}` });
  sockets.push(s);
  await s.next('connection_ack');
  return s;
};
/** A token of `userId` valid for `ttlMs`, signed with the server's secret (real time: the socket checks Date.now). */
const shortLived = async (userId: string, ttlMs: number, sessionId: string | null = null) =>
  new AccessTokens(t.app.runtime.secrets.jwtSecret, Date.now, ttlMs).issue({ id: userId, role: 'CUSTOMER' }, sessionId);
const CHANGES = 'subscription { appointmentChanged { id status } }';

it('closes with 4401 when the token expires, while a subscription with the customer’s data is open', async () => {
  const customer = await signUp(t.url, 'CUSTOMER', 'Short Lived');
  // Long enough to connect, subscribe and see one booking on a busy machine; the close comes at the expiry.
  const { token, expiresAt } = await shortLived(customer.id, 8000);
  const s = await connect(token);
  s.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { id } }' } });
  expect((await s.next('next', 'q')).payload).toEqual({ data: { me: { id: customer.id } } });
  s.send({ id: 'live', type: 'subscribe', payload: { query: CHANGES } });
  const booked = await customer.run<{ bookAppointment: { id: string } }>(BOOK, { i: { providerId: cal.providerId, serviceId: cal.serviceId, start: TUESDAY('08:00'), idempotencyKey: 'short' } });
  expect((await s.next('next', 'live')).payload).toEqual({ data: { appointmentChanged: { id: booked.data?.bookAppointment.id, status: 'CONFIRMED' } } });

  const { code, reason } = await s.closed;
  expect({ code, reason }).toEqual({ code: 4401, reason: 'Token expired' });
  // At the expiry, not minutes later (the timer fires at expiresAt; generous margin for a busy machine).
  expect(Date.now() - expiresAt).toBeLessThan(3000);
});

it('closes an idle connection with 4401 at its token’s expiry', async () => {
  const customer = await signUp(t.url, 'CUSTOMER', 'Late Sender');
  const { token } = await shortLived(customer.id, 1000);
  const s = await connect(token);
  const { code } = await s.closed;
  expect(code).toBe(4401);
  expect(s.socket.readyState).toBe(s.socket.CLOSED);
});

it('closes with 4403 within seconds when the login is revoked (a spent refresh token came back)', async () => {
  const email = `revoked.${Date.now()}@example.com`;
  await gql(t.url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: { email, password: 'correct horse', name: 'Revoked', role: 'CUSTOMER' } });
  const login = await gql<{ login: { accessToken: string; refreshToken: string } }>(t.url, 'mutation($e: String!) { login(email: $e, password: "correct horse") { accessToken refreshToken } }', { e: email });
  const session = login.data?.login as { accessToken: string; refreshToken: string };
  const s = await connect(session.accessToken);
  s.send({ id: 'live', type: 'subscribe', payload: { query: CHANGES } });

  const REFRESH = 'mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken } }';
  expect((await gql(t.url, REFRESH, { r: session.refreshToken })).errors).toBeUndefined();
  const revokedAt = Date.now();
  expect((await gql(t.url, REFRESH, { r: session.refreshToken })).errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REUSED' });

  expect(await s.closed).toEqual({ code: 4403, reason: 'Login revoked' });
  expect(Date.now() - revokedAt).toBeLessThan(RECHECK_MS + 4000);
});

it('closes with 4403 within seconds when the user is deleted, and refuses a new connection of that user', async () => {
  const customer = await signUp(t.url, 'CUSTOMER', 'Soon Deleted');
  const s = await connect(customer.token);
  await t.app.runtime.database.pool.query('DELETE FROM users WHERE id = $1', [customer.id]);
  const deletedAt = Date.now();
  expect(await s.closed).toEqual({ code: 4403, reason: 'User deleted' });
  expect(Date.now() - deletedAt).toBeLessThan(RECHECK_MS + 4000);
  const again = await openRawSocket(t.url, { authorization: `Bearer ${customer.token}` });
  sockets.push(again);
  expect((await again.closed).code).toBe(4403);
});

it('checks every operation at once: a deleted user’s next operation is refused and the connection closed, whatever the re-check period', async () => {
  const customer = await signUp(t.url, 'CUSTOMER', 'Checked Each Time');
  const s = await connect(customer.token);
  await t.app.runtime.database.pool.query('DELETE FROM users WHERE id = $1', [customer.id]);
  s.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { id } }' } });
  const { code } = await s.closed;
  expect(code).toBe(4403);
});
