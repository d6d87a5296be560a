// SSRF guard for every request the server makes to an address a user gave it (crawled pages, webhook endpoints,
// the booking provider's API): only public unicast addresses, checked after DNS resolution, unless the local
// development flag ALLOW_PRIVATE_CRAWL=true lets a crawl reach this machine and private networks (tests, `pnpm start`).
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { Env } from '../env.ts';

/** Resolves a host name to its addresses (every family). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** True when ALLOW_PRIVATE_CRAWL is `true`: private, loopback and link-local addresses may be crawled. */
export const privateCrawlAllowed = (env: Env) => env.ALLOW_PRIVATE_CRAWL === 'true';

/** A URL the crawler will not fetch, with the reason. */
export class RefusedUrl extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedUrl';
  }
}

/** `private`, `loopback`, `linkLocal`… for an address that is not public unicast; null for a public one. */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? null : range;
}

/**
 * Why a configured destination (a webhook endpoint, a booking provider's API) may not be called, judged without
 * DNS: credentials in it, a scheme other than https, this machine, or a literal address that is not public — the
 * last three unless `allowPrivate` (`flag` names the setting that allows them). Null when it may (DNS is checked
 * at call time, by `checkAddress`).
 */
export function destinationProblem(url: URL, allowPrivate: boolean, flag: string): string | null {
  if (url.username || url.password) return 'must not hold a user name or password';
  if (allowPrivate) return null;
  if (url.protocol !== 'https:') return `must be an https URL (http only with ${flag}=true)`;
  const bare = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  // `localhost.` is localhost: a name's trailing dot (the DNS root) changes nothing.
  const host = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at this machine';
  const range = /^[\d.]+$|:/.test(host) ? nonPublicRange(host) : null;
  return range ? `must be a public address, not a ${range} one` : null;
}

/**
 * Throws RefusedUrl unless every address `url`'s host resolves to is public (or the flag allows any). `flag`
 * names the setting that allows others, for the message (outbound webhooks have their own).
 */
export async function checkAddress(
  url: URL,
  resolve: ResolveHost,
  allowPrivate: boolean,
  flag = 'ALLOW_PRIVATE_CRAWL',
): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RefusedUrl(`Only http and https pages are read (${url.protocol.slice(0, -1)} given)`);
  }
  if (url.username || url.password) throw new RefusedUrl('URLs with a user name or password are not read');
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch {
    throw new RefusedUrl(`The host ${host} could not be resolved`);
  }
  refuseNonPublic(host, addresses, flag);
}

/**
 * Throws RefusedUrl unless `addresses` (what `host` resolved to) are all public unicast; none at all is refused
 * too. The check every connection of the crawl goes through, at resolution and again at connect time.
 */
export function refuseNonPublic(
  host: string,
  addresses: readonly string[],
  flag = 'ALLOW_PRIVATE_CRAWL',
): void {
  if (addresses.length === 0) throw new RefusedUrl(`The host ${host} could not be resolved`);
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) {
      throw new RefusedUrl(
        `${host} resolves to a ${range} address (${address}); only public addresses are reached (${flag}=true allows others in local development)`,
      );
    }
  }
}
