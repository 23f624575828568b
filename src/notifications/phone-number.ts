import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { validationError } from '../domain/errors';

/**
 * A phone number as we store and text it: E.164 (+4915112345678). libphonenumber-js with its full
 * metadata checks the number really exists in its country's plan, not only its length. Input may be
 * written any usual way ("+49 151 1234-5678", "(030) 123456" with a default country); anything that
 * is not a valid number is VALIDATION_FAILED on `field`.
 */
export function normalizePhoneNumber(input: string, options: { readonly field?: string; readonly defaultCountry?: CountryCode } = {}): string {
  const field = options.field ?? 'phone';
  const parsed = parsePhoneNumberFromString(input.trim(), options.defaultCountry ? { defaultCountry: options.defaultCountry } : {});
  if (!parsed || !parsed.isValid()) {
    throw validationError(field, 'Enter a valid phone number in international format, e.g. +4915112345678.', input);
  }
  return parsed.number;
}
