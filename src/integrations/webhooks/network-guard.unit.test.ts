import { BlockedAddressError, isPublicAddress, resolveAllowedAddress } from './network-guard';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'IPv4 loopback'],
    ['127.255.0.9', 'IPv4 loopback range'],
    ['10.1.2.3', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['not-an-ip', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([['8.8.8.8'], ['93.184.216.34'], ['2606:4700:4700::1111'], ['::ffff:8.8.8.8']])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('resolveAllowedAddress', () => {
  const lookupTo = (...addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));

  it('given a name whose answers are all public, then it answers the first of them', async () => {
    await expect(resolveAllowedAddress('hooks.example.com', { allowPrivateNetworks: false, lookup: lookupTo('93.184.216.34', '2606:2800:220:1::1') })).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('given one private answer among public ones, then it refuses the host', async () => {
    await expect(resolveAllowedAddress('rebind.example.com', { allowPrivateNetworks: false, lookup: lookupTo('93.184.216.34', '10.0.0.7') })).rejects.toMatchObject({
      reason: 'PRIVATE_ADDRESS',
    });
  });

  it('checks IP literals, bracketed IPv6 included, without asking DNS', async () => {
    const lookup = jest.fn(lookupTo('8.8.8.8'));
    await expect(resolveAllowedAddress('[::1]', { allowPrivateNetworks: false, lookup })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(resolveAllowedAddress('[::ffff:169.254.169.254]', { allowPrivateNetworks: false, lookup })).rejects.toMatchObject({ reason: 'PRIVATE_ADDRESS' });
    await expect(resolveAllowedAddress('127.0.0.1', { allowPrivateNetworks: true, lookup })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('given a name that does not resolve, then it says so', async () => {
    const failing = async (): Promise<never> => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    await expect(resolveAllowedAddress('nowhere.invalid', { allowPrivateNetworks: true, lookup: failing })).rejects.toMatchObject({ reason: 'UNRESOLVABLE_HOST' });
  });
});
