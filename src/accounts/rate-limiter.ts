import { createHash } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import { DomainError } from '../domain/errors';
import { unstorableCharacterAt } from '../domain/storable-text';
import type { Database } from '../db/schema';

export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** One counter: hits of `key` in `scope` ('login-address', 'register-email', 'booking-customer', …). */
export interface Counter {
  readonly scope: string;
  readonly key: string;
}

/** What a policy may ask of the windows while it decides (inside the counters' locks). */
export interface Windows {
  /** 0 while `counter` has room under `limit`, else how long until its oldest blocking hit leaves the window (ms). */
  wait(counter: Counter, limit: RateLimit): Promise<number>;
  /** Hits of `counter` in the last `windowMs`. */
  count(counter: Counter, windowMs: number): Promise<number>;
}

/**
 * Sliding-window rate limits kept in the `rate_limit_hits` table, so every API node on one database
 * shares them. `take` decides and records in one short transaction holding an advisory lock per
 * counter (taken in one order everywhere: no deadlock), so concurrent attempts are counted exactly;
 * a refused attempt is not recorded (hammering does not extend the wait).
 */
export class RateLimiter {
  private lastPrune = Number.NEGATIVE_INFINITY;
  private longestWindowMs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  /**
   * Ask `policy` (0 = go ahead, else the wait in ms); on 0 a hit is recorded in every counter of
   * `hits`, else RATE_LIMITED is thrown with `retryAfterSeconds` and `message`.
   */
  async take(hits: readonly Counter[], policy: (windows: Windows) => Promise<number>, message: string): Promise<void> {
    const now = this.now();
    const stored = hits.map((h) => ({ scope: h.scope, key: storedKey(h.key) }));
    await this.pruneOccasionally(now);
    const wait = await this.db.transaction().execute(async (trx) => {
      for (const c of [...stored].sort((a, b) => (lockName(a) < lockName(b) ? -1 : 1))) await lock(trx, c);
      const windows: Windows = {
        wait: (counter, limit) => this.waitFor(trx, counter, limit, now),
        count: async (counter, windowMs) => {
          this.longestWindowMs = Math.max(this.longestWindowMs, windowMs);
          const r = await trx
            .selectFrom('rate_limit_hits')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('scope', '=', counter.scope)
            .where('key', '=', storedKey(counter.key))
            .where('at', '>', new Date(now - windowMs))
            .executeTakeFirst();
          return Number(r?.n ?? 0);
        },
      };
      const ms = await policy(windows);
      if (ms > 0) return ms;
      if (stored.length > 0) await trx.insertInto('rate_limit_hits').values(stored.map((c) => ({ ...c, at: new Date(now) }))).execute();
      return 0;
    });
    if (wait > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(wait / 1000));
      throw new DomainError('RATE_LIMITED', `${message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  /** `take` for plain limits: a hit in each counter while each has room under its limit. */
  limit(counters: ReadonlyArray<Counter & { readonly limit: RateLimit }>, message: string): Promise<void> {
    return this.take(counters, async (w) => Math.max(0, ...(await Promise.all(counters.map((c) => w.wait(c, c.limit))))), message);
  }

  /** Forget every hit of `counter` (e.g. a correct password forgives the failures before it). */
  async forget(counter: Counter): Promise<void> {
    await this.db.deleteFrom('rate_limit_hits').where('scope', '=', counter.scope).where('key', '=', storedKey(counter.key)).execute();
  }

  private async waitFor(trx: Transaction<Database>, counter: Counter, limit: RateLimit, now: number): Promise<number> {
    this.longestWindowMs = Math.max(this.longestWindowMs, limit.windowMs);
    // The max-th newest hit inside the window: while it exists, the window is full.
    const blocking = await trx
      .selectFrom('rate_limit_hits')
      .select('at')
      .where('scope', '=', counter.scope)
      .where('key', '=', storedKey(counter.key))
      .where('at', '>', new Date(now - limit.windowMs))
      .orderBy('at', 'desc')
      .offset(limit.max - 1)
      .limit(1)
      .executeTakeFirst();
    return blocking ? blocking.at.getTime() + limit.windowMs - now : 0;
  }

  /** Drop hits older than every window used, at most once a minute per process. */
  private async pruneOccasionally(now: number): Promise<void> {
    if (now - this.lastPrune < 60_000 || this.longestWindowMs === 0) return;
    this.lastPrune = now;
    await this.db.deleteFrom('rate_limit_hits').where('at', '<', new Date(now - this.longestWindowMs)).execute();
  }
}

/**
 * Keys are stored as given up to a sane length; a longer one (a megabyte "email" at login, a huge
 * X-Forwarded-For entry) or one the database cannot store (a NUL) by its SHA-256, since a B-tree
 * index entry cannot hold the one and `text` refuses the other. No real email or address is either.
 */
const MAX_STORED_KEY = 256;
function storedKey(key: string): string {
  return key.length <= MAX_STORED_KEY && unstorableCharacterAt(key) < 0 ? key : `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

const lockName = (c: Counter): string => `slotstream.rate.${c.scope}:${c.key}`;

function lock(trx: Transaction<Database>, counter: Counter): Promise<unknown> {
  return sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockName(counter)}, 0))`.execute(trx);
}

/** A counter key made of several parts (JSON, so a separator inside a part cannot make two pairs collide). */
export const pairKey = (...parts: readonly string[]): string => JSON.stringify(parts);
