import { DomainError } from '../../domain/errors';
import { checkWebhookUrl } from './webhook-url';

const lookup = async (hostname: string) => {
  const table: Record<string, string> = { 'hooks.example.com': '93.184.216.34', localhost: '127.0.0.1', 'intranet.example.com': '192.168.10.20' };
  const address = table[hostname];
  if (!address) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  return [{ address, family: 4 as const }];
};

describe('checkWebhookUrl', () => {
  it('accepts an http(s) URL whose host resolves to a public address', async () => {
    expect((await checkWebhookUrl('https://hooks.example.com/slotstream?x=1', { allowPrivateNetworks: false, lookup })).href).toBe('https://hooks.example.com/slotstream?x=1');
  });

  it.each([
    ['not a url', 'INVALID_URL'],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, 'INVALID_URL'],
    ['ftp://hooks.example.com/x', 'UNSUPPORTED_SCHEME'],
    ['javascript:alert(1)', 'UNSUPPORTED_SCHEME'],
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['https://user:pass@hooks.example.com/', 'CREDENTIALS_NOT_ALLOWED'],
    ['http://localhost:8080/hook', 'PRIVATE_ADDRESS'],
    ['http://127.0.0.1/hook', 'PRIVATE_ADDRESS'],
    ['http://[::1]:9000/hook', 'PRIVATE_ADDRESS'],
    ['http://169.254.169.254/latest/meta-data', 'PRIVATE_ADDRESS'],
    ['https://intranet.example.com/hook', 'PRIVATE_ADDRESS'],
    ['https://nowhere.invalid/hook', 'UNRESOLVABLE_HOST'],
  ])('refuses %s: VALIDATION_FAILED, reason %s', async (url, reason) => {
    const err = await checkWebhookUrl(url, { allowPrivateNetworks: false, lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'url', value: url, reason } });
  });

  it('accepts private addresses when WEBHOOK_ALLOW_PRIVATE_NETWORKS is on', async () => {
    await expect(checkWebhookUrl('http://localhost:8080/hook', { allowPrivateNetworks: true, lookup })).resolves.toBeInstanceOf(URL);
  });
});
