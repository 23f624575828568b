import { randomUUID } from 'node:crypto';

/**
 * The id of one request: it names the request's log lines and becomes the correlation id of every
 * event the request appends (command metadata), so a client may pass its own in `X-Request-Id` to
 * follow a call through our logs and the audit trail. That id is stored for good and written to
 * logs, so it is kept only when it is short and shaped like an id (8–64 letters, digits, `_ . : -`:
 * UUIDs, ULIDs, trace ids); anything else — empty, long, spaces, quotes, line breaks — is replaced
 * by a new UUID.
 */
const ID_SHAPED = /^[A-Za-z0-9_.:-]{8,64}$/;

export function requestIdOf(header: string | readonly string[] | undefined): string {
  const value = typeof header === 'string' ? header : header?.[0];
  return typeof value === 'string' && ID_SHAPED.test(value) ? value : randomUUID();
}
