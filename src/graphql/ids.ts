import { validationError } from '../domain/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is refused up front instead of reaching a uuid column. */
export function requireId(field: string, value: string): string {
  if (!UUID.test(value)) throw validationError(field, `${field} must be a UUID`, value);
  return value.toLowerCase();
}

export const isId = (value: string): boolean => UUID.test(value);
