// robots.txt (RFC 9309) through robots-parser: what CloserBot may read on an origin.
import robotsParserModule from 'robots-parser';
import { RefusedUrl } from '../../outbound/addresses.ts';
import { fetchPage, PageFailure, type PageFetcher } from './fetchPage.ts';

export const ROBOTS_AGENT = 'CloserBot';

type RobotsParser = (
  url: string,
  contents: string,
) => { isAllowed(url: string, agent: string): boolean | undefined };
// A CommonJS module whose export is the function: Node gives it as the default import, Deno's types do not.
const robotsParser: RobotsParser =
  typeof robotsParserModule === 'function'
    ? (robotsParserModule as unknown as RobotsParser)
    : (robotsParserModule as unknown as { default: RobotsParser }).default;

/**
 * The origin's robots.txt as text: '' when it has none (4xx: everything allowed), null when it could not be read
 * (5xx, unreachable: nothing allowed, as RFC 9309 asks). A refused address (see addresses.ts) is thrown.
 */
export async function fetchRobots(origin: string, fetcher: PageFetcher): Promise<string | null> {
  try {
    const page = await fetchPage(new URL('/robots.txt', origin), fetcher, ['text/plain']);
    return page.text.slice(0, 500_000);
  } catch (error) {
    if (error instanceof RefusedUrl) throw error;
    if (error instanceof PageFailure && (error.vanished || /HTTP 4\d\d|Not an HTML page/.test(error.message)))
      return '';
    return null;
  }
}

/** True when robots.txt (as fetchRobots gave it) lets CloserBot read `url`. */
export function robotsAllow(robotsText: string | null, url: URL): boolean {
  if (robotsText === null) return false;
  if (robotsText === '') return true;
  const robots = robotsParser(new URL('/robots.txt', url).href, robotsText);
  return robots.isAllowed(url.href, ROBOTS_AGENT) !== false;
}
