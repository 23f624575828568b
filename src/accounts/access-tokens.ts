import { SignJWT, jwtVerify } from 'jose';
import { DomainError } from '../domain/errors';
import { type Session, type Viewer, isRole, isUuid } from './model';

export const ACCESS_TOKEN_ISSUER = 'slotstream';
export const ACCESS_TOKEN_TTL_MS = 15 * 60_000;

/**
 * Short-lived access tokens: JWT, HS256 with the node's JWT secret, claims `sub` (user id), `role`,
 * `iat`, `exp`, `iss: slotstream` and `sid` (the login's refresh-token family, when issued to one).
 * Stateless: verifying one reads no database, so over HTTP a role change or a deleted user takes effect
 * when the token expires (at most 15 minutes); a WebSocket re-checks its session (http/websocket.ts).
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly now: () => number, private readonly ttlMs = ACCESS_TOKEN_TTL_MS) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(viewer: Viewer, sessionId: string | null = null): Promise<{ token: string; expiresAt: number }> {
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + Math.ceil(this.ttlMs / 1000);
    const token = await new SignJWT(sessionId === null ? { role: viewer.role } : { role: viewer.role, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(viewer.id)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: expiresAt * 1000 };
  }

  /** The session a token proves; UNAUTHENTICATED when it is malformed, forged, expired or not ours. */
  async verify(token: string): Promise<Session> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ACCESS_TOKEN_ISSUER,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      const expired = typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_JWT_EXPIRED';
      throw new DomainError('UNAUTHENTICATED', expired ? 'Access token expired' : 'Invalid access token', expired ? { reason: 'TOKEN_EXPIRED' } : {});
    }
    const { sub, role, exp, sid } = payload;
    if (!isUuid(sub) || !isRole(role) || typeof exp !== 'number') throw new DomainError('UNAUTHENTICATED', 'Invalid access token');
    return { viewer: { id: sub, role }, expiresAt: exp * 1000, sessionId: isUuid(sid) ? sid : null };
  }
}
