import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a calendar connection's OAuth `state` binds: who started it, for which provider, until when. */
export interface OAuthStateClaims {
  readonly providerId: string;
  readonly callerId: string;
  /** Random; a later table marks it used, which makes the state single use. */
  readonly nonce: string;
  /** Epoch milliseconds; the state is refused from then on. */
  readonly expiresAt: number;
}

export const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** States longer than this are refused before any work (ours are about 200 characters). */
const MAX_STATE_LENGTH = 2048;
const MAC_LABEL = 'slotstream-oauth-state.v1.';

/**
 * The OAuth `state` parameter: `<payload>.<mac>`, both base64url, the payload JSON of the claims and
 * the MAC an HMAC-SHA256 over it. Google hands it back unchanged to GET /oauth/google/callback, where
 * `verify` proves we issued it, for whom, and that it is fresh; it carries no secret, only a binding.
 * Time is passed in, so expiry is testable and the same on every node.
 */
export class OAuthStateSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the OAuth state key must be at least 32 bytes');
  }

  issue(subject: { readonly providerId: string; readonly callerId: string }, now: number, nonce: string = randomBytes(16).toString('base64url')): string {
    const payload = Buffer.from(JSON.stringify({ p: subject.providerId, c: subject.callerId, n: nonce, e: now + OAUTH_STATE_TTL_MS }), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** The claims of a state we issued and that has not expired; otherwise an OAuthStateError. */
  verify(state: string, now: number): OAuthStateClaims {
    const parts = state.length <= MAX_STATE_LENGTH ? state.split('.') : [];
    if (parts.length !== 2) throw new OAuthStateError('MALFORMED');
    const [payload, mac] = parts as [string, string];
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new OAuthStateError('BAD_SIGNATURE');
    const claims = claimsOf(payload);
    if (claims === null) throw new OAuthStateError('MALFORMED');
    if (now >= claims.expiresAt) throw new OAuthStateError('EXPIRED');
    return claims;
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(MAC_LABEL).update(payload).digest();
  }
}

export class OAuthStateError extends Error {
  constructor(readonly reason: 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED') {
    super(reason === 'EXPIRED' ? 'the connection request has expired: start again' : 'the connection request is not one this service issued');
    this.name = 'OAuthStateError';
  }
}

function claimsOf(payload: string): OAuthStateClaims | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { p, c, n, e } = raw as Record<string, unknown>;
  if (typeof p !== 'string' || typeof c !== 'string' || typeof n !== 'string' || typeof e !== 'number' || !Number.isSafeInteger(e)) return null;
  return { providerId: p, callerId: c, nonce: n, expiresAt: e };
}
