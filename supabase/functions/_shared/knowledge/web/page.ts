// What a fetched HTML page gives a source: its title, main text, canonical URL, robots meta and links.
import { parseHtmlDocument } from '../extract/dom.ts';
import { readHtml } from '../extract/html.ts';

export interface ReadPage {
  title: string;
  text: string;
  /** The page's canonical URL when it names one on its own site; else the URL it was read from (no fragment). */
  canonical: URL;
  /** `<meta name="robots" content="noindex">` (or for CloserBot), or an `X-Robots-Tag: noindex` header. */
  noindex: boolean;
  /** `nofollow` in the robots meta: its links are not followed. */
  nofollow: boolean;
  /** Every http(s) link on the page, absolute, without fragments. */
  links: URL[];
}

/** The URL without its fragment: one page, however it is linked. */
export function pageUrl(url: URL): URL {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy;
}

export function readPage(html: string, url: URL, headers: Headers): ReadPage {
  const document = parseHtmlDocument(html);
  const robots = Array.from(document.querySelectorAll('meta[name]'))
    .filter((meta) => /^(robots|closerbot)$/i.test(meta.getAttribute('name') ?? ''))
    .map((meta) => (meta.getAttribute('content') ?? '').toLowerCase())
    .join(',');
  const header = (headers.get('x-robots-tag') ?? '').toLowerCase();
  const noindex = /\b(noindex|none)\b/.test(robots) || /\b(noindex|none)\b/.test(header);
  const nofollow = /\b(nofollow|none)\b/.test(robots);
  const base = (() => {
    try {
      return new URL(document.querySelector('base[href]')?.getAttribute('href') ?? url.href, url);
    } catch {
      return url;
    }
  })();
  const links: URL[] = [];
  for (const anchor of Array.from(document.querySelectorAll('a[href]'))) {
    try {
      const target = pageUrl(new URL(anchor.getAttribute('href')!, base));
      if (target.protocol === 'http:' || target.protocol === 'https:') links.push(target);
    } catch {
      // Not a URL: skipped.
    }
  }
  let canonical = pageUrl(url);
  try {
    const href = document.querySelector('link[rel="canonical"][href]')?.getAttribute('href');
    if (href) {
      const named = pageUrl(new URL(href, url));
      if (named.origin === url.origin) canonical = named;
    }
  } catch {
    // A broken canonical link is ignored.
  }
  const { title, sections } = readHtml(html, url.href);
  const text = sections
    .map((section) => (section.heading ? `${section.heading}\n\n${section.text}` : section.text))
    .join('\n\n')
    .trim();
  return { title, text, canonical, noindex, nofollow, links };
}
