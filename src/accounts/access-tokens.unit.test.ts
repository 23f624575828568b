import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { DomainError } from '../domain/errors';
import { AccessTokens } from './access-tokens';

const SECRET = 's'.repeat(48);
const ID = '0b6c5c0e-7d3a-4d8e-9a4f-2f1e0c9b8a71';
const T0 = Date.UTC(2027, 2, 29, 7);

describe('AccessTokens', () => {
  let now = T0;
  const tokens = new AccessTokens(SECRET, () => now);
  beforeEach(() => {
    now = T0;
  });

  it('issues HS256 JWTs with sub, role, iss, iat and a 15-minute exp', async () => {
    const { token, expiresAt } = await tokens.issue({ id: ID, role: 'PROVIDER' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({ sub: ID, role: 'PROVIDER', iss: 'slotstream', iat: T0 / 1000, exp: T0 / 1000 + 900 });
    expect(expiresAt).toBe(T0 + 15 * 60_000);
    await expect(tokens.verify(token)).resolves.toEqual({ viewer: { id: ID, role: 'PROVIDER' }, expiresAt: T0 + 15 * 60_000, sessionId: null });
  });

  it('carries the login (refresh-token family) as sid, and a shorter life when asked', async () => {
    const family = '7f0d7c1e-3b7a-4c1e-8e2a-5d4c3b2a1f00';
    const short = new AccessTokens(SECRET, () => now, 2000);
    const { token, expiresAt } = await short.issue({ id: ID, role: 'CUSTOMER' }, family);
    expect(decodeJwt(token)).toMatchObject({ sid: family, exp: T0 / 1000 + 2 });
    await expect(short.verify(token)).resolves.toEqual({ viewer: { id: ID, role: 'CUSTOMER' }, expiresAt, sessionId: family });
  });

  it('refuses an expired token with UNAUTHENTICATED and reason TOKEN_EXPIRED', async () => {
    const { token } = await tokens.issue({ id: ID, role: 'CUSTOMER' });
    now = T0 + 15 * 60_000 - 1000;
    await expect(tokens.verify(token)).resolves.toMatchObject({ viewer: { id: ID, role: 'CUSTOMER' } });
    now = T0 + 15 * 60_000;
    await expect(tokens.verify(token)).rejects.toEqual(new DomainError('UNAUTHENTICATED', 'Access token expired', { reason: 'TOKEN_EXPIRED' }));
  });

  const forged = async (claims: Record<string, unknown>, options: { secret?: string; alg?: string; iss?: string } = {}): Promise<string> => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuer(options.iss ?? 'slotstream').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 900);
    return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
  };

  it.each([
    ['another secret', () => forged({ sub: ID, role: 'ADMIN' }, { secret: 'x'.repeat(48) })],
    ['another algorithm', () => forged({ sub: ID, role: 'ADMIN' }, { alg: 'HS512' })],
    ['another issuer', () => forged({ sub: ID, role: 'ADMIN' }, { iss: 'evil' })],
    ['an unknown role', () => forged({ sub: ID, role: 'ROOT' })],
    ['a sub that is no user id', () => forged({ sub: 'admin', role: 'ADMIN' })],
    ['no sub', () => forged({ role: 'ADMIN' })],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: ID, role: 'ADMIN', iss: 'slotstream', iat: T0 / 1000, exp: T0 / 1000 + 900 })).toString('base64url')}.`],
    ['garbage', async () => 'not-a-jwt'],
  ])('refuses a token with %s', async (_what, make) => {
    await expect(tokens.verify(await make())).rejects.toEqual(new DomainError('UNAUTHENTICATED', 'Invalid access token'));
  });
});
