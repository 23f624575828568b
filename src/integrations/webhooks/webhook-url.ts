import { DomainError } from '../../domain/errors';
import { BlockedAddressError, type LookupAll, resolveAllowedAddress } from './network-guard';

export type WebhookUrlProblem = 'INVALID_URL' | 'UNSUPPORTED_SCHEME' | 'CREDENTIALS_NOT_ALLOWED' | 'UNRESOLVABLE_HOST' | 'PRIVATE_ADDRESS';

const MAX_URL_LENGTH = 2048;

/**
 * Validate an endpoint URL when it is created: http(s) only, no user:pass, and a host that resolves to
 * public addresses (unless private networks are allowed). Refusals are VALIDATION_FAILED with
 * `{ field: 'url', value, reason }`. Delivery checks the address again at every attempt: DNS can change.
 */
export async function checkWebhookUrl(url: string, options: { readonly allowPrivateNetworks: boolean; readonly lookup?: LookupAll }): Promise<URL> {
  const refuse = (reason: WebhookUrlProblem, message: string): DomainError => new DomainError('VALIDATION_FAILED', message, { field: 'url', value: url, reason });
  let parsed: URL;
  try {
    if (url.length > MAX_URL_LENGTH) throw new Error('too long');
    parsed = new URL(url);
  } catch {
    throw refuse('INVALID_URL', `The webhook URL must be an absolute http(s) URL of at most ${MAX_URL_LENGTH} characters.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw refuse('UNSUPPORTED_SCHEME', 'The webhook URL must start with http:// or https://.');
  if (parsed.username !== '' || parsed.password !== '') throw refuse('CREDENTIALS_NOT_ALLOWED', 'The webhook URL must not contain a user name or password.');
  try {
    await resolveAllowedAddress(parsed.hostname, options);
  } catch (err) {
    if (err instanceof BlockedAddressError) {
      throw refuse(err.reason, err.reason === 'PRIVATE_ADDRESS' ? 'The webhook URL points at a loopback, private or link-local address.' : 'The webhook URL\'s host cannot be resolved.');
    }
    throw err;
  }
  return parsed;
}
