import type { OpenedDatabase } from '../db/database';
import { openTestDatabase, testBackends } from '../../test/support/test-database';
import { AccountService } from './account-service';
import { hashRefreshToken } from './refresh-tokens';

const T0 = Date.UTC(2027, 2, 29, 7);
const SECRET = 'k'.repeat(48);
let seq = 0;
const email = (): string => `user${++seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
/** A client address of its own per test, so the per-address limit never leaks between tests. */
const address = (): string => `198.51.100.${++seq % 250}`;

describe.each(testBackends())('AccountService on %s', (backend) => {
  let database: OpenedDatabase;
  let now = T0;
  let accounts: AccountService;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
    accounts = new AccountService({ db: database.db, jwtSecret: SECRET, now: () => now });
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(() => {
    now = T0 + seq * 3_600_000;
  });

  const register = (overrides: Partial<Parameters<AccountService['register']>[0]> = {}, from = address()) =>
    accounts.register({ email: email(), password: 'correct horse', name: 'Ada', role: 'CUSTOMER', ...overrides }, from);

  describe('register', () => {
    it('creates the user, signs it in, and stores only hashes', async () => {
      const auth = await register({ email: ' Ada.L@Example.com ', name: ' Ada Lovelace ', role: 'PROVIDER' });
      expect(auth.user).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'Ada.L@Example.com', name: 'Ada Lovelace', role: 'PROVIDER' });
      await expect(accounts.authenticate(`Bearer ${auth.accessToken}`)).resolves.toEqual({ id: auth.user.id, role: 'PROVIDER' });
      const row = await database.db.selectFrom('users').selectAll().where('id', '=', auth.user.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      const tokens = await database.db.selectFrom('refresh_tokens').selectAll().where('user_id', '=', auth.user.id).execute();
      expect(tokens.map((t) => t.token_hash)).toEqual([hashRefreshToken(auth.refreshToken)]);
    });

    it.each(['ADMIN', 'AUDITOR'] as const)('refuses self-service %s with FORBIDDEN and creates nothing', async (role) => {
      const e = email();
      await expect(register({ email: e, role })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await database.db.selectFrom('users').select('id').where('email', '=', e).execute()).toEqual([]);
    });

    it('refuses an email registered before, whatever its case, without naming the reason', async () => {
      const e = email();
      await register({ email: e });
      const refused = await register({ email: e.toUpperCase() }).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: 'FORBIDDEN', details: {} });
      expect(String((refused as Error).message)).not.toMatch(/already|registered|exists|taken/i);
    });

    it('lets exactly one of two simultaneous sign-ups with one email win', async () => {
      const e = email();
      const results = await Promise.allSettled([register({ email: e }), register({ email: e.toUpperCase() })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'FORBIDDEN' } });
    });

    it('limits sign-ups per client address: the 21st in an hour is RATE_LIMITED, other addresses are not', async () => {
      const ip = address();
      for (let i = 0; i < 20; i++) await register({}, ip);
      await expect(register({}, ip)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 3600 } });
      await expect(register({}, address())).resolves.toMatchObject({ user: { role: 'CUSTOMER' } });
      now += 3_600_001;
      await expect(register({}, ip)).resolves.toMatchObject({ user: { role: 'CUSTOMER' } });
    });

    it('limits sign-ups per e-mail address, taken or not: the 4th try of one address in an hour is RATE_LIMITED', async () => {
      const e = email();
      await register({ email: e });
      for (let i = 0; i < 2; i++) await expect(register({ email: e })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(register({ email: e.toUpperCase() })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    });

    it.each([
      ['email', { email: 'not-an-email' }],
      ['password', { password: 'short' }],
      ['name', { name: '' }],
    ] as const)('refuses a bad %s with VALIDATION_FAILED naming it', async (field, input) => {
      await expect(register(input)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) });
    });
  });

  describe('login', () => {
    it('signs in with the right password, any case of the email', async () => {
      const e = email();
      const { user } = await register({ email: e });
      const auth = await accounts.login(e.toUpperCase(), 'correct horse', address());
      expect(auth.user).toEqual(user);
      expect(auth.accessTokenExpiresAt).toBe(Math.floor(now / 1000) * 1000 + 15 * 60_000);
    });

    it('answers an unknown email and a wrong password alike', async () => {
      const e = email();
      await register({ email: e });
      const wrong = await accounts.login(e, 'wrong horse', address()).catch((err: unknown) => err);
      const unknown = await accounts.login(email(), 'correct horse', address()).catch((err: unknown) => err);
      expect(wrong).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid email or password', details: {} });
      expect(unknown).toEqual(wrong);
    });

    it('limits failures per account and address: the 6th attempt in 15 minutes from that address is RATE_LIMITED, even with the right password', async () => {
      const e = email();
      const attacker = address();
      await register({ email: e });
      for (let i = 0; i < 5; i++) {
        now += 60_000;
        await expect(accounts.login(e, 'wrong horse', attacker)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      }
      const firstFailure = now - 4 * 60_000;
      await expect(accounts.login(e, 'correct horse', attacker)).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterSeconds: (firstFailure + 15 * 60_000 - now) / 1000 },
      });
      // Sliding: once the oldest failure leaves the window, one more attempt fits.
      now = firstFailure + 15 * 60_000 + 1;
      await expect(accounts.login(e, 'correct horse', attacker)).resolves.toMatchObject({ user: { email: e } });
    });

    it('cannot be turned into a lockout: the owner’s correct password from an address without failures is let through', async () => {
      const e = email();
      await register({ email: e });
      const attacker = address();
      for (let i = 0; i < 5; i++) await expect(accounts.login(e, 'wrong horse', attacker)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(accounts.login(e, 'correct horse', attacker)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(accounts.login(e, 'correct horse', address())).resolves.toMatchObject({ user: { email: e } });
    });

    it('meets guesses spread over many addresses with the account’s limit, on every address that failed it before', async () => {
      const e = email();
      await register({ email: e });
      const addresses = Array.from({ length: 50 }, () => address());
      for (const ip of addresses) await expect(accounts.login(e, 'wrong horse', ip)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      // Fifty failures: a second guess from any of those addresses is refused …
      await expect(accounts.login(e, 'wrong horse', addresses[7] as string)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      // … while an address that never failed (the owner's) still gets its answer.
      await expect(accounts.login(e, 'correct horse', address())).resolves.toMatchObject({ user: { email: e } });
    });

    it('does not lock out another account, and a success forgives earlier failures from its address', async () => {
      const [a, b] = [email(), email()];
      const [ipA, ipB] = [address(), address()];
      await register({ email: a });
      await register({ email: b });
      for (let i = 0; i < 5; i++) await accounts.login(a, 'wrong horse', ipA).catch(() => undefined);
      await expect(accounts.login(a, 'correct horse', ipA)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      for (let i = 0; i < 4; i++) await accounts.login(b, 'wrong horse', ipB).catch(() => undefined);
      await accounts.login(b, 'correct horse', ipB);
      for (let i = 0; i < 4; i++) await expect(accounts.login(b, 'wrong horse', ipB)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('limits attempts per client address: the 21st in a minute is RATE_LIMITED, other addresses are not', async () => {
      const ip = address();
      for (let i = 0; i < 20; i++) await expect(accounts.login(email(), 'whatever1', ip)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(accounts.login(email(), 'whatever1', ip)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 } });
      await expect(accounts.login(email(), 'whatever1', address())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      now += 60_001;
      await expect(accounts.login(email(), 'whatever1', ip)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('counts parallel guesses exactly: of 12 at once, 5 are checked and 7 refused', async () => {
      const e = email();
      await register({ email: e });
      const ip = address();
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => accounts.login(e, 'wrong horse', ip)));
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'OK'));
      expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(5);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    });
  });

  describe('throttleBooking', () => {
    it('lets a customer book 30 times an hour, then RATE_LIMITED; others are not affected', async () => {
      const [a, b] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
      for (let i = 0; i < 30; i++) await accounts.throttleBooking(a);
      await expect(accounts.throttleBooking(a)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 3600 } });
      await expect(accounts.throttleBooking(b)).resolves.toBeUndefined();
    });
  });

  describe('refresh', () => {
    it('rotates: a new pair for the same user, and the old token is spent', async () => {
      const first = await register();
      now += 60_000;
      const second = await accounts.refresh(first.refreshToken);
      expect(second.user).toEqual(first.user);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await expect(accounts.authenticate(`Bearer ${second.accessToken}`)).resolves.toEqual({ id: first.user.id, role: 'CUSTOMER' });
      const third = await accounts.refresh(second.refreshToken);
      expect(third.user.id).toBe(first.user.id);
    });

    it('revokes the whole family when a spent token comes back', async () => {
      const first = await register();
      const otherSession = await accounts.login(first.user.email, 'correct horse', address());
      const second = await accounts.refresh(first.refreshToken);
      // An attacker replays the stolen first token: everyone holding this family is signed out.
      await expect(accounts.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'TOKEN_REUSED' } });
      await expect(accounts.refresh(second.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid refresh token' });
      // Another login of the same user is another family and keeps working.
      await expect(accounts.refresh(otherSession.refreshToken)).resolves.toMatchObject({ user: { id: first.user.id } });
    });

    it('lets only one of two simultaneous uses of a token rotate it', async () => {
      const first = await register();
      const results = await Promise.allSettled([accounts.refresh(first.refreshToken), accounts.refresh(first.refreshToken)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'UNAUTHENTICATED', details: { reason: 'TOKEN_REUSED' } } });
    });

    it('refuses an expired or unknown token', async () => {
      const first = await register();
      now += 30 * 24 * 3_600_000;
      await expect(accounts.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'TOKEN_EXPIRED' } });
      await expect(accounts.refresh('made-up')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid refresh token' });
    });
  });

  describe('authenticate', () => {
    it('is anonymous without a header, the viewer with a Bearer token, UNAUTHENTICATED otherwise', async () => {
      const { accessToken, user } = await register();
      await expect(accounts.authenticate(undefined)).resolves.toBeNull();
      await expect(accounts.authenticate('  ')).resolves.toBeNull();
      await expect(accounts.authenticate(`bearer ${accessToken}`)).resolves.toEqual({ id: user.id, role: 'CUSTOMER' });
      await expect(accounts.authenticate(`Basic ${accessToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(accounts.authenticate('Bearer')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(accounts.authenticate(`Bearer ${accessToken}x`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      now += 15 * 60_000;
      await expect(accounts.authenticate(`Bearer ${accessToken}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'TOKEN_EXPIRED' } });
    });
  });

  describe('users', () => {
    it('usersByIds answers in order, null for unknown or malformed ids', async () => {
      const [a, b] = [await register(), await register({ role: 'PROVIDER' })];
      const missing = '00000000-0000-4000-8000-000000000000';
      await expect(accounts.usersByIds([b.user.id, missing, a.user.id, 'nope', b.user.id])).resolves.toEqual([b.user, null, a.user, null, b.user]);
      await expect(accounts.usersByIds([])).resolves.toEqual([]);
      await expect(accounts.getUser(a.user.id)).resolves.toEqual(a.user);
    });

    it('createUser makes any role (for operators), with the same rules', async () => {
      const admin = await accounts.createUser({ email: email(), password: 'long enough', name: 'Root', role: 'ADMIN' });
      expect(admin.role).toBe('ADMIN');
      await expect(accounts.login(admin.email, 'long enough', address())).resolves.toMatchObject({ user: { role: 'ADMIN' } });
      await expect(accounts.createUser({ email: admin.email, password: 'long enough', name: 'Root', role: 'AUDITOR' })).rejects.toMatchObject({ details: { field: 'email' } });
    });
  });
});
