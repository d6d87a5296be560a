// sitemap.xml and sitemap indexes (sitemaps.org): the page URLs and the child sitemaps they list.
import { parseXmlDocument } from '../extract/dom.ts';

export interface SitemapEntries {
  pages: string[];
  sitemaps: string[];
}

/** The `<loc>`s of a `<urlset>` (pages) or a `<sitemapindex>` (sitemaps); anything else lists nothing. */
export function readSitemap(xml: string): SitemapEntries {
  const document = parseXmlDocument(xml);
  const locs = (parent: string) =>
    Array.from(document.querySelectorAll(`${parent} > loc`))
      .map((loc) => (loc.textContent ?? '').trim())
      .filter(Boolean);
  return { pages: locs('url'), sitemaps: locs('sitemap') };
}
