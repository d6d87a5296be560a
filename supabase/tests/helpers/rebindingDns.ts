// DNS as a rebinding attacker runs it, for the tests of every outbound fetch that checks addresses after DNS
// (web sources, webhook deliveries): a name first resolves to a public address, then to loopback.
import type { ResolveHost } from '@closer/functions/_shared/outbound/addresses.ts';

/** A public address (example.com's) the first answer gives. */
export const PUBLIC_ADDRESS = '93.184.215.14';

/** A rebinding DNS server: the first answer for a name is public, every later one is 127.0.0.1. */
export function rebindingResolver() {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    return asked.filter((name) => name === hostname).length === 1 ? [PUBLIC_ADDRESS] : ['127.0.0.1'];
  };
  return { resolve, asked };
}
