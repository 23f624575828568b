/** Roles of the public API (`enum Role`). Self-service registration offers only CUSTOMER and PROVIDER. */
export const ROLES = ['CUSTOMER', 'PROVIDER', 'ADMIN', 'AUDITOR'] as const;
export type Role = (typeof ROLES)[number];
export const SELF_SERVICE_ROLES: readonly Role[] = ['CUSTOMER', 'PROVIDER'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** User ids are UUIDs; anything else cannot name a user (and must not reach a `uuid` column). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** A user as the API shows it (never the password hash). */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
}

/**
 * How a user that no longer exists (deleted, or erased) appears where something still points at it,
 * e.g. as the customer of an appointment in the provider's list: the page is served, the person shown
 * as gone.
 */
export const DELETED_USER_NAME = '[deleted]';
export const deletedUser = (id: string): User => ({ id, email: '', name: DELETED_USER_NAME, role: 'CUSTOMER' });

/** Who sends a request, as proven by a valid access token. */
export interface Viewer {
  readonly id: string;
  readonly role: Role;
}

/**
 * What an access token proves, for connections that outlive a request (WebSocket): who, until when,
 * and which login (refresh-token family) it was issued to, so a revoked login can end the connection.
 */
export interface Session {
  readonly viewer: Viewer;
  /** Epoch ms at which the token stops being accepted. */
  readonly expiresAt: number;
  /** The login's refresh-token family; null for a token issued outside a login (operators' tools). */
  readonly sessionId: string | null;
}

/** Why a session ended before its token expired. */
export type SessionEnd = 'USER_DELETED' | 'LOGIN_REVOKED';

/** What register, login and refresh answer (`AuthPayload`). */
export interface AuthResult {
  readonly accessToken: string;
  /** Epoch ms at which the access token stops being accepted. */
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  readonly user: User;
}
