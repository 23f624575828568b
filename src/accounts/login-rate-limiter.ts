import { createHash } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import { DomainError } from '../domain/errors';
import type { Database } from '../db/schema';

export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

export interface LoginRateLimits {
  /** Failed logins per account (email, whether or not it exists). */
  readonly perAccount: RateLimit;
  /** Login attempts, failed or not, per client address. */
  readonly perAddress: RateLimit;
}

export const DEFAULT_LOGIN_RATE_LIMITS: LoginRateLimits = {
  perAccount: { max: 5, windowMs: 15 * 60_000 },
  perAddress: { max: 20, windowMs: 60_000 },
};

type Scope = 'ip' | 'account';

/**
 * Sliding-window login limits kept in the `login_attempts` table, so every API node on one database
 * shares them. An attempt is let through only while fewer than `max` attempts of its key lie in the
 * last `windowMs`; a refused attempt is not recorded (hammering does not extend the wait).
 *
 * A login counts as a failed attempt of its account *before* the password is checked, and a success
 * then clears the account's failures: so parallel guesses cannot slip past the limit while their
 * hashes are being verified. Check-and-record runs in one short transaction holding an advisory lock
 * per key (never across the password hash), so concurrent attempts on one key are counted exactly.
 */
export class LoginRateLimiter {
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly limits: LoginRateLimits = DEFAULT_LOGIN_RATE_LIMITS,
  ) {}

  /** Record an attempt of `account` from `address`, or refuse it with RATE_LIMITED and `retryAfterSeconds`. */
  async begin(rawAccount: string, rawAddress: string): Promise<void> {
    const [account, address] = [storedKey(rawAccount), storedKey(rawAddress)];
    const now = this.now();
    await this.pruneOccasionally(now);
    const refusal = await this.db.transaction().execute(async (trx) => {
      // One lock order everywhere (address, then account): no deadlock between two attempts.
      await lock(trx, 'ip', address);
      await lock(trx, 'account', account);
      const retryAfterMs = Math.max(
        await this.waitFor(trx, 'ip', address, this.limits.perAddress, now),
        await this.waitFor(trx, 'account', account, this.limits.perAccount, now),
      );
      if (retryAfterMs > 0) return retryAfterMs;
      const at = new Date(now);
      await trx.insertInto('login_attempts').values([{ scope: 'ip', key: address, at }, { scope: 'account', key: account, at }]).execute();
      return 0;
    });
    if (refusal > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(refusal / 1000));
      throw new DomainError('RATE_LIMITED', `Too many login attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  /** The password was right: the account's failures are forgiven. */
  async succeeded(account: string): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('scope', '=', 'account').where('key', '=', storedKey(account)).execute();
  }

  /** 0 while `key` may try again, else how long until the oldest attempt that blocks it leaves the window. */
  private async waitFor(trx: Transaction<Database>, scope: Scope, key: string, limit: RateLimit, now: number): Promise<number> {
    // The max-th newest attempt inside the window: while it exists, the window is full.
    const blocking = await trx
      .selectFrom('login_attempts')
      .select('at')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('at', '>', new Date(now - limit.windowMs))
      .orderBy('at', 'desc')
      .offset(limit.max - 1)
      .limit(1)
      .executeTakeFirst();
    return blocking ? blocking.at.getTime() + limit.windowMs - now : 0;
  }

  /** Drop attempts older than every window, at most once a minute per process. */
  private async pruneOccasionally(now: number): Promise<void> {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const longest = Math.max(this.limits.perAccount.windowMs, this.limits.perAddress.windowMs);
    await this.db.deleteFrom('login_attempts').where('at', '<', new Date(now - longest)).execute();
  }
}

/**
 * Keys are stored as given up to a sane length; a longer one (a megabyte "email" at login, a huge
 * X-Forwarded-For entry) by its SHA-256, since a B-tree index entry cannot hold it (that failed the
 * login with an internal error). No real email (254 characters at most) or address is that long.
 */
const MAX_STORED_KEY = 256;
function storedKey(key: string): string {
  return key.length <= MAX_STORED_KEY ? key : `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function lock(trx: Transaction<Database>, scope: Scope, key: string): Promise<unknown> {
  return sql`SELECT pg_advisory_xact_lock(hashtextextended(${`slotstream.login.${scope}:${key}`}, 0))`.execute(trx);
}
