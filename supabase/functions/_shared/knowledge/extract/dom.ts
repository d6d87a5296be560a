// The few DOM shapes the readers use, typed here: linkedom's own types lean on the browser's DOM library, which
// Deno (and so the edge runtime) does not have.
import { DOMParser, parseHTML } from 'linkedom';
import { ExtractionError } from './document.ts';
import { MAX_NESTING_DEPTH, nestingDepth } from './nesting.ts';

export interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

export interface DomElement extends DomNode {
  getAttribute(name: string): string | null;
}

export interface DomDocument {
  body: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** Throws ExtractionError when `markup` nests its elements deeper than any real document (nesting.ts). */
function refuseDeepNesting(markup: string, xml: boolean): void {
  if (nestingDepth(markup, MAX_NESTING_DEPTH, xml) > MAX_NESTING_DEPTH) {
    throw new ExtractionError(
      `The document nests its elements more than ${MAX_NESTING_DEPTH} deep; it was not read`,
    );
  }
}

/** An HTML document (linkedom: no scripts run, nothing is fetched); ExtractionError when nested too deep. */
export function parseHtmlDocument(html: string): DomDocument {
  refuseDeepNesting(html, false);
  return (parseHTML(html) as unknown as { document: DomDocument }).document;
}

/** An XML document (sitemaps); ExtractionError when nested too deep. */
export function parseXmlDocument(xml: string): DomDocument {
  refuseDeepNesting(xml, true);
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as DomDocument;
}
