import { validationError } from '../domain/errors';
import { requireStorableText } from '../domain/storable-text';

/**
 * Input rules for accounts. Each failure is VALIDATION_FAILED naming the field.
 * Emails are compared case-insensitively (`lower(email)` is unique); they are kept as written, trimmed.
 */
export const PASSWORD_MIN_LENGTH = 8;
/** Upper bound so a multi-megabyte "password" cannot be used to burn CPU in the hash. */
export const PASSWORD_MAX_LENGTH = 1024;
export const NAME_MAX_LENGTH = 200;
const EMAIL_MAX_LENGTH = 254;

// Pragmatic, not RFC 5322: one @, no spaces, a dotted domain of sane labels (a@b.c passes).
const EMAIL = /^[^\s@]{1,64}@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** The comparison key of an email: trimmed, lower case. Used for lookups and rate limiting. */
export const emailKey = (email: string): string => email.trim().toLowerCase();

export function validEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length > EMAIL_MAX_LENGTH || !EMAIL.test(trimmed)) throw validationError('email', 'Enter a valid email address', email);
  return requireStorableText('email', trimmed);
}

export function validPassword(password: string): string {
  if (password.length < PASSWORD_MIN_LENGTH) throw validationError('password', `Password must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (password.length > PASSWORD_MAX_LENGTH) throw validationError('password', `Password must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  return password;
}

export function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > NAME_MAX_LENGTH) throw validationError('name', `Name must be 1 to ${NAME_MAX_LENGTH} characters long`, name);
  return requireStorableText('name', trimmed);
}
