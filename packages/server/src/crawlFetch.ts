// The crawl's fetch in Node (the production server, the local stack), pinned to checked addresses. The crawler
// checks a host's addresses before fetching (addresses.ts), but a plain fetch resolves the name again, and a DNS
// server answering "public" to the check and "127.0.0.1" to the fetch (DNS rebinding) would slip through. Here
// undici connects to whatever its `connect.lookup` answers, and that lookup refuses every non-public address:
// the addresses checked are the addresses connected to, at every connection, redirects included.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Env } from '@closer/functions/_shared/env.ts';
import {
  privateCrawlAllowed,
  RefusedUrl,
  type ResolveHost,
  refuseNonPublic,
  resolveWithDns,
} from '@closer/functions/_shared/outbound/addresses.ts';
import {
  PRIVATE_WEBHOOKS_FLAG,
  privateWebhooksAllowed,
} from '@closer/functions/_shared/webhooks/destination.ts';
import { Agent, fetch as undiciFetch } from 'undici';

export interface CrawlFetchOptions {
  /** DNS used at connect time (default: the system resolver). */
  resolve?: ResolveHost;
  /** ALLOW_PRIVATE_CRAWL: connect to any address (still only to what `resolve` answered). */
  allowPrivate: boolean;
  /** The setting a refusal names as the one that allows private addresses. @default "ALLOW_PRIVATE_CRAWL" */
  flag?: string;
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that answers only addresses the crawl may reach. */
export function checkedLookup(options: CrawlFetchOptions) {
  const resolve = options.resolve ?? resolveWithDns;
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    const host = hostname.replace(/^\[|\]$/g, '');
    resolve(host)
      .then((addresses) => {
        if (!options.allowPrivate) refuseNonPublic(host, addresses, options.flag);
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const entries = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((entry) => entry.family !== 0 && (wanted === 0 || entry.family === wanted));
        if (entries.length === 0) throw new RefusedUrl(`The host ${host} could not be resolved`);
        if (lookupOptions.all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      })
      .catch((error: unknown) =>
        callback(
          error instanceof RefusedUrl ? error : new RefusedUrl(`The host ${host} could not be resolved`),
          '',
        ),
      );
  };
}

/**
 * A fetch for the crawler whose connections go only to checked addresses. Host names are resolved and checked
 * at connect time (a literal IP, which needs no lookup, is checked before the request). A refusal rejects the
 * fetch with a TypeError whose `cause` is the RefusedUrl.
 */
export function crawlFetch(options: CrawlFetchOptions): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: checkedLookup(options) } });
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host)) {
      try {
        refuseNonPublic(host, [host], options.flag);
      } catch (cause) {
        throw new TypeError('fetch failed', { cause });
      }
    }
    // undici's own fetch, so that its dispatcher is the Agent above whatever Node bundles. (The crawl sends URLs;
    // a Request's own method and headers are not carried over.)
    const response = await undiciFetch(url, {
      ...(init as object),
      dispatcher,
    } as Parameters<typeof undiciFetch>[1]);
    return response as unknown as Response;
  }) as typeof fetch;
}

/** The fetches of everything that reaches addresses a tenant chose, each pinned to checked addresses. */
export interface OutboundFetches {
  /** Knowledge sources' pages and files (ALLOW_PRIVATE_CRAWL opens private addresses). */
  crawl: typeof fetch;
  /** Signed webhook deliveries (ALLOW_PRIVATE_WEBHOOKS opens private addresses; the crawl's flag does not). */
  webhooks: typeof fetch;
}

/**
 * The pinned fetches of this process: a webhook endpoint is a URL a tenant chose, as a page to crawl is, and a
 * name that resolved to a public address when checked must not reach this machine when connected to.
 */
export function outboundFetches(env: Env, resolve?: ResolveHost): OutboundFetches {
  const pinned = (allowPrivate: boolean, flag: string) =>
    crawlFetch({ allowPrivate, flag, ...(resolve ? { resolve } : {}) });
  return {
    crawl: pinned(privateCrawlAllowed(env), 'ALLOW_PRIVATE_CRAWL'),
    webhooks: pinned(privateWebhooksAllowed(env), PRIVATE_WEBHOOKS_FLAG),
  };
}
