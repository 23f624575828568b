import { type RateLimit, type RateLimiter, pairKey } from './rate-limiter';

export interface LoginRateLimits {
  /** Login attempts, failed or not, per client address. */
  readonly perAddress: RateLimit;
  /** Failed logins of one account from one client address. */
  readonly perAccountAndAddress: RateLimit;
  /** Failed logins of one account from every address; enforced only on addresses that failed it too. */
  readonly perAccount: RateLimit;
}

export const DEFAULT_LOGIN_RATE_LIMITS: LoginRateLimits = {
  perAddress: { max: 20, windowMs: 60_000 },
  perAccountAndAddress: { max: 5, windowMs: 15 * 60_000 },
  perAccount: { max: 50, windowMs: 15 * 60_000 },
};

/**
 * Login limits that strangers cannot turn into a lockout. Failures are counted per account *and*
 * client address: five wrong passwords from an attacker's address block that address for this account,
 * not the owner, whose correct password from an address without failures is let through (still within
 * the per-address limit). Guesses spread over many addresses meet the account's own limit, which binds
 * every address that has failed this account before: at most one guess per fresh address.
 *
 * A login counts as a failure *before* the password is checked, and a success then clears the
 * failures of its address: so parallel guesses cannot slip past the limit while their hashes are
 * being verified.
 */
export class LoginRateLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: LoginRateLimits = DEFAULT_LOGIN_RATE_LIMITS,
  ) {}

  /** Record an attempt of `account` from `address`, or refuse it with RATE_LIMITED and `retryAfterSeconds`. */
  async begin(account: string, address: string): Promise<void> {
    const fromAddress = { scope: 'login-address', key: address };
    const pair = { scope: 'login-failure', key: pairKey(account, address) };
    const ofAccount = { scope: 'login-account', key: account };
    const { perAddress, perAccountAndAddress, perAccount } = this.limits;
    await this.limiter.take(
      [fromAddress, pair, ofAccount],
      async (w) => {
        const failedHere = (await w.count(pair, perAccountAndAddress.windowMs)) > 0;
        return Math.max(await w.wait(fromAddress, perAddress), await w.wait(pair, perAccountAndAddress), failedHere ? await w.wait(ofAccount, perAccount) : 0);
      },
      'Too many login attempts',
    );
  }

  /** The password was right: this address's failures on the account are forgiven. */
  succeeded(account: string, address: string): Promise<void> {
    return this.limiter.forget({ scope: 'login-failure', key: pairKey(account, address) });
  }
}
