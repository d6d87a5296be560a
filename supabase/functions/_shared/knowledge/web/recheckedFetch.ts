// The crawl's fetch on Deno (Supabase's edge runtime). Deno's fetch resolves names itself and has no hook for the
// address it connects to (Deno.createHttpClient takes certificates and a proxy, not a resolver), so a connection
// cannot be pinned to the checked address as in Node (packages/server/src/crawlFetch.ts). The best available:
// right before each request, resolve the host again by another path — Deno.resolveDns asks the DNS servers
// directly, while the check used the system resolver — and refuse unless every address is public. A rebinding
// server that alternates its answers is caught; the window left is the moment between this lookup and fetch's.
import ipaddr from 'ipaddr.js';
import { RefusedUrl, type ResolveHost, refuseNonPublic } from '../../outbound/addresses.ts';

export interface RecheckOptions {
  /** The second lookup, made just before each request. */
  recheck: ResolveHost;
  /** ALLOW_PRIVATE_CRAWL: nothing to re-check. */
  allowPrivate: boolean;
  /** The setting a refusal names as the one that allows private addresses. @default "ALLOW_PRIVATE_CRAWL" */
  flag?: string;
}

/** `fetcher`, refusing (RefusedUrl) a request whose host now resolves to a non-public address. */
export function recheckedFetch(fetcher: typeof fetch, options: RecheckOptions): typeof fetch {
  return async (input, init) => {
    if (!options.allowPrivate) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // A literal address needs no lookup: the check before the request has judged it already.
      if (!ipaddr.isValid(host)) {
        let addresses: string[];
        try {
          addresses = await options.recheck(host);
        } catch {
          throw new RefusedUrl(`The host ${host} could not be resolved`);
        }
        refuseNonPublic(host, addresses, options.flag);
      }
    }
    return fetcher(input, init);
  };
}

interface DenoDns {
  resolveDns(query: string, recordType: 'A' | 'AAAA'): Promise<string[]>;
}

/** Both address families through Deno.resolveDns; a family with no record (NotFound) is simply absent. */
export const resolveWithDenoDns: ResolveHost = async (hostname) => {
  const deno = (globalThis as unknown as { Deno: DenoDns }).Deno;
  const answers = await Promise.allSettled([
    deno.resolveDns(hostname, 'A'),
    deno.resolveDns(hostname, 'AAAA'),
  ]);
  const addresses = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
  if (addresses.length === 0 && answers[0].status === 'rejected') throw answers[0].reason;
  return addresses;
};
