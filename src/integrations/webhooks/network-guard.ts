import dns from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Where outgoing webhooks may connect. An endpoint URL is the customer's input, so without a check it
 * could make this server call its own loopback, the cloud metadata service (169.254.169.254) or the
 * private network behind it (SSRF). Only global unicast addresses pass; ipaddr.js classifies them,
 * IPv4-mapped IPv6 (::ffff:127.0.0.1) included, as the IPv4 address it is.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** dns.lookup with every answer: the shape the guard needs, replaceable in tests. */
export type LookupAll = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemLookup: LookupAll = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export class BlockedAddressError extends Error {
  constructor(
    message: string,
    readonly reason: 'UNRESOLVABLE_HOST' | 'PRIVATE_ADDRESS',
  ) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/**
 * The address to connect to for `hostname` (a name, or an IP literal as URL.hostname gives it, IPv6 in
 * brackets). Every answer must be public — one private answer among public ones is how DNS tricks
 * look — unless private networks are allowed. The caller connects to exactly this address.
 */
export async function resolveAllowedAddress(hostname: string, options: { readonly allowPrivateNetworks: boolean; readonly lookup?: LookupAll }): Promise<ResolvedAddress> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  let answers: ResolvedAddress[];
  if (ipaddr.isValid(host)) {
    answers = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      answers = await (options.lookup ?? systemLookup)(host);
    } catch (err) {
      throw new BlockedAddressError(`cannot resolve ${host}: ${err instanceof Error ? err.message : String(err)}`, 'UNRESOLVABLE_HOST');
    }
  }
  const first = answers[0];
  if (!first) throw new BlockedAddressError(`cannot resolve ${host}: no address`, 'UNRESOLVABLE_HOST');
  if (!options.allowPrivateNetworks) {
    const blocked = answers.find((a) => !isPublicAddress(a.address));
    if (blocked) throw new BlockedAddressError(`${host} resolves to ${blocked.address}, which is not a public address`, 'PRIVATE_ADDRESS');
  }
  return first;
}
