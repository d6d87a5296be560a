// Fetches one page or file for the crawler: address checked at every hop, redirects followed by hand only within
// the site, a timeout over the whole exchange and a cap on the body.
import { BodyTooLargeError, readTextWithin } from '../../http/responseBody.ts';
import { checkAddress, RefusedUrl, type ResolveHost } from '../../outbound/addresses.ts';

export interface PageFetcher {
  fetch: typeof fetch;
  resolve: ResolveHost;
  allowPrivate: boolean;
  /** Per page, headers and body (ms). */
  timeoutMs: number;
}

export interface FetchedPage {
  /** Where the page was found after redirects. */
  url: URL;
  status: number;
  mediaType: string;
  headers: Headers;
  text: string;
}

/** A page that could not be read. `vanished`: the site says it is gone (404, 410), so its item goes too. */
export class PageFailure extends Error {
  constructor(
    message: string,
    readonly vanished = false,
  ) {
    super(message);
    this.name = 'PageFailure';
  }
}

export const USER_AGENT = 'CloserBot/1.0 (+https://github.com/closer; knowledge sources)';
const MAX_REDIRECTS = 5;
/** Largest body read (5 MiB); larger pages are refused. */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;

/**
 * Two URLs are one site when their hosts match, `www.` aside, on the same port (each scheme's default counts as
 * one): another port of the host is another service, and each origin read keeps its robots.txt in the run's state.
 */
export const sameSite = (a: URL, b: URL) =>
  a.hostname.replace(/^www\./, '') === b.hostname.replace(/^www\./, '') && a.port === b.port;

async function readCapped(response: Response, signal: AbortSignal): Promise<string> {
  try {
    return (await readTextWithin(response, MAX_PAGE_BYTES, { signal })).replace(/\0/g, '');
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new PageFailure(`The page is larger than ${MAX_PAGE_BYTES} bytes`);
    throw error;
  }
}

/**
 * GETs `start`, following redirects within its site. `accept` lists the media types wanted; another type is a
 * PageFailure ("not HTML"). Every failure is a PageFailure or a RefusedUrl with a message for the run log.
 */
export async function fetchPage(
  start: URL,
  fetcher: PageFetcher,
  accept: readonly string[] = ['text/html', 'application/xhtml+xml'],
): Promise<FetchedPage> {
  const signal = AbortSignal.timeout(fetcher.timeoutMs);
  let url = start;
  try {
    for (let hop = 0; ; hop++) {
      await checkAddress(url, fetcher.resolve, fetcher.allowPrivate);
      const response = await fetcher.fetch(url, {
        redirect: 'manual',
        signal,
        headers: { 'user-agent': USER_AGENT, accept: `${accept.join(', ')};q=1, */*;q=0.1` },
      });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new PageFailure(`More than ${MAX_REDIRECTS} redirects`);
        const next = new URL(response.headers.get('location')!, url);
        if (!sameSite(next, start))
          throw new PageFailure(`Redirected off-site to ${next.origin}: not followed`);
        url = next;
        continue;
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        throw new PageFailure(`The page is gone (HTTP ${response.status})`, true);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new PageFailure(`The site answered HTTP ${response.status}`);
      }
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!accept.includes(mediaType)) {
        await response.body?.cancel();
        throw new PageFailure(`Not an HTML page (${mediaType || 'no content type'})`);
      }
      return {
        url,
        status: response.status,
        mediaType,
        headers: response.headers,
        text: await readCapped(response, signal),
      };
    }
  } catch (error) {
    if (error instanceof PageFailure || error instanceof RefusedUrl) throw error;
    // A fetch pinned to checked addresses refuses at connect time (DNS rebinding): fetch's TypeError holds why.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof RefusedUrl) throw cause;
    if (signal.aborted) throw new PageFailure(`No complete answer within ${fetcher.timeoutMs} ms`);
    throw new PageFailure(`The site could not be reached (${(error as Error).message})`);
  }
}
