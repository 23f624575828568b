import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError, validationError } from '../domain/errors';
import type { Database, UserRow } from '../db/schema';
import { sqlErrorCode } from '../db/sql';
import { AccessTokens } from './access-tokens';
import { DEFAULT_LOGIN_RATE_LIMITS, type LoginRateLimits, LoginRateLimiter } from './login-rate-limiter';
import { type AuthResult, type Role, SELF_SERVICE_ROLES, type User, type Viewer, isRole, isUuid } from './model';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { REFRESH_TOKEN_TTL_MS, hashRefreshToken, newRefreshToken } from './refresh-tokens';
import { emailKey, validEmail, validName, validPassword } from './validation';

export interface AccountServiceOptions {
  readonly db: Kysely<Database>;
  readonly jwtSecret: string;
  /** The clock, epoch ms. Injected so tests can move time (token expiry, rate-limit windows). */
  readonly now?: () => number;
  readonly loginRateLimits?: LoginRateLimits;
  readonly refreshTokenTtlMs?: number;
}

export interface NewUser {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly role: Role;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid refresh token';

/**
 * Users, passwords and tokens. Every method that refuses throws a DomainError with a stable code:
 * VALIDATION_FAILED (with `field`), FORBIDDEN, UNAUTHENTICATED or RATE_LIMITED (`retryAfterSeconds`).
 */
export class AccountService {
  private readonly db: Kysely<Database>;
  private readonly now: () => number;
  private readonly accessTokens: AccessTokens;
  private readonly limiter: LoginRateLimiter;
  private readonly refreshTtlMs: number;

  constructor(options: AccountServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
    this.accessTokens = new AccessTokens(options.jwtSecret, this.now);
    this.limiter = new LoginRateLimiter(this.db, this.now, options.loginRateLimits ?? DEFAULT_LOGIN_RATE_LIMITS);
    this.refreshTtlMs = options.refreshTokenTtlMs ?? REFRESH_TOKEN_TTL_MS;
  }

  /** Self-service sign-up (CUSTOMER or PROVIDER), answered like a login. */
  async register(input: NewUser): Promise<AuthResult> {
    if (!SELF_SERVICE_ROLES.includes(input.role)) {
      throw new DomainError('FORBIDDEN', `The ${input.role} role cannot be chosen at sign-up; an operator creates such accounts`, { field: 'role' });
    }
    const user = await this.createUser(input);
    return this.startSession(user);
  }

  /** Create a user with any role (operators: `npm run user:create`). Validates like register. */
  async createUser(input: NewUser): Promise<User> {
    const email = validEmail(input.email);
    const password = validPassword(input.password);
    const name = validName(input.name);
    if (!isRole(input.role)) throw validationError('role', 'Unknown role', input.role);
    if (await this.findByEmail(email)) throw alreadyRegistered(email);
    const row = { id: randomUUID(), email, name, role: input.role, password_hash: await hashPassword(password) };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      // Two sign-ups with one email at once: the unique index decides, the loser gets the same answer.
      if (sqlErrorCode(err) === '23505') throw alreadyRegistered(email);
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
    await this.limiter.begin(key, clientAddress);
    const row = await this.findByEmail(key);
    const ok = row ? await verifyPassword(row.password_hash, password) : await verifyAgainstDummy(password);
    if (!row || !ok) throw new DomainError('UNAUTHENTICATED', INVALID_CREDENTIALS);
    await this.limiter.succeeded(key);
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
      return { kind: 'rotated', user: toUser(user), refreshToken: next } as const;
    });
    switch (outcome.kind) {
      case 'invalid':
        throw new DomainError('UNAUTHENTICATED', INVALID_REFRESH);
      case 'reused':
        throw new DomainError('UNAUTHENTICATED', 'Refresh token was already used; every session of this login is revoked', { reason: 'TOKEN_REUSED' });
      case 'expired':
        throw new DomainError('UNAUTHENTICATED', 'Refresh token expired', { reason: 'TOKEN_EXPIRED' });
      case 'rotated':
        return this.withAccessToken(outcome.user, outcome.refreshToken);
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
    const value = authorization?.trim() ?? '';
    if (value === '') return null;
    const m = /^Bearer\s+(\S+)$/i.exec(value);
    if (!m?.[1]) throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <access token>"');
    return this.accessTokens.verify(m[1]);
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
    await this.db.insertInto('refresh_tokens').values(this.refreshRow(refreshToken, randomUUID(), user.id, this.now())).execute();
    return this.withAccessToken(user, refreshToken);
  }

  private async withAccessToken(user: User, refreshToken: string): Promise<AuthResult> {
    const { token, expiresAt } = await this.accessTokens.issue(user);
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

const alreadyRegistered = (email: string): DomainError => validationError('email', 'This email is already registered', email);

const toUser = (row: Pick<UserRow, 'id' | 'email' | 'name' | 'role'>): User => ({ id: row.id, email: row.email, name: row.name, role: row.role });
