import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import { DomainError, validationError } from '../domain/errors';
import type { Database, UserRow } from '../db/schema';
import { sqlErrorCode } from '../db/sql';
import { AccessTokens } from './access-tokens';
import { DEFAULT_LOGIN_RATE_LIMITS, type LoginRateLimits, LoginRateLimiter } from './login-rate-limiter';
import { type RateLimit, RateLimiter } from './rate-limiter';
import { type AuthResult, type Role, SELF_SERVICE_ROLES, type Session, type SessionEnd, type User, type Viewer, isRole, isUuid } from './model';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { REFRESH_TOKEN_TTL_MS, hashRefreshToken, newRefreshToken } from './refresh-tokens';
import { emailKey, validEmail, validName, validPassword } from './validation';

export interface AccountServiceOptions {
  readonly db: Kysely<Database>;
  readonly jwtSecret: string;
  /** The clock, epoch ms. Injected so tests can move time (token expiry, rate-limit windows). */
  readonly now?: () => number;
  readonly loginRateLimits?: LoginRateLimits;
  readonly signUpLimits?: SignUpLimits;
  /** Bookings one customer may attempt per window (see `throttleBooking`). */
  readonly bookingRate?: RateLimit;
  readonly refreshTokenTtlMs?: number;
}

export interface SignUpLimits {
  /** Sign-ups from one client address. */
  readonly perAddress: RateLimit;
  /** Sign-ups naming one e-mail address (taken or not): probing addresses costs like probing passwords. */
  readonly perEmail: RateLimit;
}

const HOUR_MS = 3_600_000;

/** The sign-up and booking limits of a configuration (README "Limits and abuse protection"). */
export function accountLimitsOf(config: Pick<Config, 'abuse'>): Pick<AccountServiceOptions, 'signUpLimits' | 'bookingRate'> {
  const { registrationsPerAddressPerHour, registrationsPerEmailPerHour, bookingsPerCustomerPerHour } = config.abuse;
  return {
    signUpLimits: { perAddress: { max: registrationsPerAddressPerHour, windowMs: HOUR_MS }, perEmail: { max: registrationsPerEmailPerHour, windowMs: HOUR_MS } },
    bookingRate: { max: bookingsPerCustomerPerHour, windowMs: HOUR_MS },
  };
}

export const DEFAULT_SIGN_UP_LIMITS: SignUpLimits = { perAddress: { max: 20, windowMs: HOUR_MS }, perEmail: { max: 3, windowMs: HOUR_MS } };
export const DEFAULT_BOOKING_RATE: RateLimit = { max: 30, windowMs: HOUR_MS };

export interface NewUser {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly role: Role;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
/**
 * The answer to a sign-up with an address that is taken. It names no reason: "already registered"
 * would tell anyone which addresses have accounts, undoing login's uniform answer. (Success or refusal
 * still differ; the sign-up limits make probing addresses cost as much as probing passwords.)
 * TODO(notifications): e-mail the address's owner that someone tried to sign up with it; that is a
 * reactor's work once the notifications capability exists (docs/ARCHITECTURE.md, "Accounts").
 */
const SIGN_UP_REFUSED = 'This sign-up was refused';
const INVALID_REFRESH = 'Invalid refresh token';

/**
 * Users, passwords and tokens. Every method that refuses throws a DomainError with a stable code:
 * VALIDATION_FAILED (with `field`), FORBIDDEN, UNAUTHENTICATED or RATE_LIMITED (`retryAfterSeconds`).
 */
export class AccountService {
  private readonly db: Kysely<Database>;
  private readonly now: () => number;
  private readonly accessTokens: AccessTokens;
  private readonly limiter: RateLimiter;
  private readonly loginLimiter: LoginRateLimiter;
  private readonly signUpLimits: SignUpLimits;
  private readonly bookingRate: RateLimit;
  private readonly refreshTtlMs: number;

  constructor(options: AccountServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.accessTokens = new AccessTokens(options.jwtSecret, this.now);
    this.limiter = new RateLimiter(this.db, this.now);
    this.loginLimiter = new LoginRateLimiter(this.limiter, options.loginRateLimits ?? DEFAULT_LOGIN_RATE_LIMITS);
    this.signUpLimits = options.signUpLimits ?? DEFAULT_SIGN_UP_LIMITS;
    this.bookingRate = options.bookingRate ?? DEFAULT_BOOKING_RATE;
    this.refreshTtlMs = options.refreshTokenTtlMs ?? REFRESH_TOKEN_TTL_MS;
  }

  /**
   * Self-service sign-up (CUSTOMER or PROVIDER), answered like a login. Limited per client address and
   * per e-mail address; a taken address gets a refusal that names no reason (SIGN_UP_REFUSED).
   */
  async register(input: NewUser, clientAddress: string): Promise<AuthResult> {
    if (!SELF_SERVICE_ROLES.includes(input.role)) {
      throw new DomainError('FORBIDDEN', `The ${input.role} role cannot be chosen at sign-up; an operator creates such accounts`, { field: 'role' });
    }
    const fields = validNewUser(input);
    const { perAddress, perEmail } = this.signUpLimits;
    await this.limiter.limit(
      [
        { scope: 'register-address', key: clientAddress, limit: perAddress },
        { scope: 'register-email', key: emailKey(fields.email), limit: perEmail },
      ],
      'Too many sign-ups',
    );
    const user = await this.insertUser(fields);
    if (user === 'taken') throw new DomainError('FORBIDDEN', SIGN_UP_REFUSED);
    return this.startSession(user);
  }

  /** Create a user with any role (operators: `npm run user:create`). Validates like register. */
  async createUser(input: NewUser): Promise<User> {
    const fields = validNewUser(input);
    const user = await this.insertUser(fields);
    if (user === 'taken') throw validationError('email', 'This email is already registered', fields.email);
    return user;
  }

  /**
   * One more booking by `customerId`, or RATE_LIMITED: bookings per customer and window, shared by
   * every node through the database (the API layer asks before it sends the command).
   */
  throttleBooking(customerId: string): Promise<void> {
    return this.limiter.limit([{ scope: 'booking-customer', key: customerId, limit: this.bookingRate }], 'Too many bookings');
  }

  /**
   * The password is hashed before the address is known to be free or taken, so both answers take the
   * same time; the unique index on lower(email) decides (two sign-ups at once included).
   */
  private async insertUser(fields: NewUser): Promise<User | 'taken'> {
    const row = { id: randomUUID(), email: fields.email, name: fields.name, role: fields.role, password_hash: await hashPassword(fields.password) };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      if (sqlErrorCode(err) === '23505') return 'taken';
      throw err;
    }
    return toUser(row);
  }

  /**
   * Email and password → a new session. Unknown email and wrong password are one answer
   * (UNAUTHENTICATED, same message, same argon2 work). Limited per account and per client address.
   */
  async login(email: string, password: string, clientAddress: string): Promise<AuthResult> {
    const key = emailKey(email);
    await this.loginLimiter.begin(key, clientAddress);
    const row = await this.findByEmail(key);
    const ok = row ? await verifyPassword(row.password_hash, password) : await verifyAgainstDummy(password);
    if (!row || !ok) throw new DomainError('UNAUTHENTICATED', INVALID_CREDENTIALS);
    await this.loginLimiter.succeeded(key, clientAddress);
    return this.startSession(toUser(row));
  }

  /**
   * Rotate a refresh token: the presented one is marked used and a new pair is issued in the same
   * family. Presenting a used token again means it was stolen (or replayed): the whole family is revoked.
   */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const tokenHash = hashRefreshToken(refreshToken);
    const now = this.now();
    const outcome = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
      if (!row || row.revoked_at !== null) return { kind: 'invalid' } as const;
      if (row.used_at !== null) {
        await trx.updateTable('refresh_tokens').set({ revoked_at: new Date(now) }).where('family_id', '=', row.family_id).where('revoked_at', 'is', null).execute();
        return { kind: 'reused' } as const;
      }
      if (row.expires_at.getTime() <= now) return { kind: 'expired' } as const;
      const user = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
      if (!user) return { kind: 'invalid' } as const;
      await trx.updateTable('refresh_tokens').set({ used_at: new Date(now) }).where('token_hash', '=', tokenHash).execute();
      const next = newRefreshToken();
      await trx.insertInto('refresh_tokens').values(this.refreshRow(next, row.family_id, user.id, now)).execute();
      return { kind: 'rotated', user: toUser(user), refreshToken: next, familyId: row.family_id } as const;
    });
    switch (outcome.kind) {
      case 'invalid':
        throw new DomainError('UNAUTHENTICATED', INVALID_REFRESH);
      case 'reused':
        throw new DomainError('UNAUTHENTICATED', 'Refresh token was already used; every session of this login is revoked', { reason: 'TOKEN_REUSED' });
      case 'expired':
        throw new DomainError('UNAUTHENTICATED', 'Refresh token expired', { reason: 'TOKEN_EXPIRED' });
      case 'rotated':
        return this.withAccessToken(outcome.user, outcome.refreshToken, outcome.familyId);
      default: {
        const _exhaustive: never = outcome;
        return _exhaustive;
      }
    }
  }

  /**
   * The viewer of an `Authorization` header value: null when absent or empty (anonymous), the token's
   * user for `Bearer <access token>`, and UNAUTHENTICATED for anything else (another scheme, a bad,
   * forged or expired token). Reads no database. Used by HTTP and, later, graphql-ws connectionParams.
   */
  async authenticate(authorization: string | null | undefined): Promise<Viewer | null> {
    return (await this.authenticateSession(authorization))?.viewer ?? null;
  }

  /** As `authenticate`, with the token's expiry and login (for connections that outlive a request). */
  async authenticateSession(authorization: string | null | undefined): Promise<Session | null> {
    const value = authorization?.trim() ?? '';
    if (value === '') return null;
    const m = /^Bearer\s+(\S+)$/i.exec(value);
    if (!m?.[1]) throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <access token>"');
    return this.accessTokens.verify(m[1]);
  }

  /**
   * Which of `sessions` ended before their tokens expire: the user no longer exists, or the login's
   * refresh-token family was revoked (a spent refresh token came back). Two queries for any number
   * of sessions, so a node re-checks all its open WebSockets at once.
   */
  async endedSessions(sessions: readonly Session[]): Promise<Map<Session, SessionEnd>> {
    const ended = new Map<Session, SessionEnd>();
    if (sessions.length === 0) return ended;
    const users = await this.usersByIds(sessions.map((s) => s.viewer.id));
    const families = [...new Set(sessions.flatMap((s) => (s.sessionId === null ? [] : [s.sessionId])))];
    const revoked = new Set(
      families.length === 0
        ? []
        : (await this.db.selectFrom('refresh_tokens').select('family_id').distinct().where('family_id', 'in', families).where('revoked_at', 'is not', null).execute()).map((r) => r.family_id),
    );
    sessions.forEach((s, i) => {
      if (users[i] === null) ended.set(s, 'USER_DELETED');
      else if (s.sessionId !== null && revoked.has(s.sessionId)) ended.set(s, 'LOGIN_REVOKED');
    });
    return ended;
  }

  async getUser(id: string): Promise<User | null> {
    const [user] = await this.usersByIds([id]);
    return user ?? null;
  }

  /** DataLoader batch function: one query, answers in the order of `ids`, null for unknown ids. */
  async usersByIds(ids: readonly string[]): Promise<Array<User | null>> {
    const wanted = [...new Set(ids.filter(isUuid))];
    const rows = wanted.length === 0 ? [] : await this.db.selectFrom('users').select(['id', 'email', 'name', 'role']).where('id', 'in', wanted).execute();
    const byId = new Map(rows.map((r) => [r.id, toUser(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', emailKey(email)))
      .executeTakeFirst();
  }

  /** A new refresh-token family plus an access token. */
  private async startSession(user: User): Promise<AuthResult> {
    const refreshToken = newRefreshToken();
    const familyId = randomUUID();
    await this.db.insertInto('refresh_tokens').values(this.refreshRow(refreshToken, familyId, user.id, this.now())).execute();
    return this.withAccessToken(user, refreshToken, familyId);
  }

  private async withAccessToken(user: User, refreshToken: string, familyId: string): Promise<AuthResult> {
    const { token, expiresAt } = await this.accessTokens.issue(user, familyId);
    return { accessToken: token, accessTokenExpiresAt: expiresAt, refreshToken, user };
  }

  private refreshRow(token: string, familyId: string, userId: string, now: number) {
    return {
      token_hash: hashRefreshToken(token),
      family_id: familyId,
      user_id: userId,
      created_at: new Date(now),
      expires_at: new Date(now + this.refreshTtlMs),
      used_at: null,
      revoked_at: null,
    };
  }
}

/** A generated password for operator-created accounts: 144 random bits, 24 characters. */
export const generatePassword = (): string => randomBytes(18).toString('base64url');

function validNewUser(input: NewUser): NewUser {
  const fields = { email: validEmail(input.email), password: validPassword(input.password), name: validName(input.name), role: input.role };
  if (!isRole(fields.role)) throw validationError('role', 'Unknown role', input.role);
  return fields;
}

const toUser = (row: Pick<UserRow, 'id' | 'email' | 'name' | 'role'>): User => ({ id: row.id, email: row.email, name: row.name, role: row.role });
