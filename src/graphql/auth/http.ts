import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { AccountService } from '../../accounts/account-service';
import type { Viewer } from '../../accounts/model';
import { isDomainError } from '../../domain/errors';

/**
 * The viewer of an HTTP request (`Authorization: Bearer <access token>`), null when anonymous.
 * A bad or expired token fails the whole operation: HTTP 401 with `WWW-Authenticate: Bearer` and
 * `extensions.code = UNAUTHENTICATED` (formatGraphQLError finds the DomainError inside).
 */
export async function viewerOfRequest(accounts: AccountService, req: IncomingMessage): Promise<Viewer | null> {
  try {
    return await accounts.authenticate(req.headers.authorization);
  } catch (err) {
    if (!isDomainError(err)) throw err;
    throw new GraphQLError(err.message, {
      originalError: err,
      extensions: { code: err.code, http: { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer error="invalid_token"']]) } },
    });
  }
}

/**
 * The client's address for rate limiting: the socket's peer. With TRUST_PROXY=true (this node sits
 * behind exactly one reverse proxy that appends to X-Forwarded-For) it is the last X-Forwarded-For
 * entry — the one our proxy wrote; entries before it come from the client and could be forged.
 */
export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter((s) => s !== '');
    const last = entries[entries.length - 1];
    if (last !== undefined) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
