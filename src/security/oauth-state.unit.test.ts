import { createHmac } from 'node:crypto';
import { OAUTH_STATE_TTL_MS, OAuthStateError, OAuthStateSigner } from './oauth-state';

const KEY = Buffer.alloc(32, 7);
const T0 = Date.UTC(2027, 2, 29, 7);
const subject = { providerId: 'provider-1', callerId: 'owner-1' };

/** The state with its payload replaced by `claims`, keeping the original MAC. */
const withPayload = (state: string, claims: Record<string, unknown>): string =>
  `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${state.split('.')[1]}`;

describe('OAuth state', () => {
  const signer = new OAuthStateSigner(KEY);

  it('given a state issued for a provider and caller, when it comes back in time, then it names them, its nonce and its expiry', () => {
    const state = signer.issue(subject, T0, 'nonce-1');
    expect(signer.verify(state, T0 + OAUTH_STATE_TTL_MS - 1)).toEqual({ ...subject, nonce: 'nonce-1', expiresAt: T0 + 10 * 60_000 });
  });

  it('given two states for the same caller, then their nonces differ (each can be spent once)', () => {
    const a = signer.verify(signer.issue(subject, T0), T0);
    const b = signer.verify(signer.issue(subject, T0), T0);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('given a state, when it comes back 10 minutes after it was issued, then it is refused as EXPIRED', () => {
    const state = signer.issue(subject, T0);
    expect(() => signer.verify(state, T0 + OAUTH_STATE_TTL_MS)).toThrow(new OAuthStateError('EXPIRED'));
  });

  it('given a state, when its provider, caller or expiry is changed, then the signature no longer matches', () => {
    const state = signer.issue(subject, T0, 'n');
    const claims = { p: 'provider-1', c: 'owner-1', n: 'n', e: T0 + OAUTH_STATE_TTL_MS };
    for (const forged of [{ ...claims, p: 'provider-2' }, { ...claims, c: 'attacker' }, { ...claims, e: T0 + 365 * 86_400_000 }]) {
      expect(() => signer.verify(withPayload(state, forged), T0)).toThrow(new OAuthStateError('BAD_SIGNATURE'));
    }
    expect(() => signer.verify(withPayload(state, claims), T0)).not.toThrow();
  });

  it('given a state signed with another key, then it is refused', () => {
    const state = new OAuthStateSigner(Buffer.alloc(32, 8)).issue(subject, T0);
    expect(() => signer.verify(state, T0)).toThrow(new OAuthStateError('BAD_SIGNATURE'));
  });

  it.each([['empty', ''], ['no MAC', 'abc'], ['three parts', 'a.b.c'], ['huge', `${'a'.repeat(5000)}.b`]])('given a %s state, then it is refused as MALFORMED', (_what, state) => {
    expect(() => signer.verify(state, T0)).toThrow(new OAuthStateError('MALFORMED'));
  });

  it('given a correctly signed payload of the wrong shape, then it is refused as MALFORMED', () => {
    // Signed the way the signer signs (HMAC-SHA256 over its label and the payload), so only the shape check can refuse it.
    const signed = (claims: unknown): string => {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${createHmac('sha256', KEY).update('slotstream-oauth-state.v1.').update(payload).digest('base64url')}`;
    };
    expect(signer.verify(signed({ p: 'provider-1', c: 'owner-1', n: 'n', e: T0 + 1 }), T0)).toMatchObject({ providerId: 'provider-1' });
    for (const claims of [{ p: 1, c: 'owner-1', n: 'n', e: T0 + 1 }, { p: 'provider-1', c: 'owner-1', n: 'n', e: 'later' }, ['p', 'c'], null]) {
      expect(() => signer.verify(signed(claims), T0)).toThrow(new OAuthStateError('MALFORMED'));
    }
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => new OAuthStateSigner(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});
