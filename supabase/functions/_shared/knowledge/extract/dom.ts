// The few DOM shapes the readers use, typed here: linkedom's own types lean on the browser's DOM library, which
// Deno (and so the edge runtime) does not have.
import { DOMParser, parseHTML } from 'linkedom';

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

/** An HTML document (linkedom: no scripts run, nothing is fetched). */
export const parseHtmlDocument = (html: string): DomDocument =>
  (parseHTML(html) as unknown as { document: DomDocument }).document;

/** An XML document (sitemaps). */
export const parseXmlDocument = (xml: string): DomDocument =>
  new DOMParser().parseFromString(xml, 'text/xml') as unknown as DomDocument;
