import { type TestApp, gql, startTestApp } from './support/test-app';
import { testBackends } from './support/test-database';

const AUTH_FIELDS = 'accessToken accessTokenExpiresAt refreshToken user { id email name role }';
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const ME = '{ me { id email name role } }';

interface Auth {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  user: { id: string; email: string; name: string; role: string };
}

let seq = 0;
const email = (): string => `e2e${++seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
/** Behind TRUST_PROXY every test sends from an address of its own, so per-address limits never collide. */
const from = (): Record<string, string> => ({ 'x-forwarded-for': `203.0.113.${++seq % 250}` });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe.each(testBackends())('accounts over HTTP on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await t.stop();
  });

  const register = async (input: Record<string, unknown> = {}, headers = from()) =>
    gql<{ register: Auth }>(t.url, REGISTER, { input: { email: email(), password: 'correct horse', name: 'Ada', role: 'CUSTOMER', ...input } }, headers);
  const login = (e: string, password: string, headers = from()) => gql<{ login: Auth }>(t.url, LOGIN, { email: e, password }, headers);

  it('register → me → login → refresh rotation → reuse revokes the family', async () => {
    const e = email();
    const reg = await register({ email: e, name: 'Ada Lovelace', role: 'PROVIDER' });
    expect(reg.errors).toBeUndefined();
    const auth = reg.data?.register as Auth;
    expect(auth.user).toEqual({ id: expect.any(String), email: e, name: 'Ada Lovelace', role: 'PROVIDER' });
    expect(auth.accessTokenExpiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    expect((await gql(t.url, ME, {}, bearer(auth.accessToken))).data).toEqual({ me: auth.user });
    expect((await gql(t.url, ME)).data).toEqual({ me: null });

    const session = (await login(e.toUpperCase(), 'correct horse')).data?.login as Auth;
    expect(session.user).toEqual(auth.user);

    const rotated = await gql<{ refreshToken: Auth }>(t.url, REFRESH, { t: session.refreshToken });
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data?.refreshToken as Auth;
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect((await gql(t.url, ME, {}, bearer(next.accessToken))).data).toEqual({ me: auth.user });

    const replay = await gql(t.url, REFRESH, { t: session.refreshToken });
    expect(replay.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_REUSED' }, path: ['refreshToken'] })]);
    const revoked = await gql(t.url, REFRESH, { t: next.refreshToken });
    expect(revoked.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // The registration's own session is another family: untouched.
    expect((await gql(t.url, REFRESH, { t: auth.refreshToken })).errors).toBeUndefined();
  });

  it('refuses a wrong password and an unknown email with one answer', async () => {
    const e = email();
    await register({ email: e });
    const wrong = await login(e, 'wrong horse');
    const unknown = await login(email(), 'correct horse');
    expect(wrong.status).toBe(200);
    expect(wrong.data).toBeNull();
    expect(wrong.errors).toEqual([{ message: 'Invalid email or password', locations: [{ line: 1, column: 49 }], path: ['login'], extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(unknown.errors).toEqual(wrong.errors);
  });

  it('rate-limits login failures per account and address with RATE_LIMITED and retryAfterSeconds: a stranger cannot lock the owner out', async () => {
    const [a, b] = [email(), email()];
    await register({ email: a });
    await register({ email: b });
    const attacker = from();
    for (let i = 0; i < 5; i++) expect((await login(a, 'wrong horse', attacker)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const limited = await login(a, 'correct horse', attacker);
    expect(limited.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    const retry = limited.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retry).toBeGreaterThan(880);
    expect(retry).toBeLessThanOrEqual(900);
    // The owner, from an address without failures, signs in; so does everyone else.
    expect((await login(a, 'correct horse', from())).data?.login.user.email).toBe(a);
    expect((await login(b, 'correct horse', attacker)).data?.login.user.email).toBe(b);
  });

  it('rate-limits login attempts per client address (X-Forwarded-For behind TRUST_PROXY)', async () => {
    const ip = from();
    for (let i = 0; i < 20; i++) expect((await login(email(), 'whatever1', ip)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(email(), 'whatever1', ip)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await login(email(), 'whatever1', from())).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses ADMIN and AUDITOR self-registration with FORBIDDEN', async () => {
    for (const role of ['ADMIN', 'AUDITOR']) {
      const r = await register({ role });
      expect(r.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', field: 'role' });
    }
  });

  it('refuses a taken email without saying so, and bad fields with VALIDATION_FAILED naming the field', async () => {
    const e = email();
    await register({ email: e });
    const dup = await register({ email: e.toUpperCase() });
    expect(dup.errors).toEqual([expect.objectContaining({ message: 'This sign-up was refused', extensions: { code: 'FORBIDDEN' } })]);
    expect((await register({ email: 'nope' })).errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', field: 'email', value: 'nope' });
    expect((await register({ password: 'short' })).errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', field: 'password' });
    expect((await register({ name: '' })).errors?.[0]?.extensions).toEqual({ code: 'VALIDATION_FAILED', field: 'name', value: '' });
  });

  it('fails the whole operation with 401 UNAUTHENTICATED for a bad token, instead of answering anonymously', async () => {
    for (const authorization of ['Bearer not-a-token', 'Basic dXNlcjpwYXNz']) {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: ME }) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }]);
    }
    // Public operations too: a client with a bad token learns at once that it must sign in again.
    expect((await gql(t.url, '{ health { status } }', {}, bearer('x.y.z'))).status).toBe(401);
  });

  it('keeps a standard code on every request error', async () => {
    const codeOf = async (query: string, variables: Record<string, unknown> = {}) => (await gql(t.url, query, variables)).errors?.[0]?.extensions?.code;
    expect(await codeOf('{ me { nope } }')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await codeOf('mutation { login(email: 5, password: "x") { accessToken } }')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await codeOf('mutation { login(email: "a@b.c") { accessToken } }')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await codeOf(LOGIN, { email: 'a@b.c' })).toBe('BAD_USER_INPUT');
    expect(await codeOf(LOGIN, { email: ['a@b.c'], password: 'x' })).toBe('BAD_USER_INPUT');
    expect(await codeOf(REGISTER, { input: { email: email(), password: 'correct horse', name: 'A', role: 'GOD' } })).toBe('BAD_USER_INPUT');
  });
});

describe('sign-up abuse over HTTP, with the default limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('postgres', { TRUST_PROXY: 'true', REGISTRATIONS_PER_ADDRESS_PER_HOUR: '20', REGISTRATIONS_PER_EMAIL_PER_HOUR: '3' });
  });
  afterAll(async () => {
    await t.stop();
  });
  const users = async (): Promise<number> => Number((await t.app.runtime.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]?.n);
  const input = (e = email()) => ({ email: e, password: 'correct horse', name: 'Bulk', role: 'CUSTOMER' });

  it('one request of 100 aliased sign-ups creates nobody: register is allowed once per request', async () => {
    const before = await users();
    const aliases = Array.from({ length: 100 }, (_, i) => `r${i}: register(input: $i${i}) { accessToken }`).join(' ');
    const defs = Array.from({ length: 100 }, (_, i) => `$i${i}: RegisterInput!`).join(', ');
    const variables = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`i${i}`, input()]));
    const r = await gql(t.url, `mutation(${defs}) { ${aliases} }`, variables, from());
    expect(r.status).toBe(400);
    expect(r.errors).toEqual([expect.objectContaining({ extensions: { code: 'VALIDATION_FAILED', field: 'register', count: 100 } })]);
    expect(await users()).toBe(before);
    const two = await gql(t.url, 'mutation($a: RegisterInput!, $b: RegisterInput!) { a: register(input: $a) { accessToken } b: register(input: $b) { accessToken } }', { a: input(), b: input() }, from());
    expect(two.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'register', count: 2 });
    expect(await users()).toBe(before);
  });

  it('limits sign-ups per client address: the 21st in an hour is RATE_LIMITED', async () => {
    const ip = from();
    for (let i = 0; i < 20; i++) expect((await gql(t.url, REGISTER, { input: input() }, ip)).errors).toBeUndefined();
    const refused = await gql(t.url, REGISTER, { input: input() }, ip);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect((await gql(t.url, REGISTER, { input: input() }, from())).errors).toBeUndefined();
  });

  it('limits sign-ups naming one e-mail address, from any client address: probing it costs like probing a password', async () => {
    const e = email();
    expect((await gql(t.url, REGISTER, { input: input(e) }, from())).errors).toBeUndefined();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await gql(t.url, REGISTER, { input: input(e.toUpperCase()) }, from())).errors?.[0]?.extensions?.code);
    expect(answers).toEqual(['FORBIDDEN', 'FORBIDDEN', 'RATE_LIMITED']);
  });
});
