import { createHash, randomBytes } from 'node:crypto';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60_000;

/** A new opaque refresh token: 256 random bits, base64url. Only its hash is stored. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

/** SHA-256 hex: the refresh token's key in `refresh_tokens`. */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
