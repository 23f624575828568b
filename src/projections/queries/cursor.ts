/**
 * Opaque pagination cursors: base64url of a small JSON tuple `[kind, sortKey, id]`. The kind keeps a
 * providers cursor from being accepted by the appointments query; anything unreadable is a
 * VALIDATION_FAILED on `after`, never an internal error.
 */
import { validationError } from '../../domain/errors';

export function encodeCursor(kind: string, sortKey: string | number, id: string): string {
  return Buffer.from(JSON.stringify([kind, sortKey, id]), 'utf8').toString('base64url');
}

export function decodeCursor<K extends 'string' | 'number'>(
  kind: string,
  cursor: string,
  keyType: K,
): { key: K extends 'string' ? string : number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw validationError('after', 'after is not a cursor this query returned', cursor);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== kind ||
    typeof parsed[1] !== keyType ||
    (keyType === 'number' && !Number.isFinite(parsed[1])) ||
    typeof parsed[2] !== 'string'
  ) {
    throw validationError('after', 'after is not a cursor this query returned', cursor);
  }
  return { key: parsed[1] as K extends 'string' ? string : number, id: parsed[2] };
}

/** `first` of a connection: an integer in [1, max]. */
export function pageSize(first: number | undefined, fallback: number, max: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw validationError('first', `first must be an integer from 1 to ${max}`, first);
  return n;
}
