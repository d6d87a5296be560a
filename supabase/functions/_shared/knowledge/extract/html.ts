// HTML to text: the main content (Readability over linkedom's DOM), as paragraphs split into headed sections.
import { Readability } from '@mozilla/readability';
import { tidyText } from './document.ts';
import { type DomNode, parseHtmlDocument } from './dom.ts';
import type { Section } from './sections.ts';

const BLOCKS = new Set([
  'P',
  'LI',
  'PRE',
  'BLOCKQUOTE',
  'DT',
  'DD',
  'FIGCAPTION',
  'TR',
  'CAPTION',
  'ADDRESS',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'DIV',
  'SECTION',
  'ARTICLE',
  'TABLE',
  'UL',
  'OL',
  'DL',
]);
const HEADINGS = new Set(['H1', 'H2', 'H3']);
const SKIPPED = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'SVG',
  'NAV',
  'FOOTER',
  'FORM',
  'BUTTON',
]);

/**
 * The document's text as headed sections: every block's own text is one paragraph, a table row's cells are
 * joined with " | ", and h1–h3 start a new section.
 */
export function sectionsOfBody(body: DomNode): Section[] {
  const sections: Section[] = [{ heading: '', text: '' }];
  let line = '';
  const flush = () => {
    const text = tidyText(line);
    line = '';
    if (text) sections[sections.length - 1]!.text += `${text}\n\n`;
  };
  const walk = (node: DomNode) => {
    if (node.nodeType === 3) {
      line += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1 || SKIPPED.has(node.nodeName)) return;
    if (HEADINGS.has(node.nodeName)) {
      flush();
      const heading = tidyText(node.textContent ?? '');
      if (heading) sections.push({ heading, text: '' });
      return;
    }
    if (node.nodeName === 'BR') line += '\n';
    const block = BLOCKS.has(node.nodeName);
    if (block) flush();
    const cells = node.nodeName === 'TR';
    Array.from(node.childNodes).forEach((child, index) => {
      if (cells && index > 0 && child.nodeType === 1) line += ' | ';
      walk(child);
    });
    if (block) flush();
  };
  walk(body);
  flush();
  return sections
    .map((s) => ({ heading: s.heading, text: s.text.trim() }))
    .filter((s) => s.text || s.heading);
}

export interface ReadHtml {
  title: string;
  sections: Section[];
}

/** The page's title and main text. Readability picks the article; a page it cannot read gives its whole body. */
export function readHtml(html: string, url = 'https://localhost/'): ReadHtml {
  const document = parseHtmlDocument(html);
  const pageTitle = tidyText(document.querySelector('title')?.textContent ?? '');
  // Readability changes the document it reads: give it its own copy.
  const copy = parseHtmlDocument(html);
  let article: { title?: string | null | undefined; content?: string | null | undefined } | null = null;
  try {
    Object.defineProperty(copy, 'documentURI', { value: url, configurable: true });
    article = new Readability(copy as never, { charThreshold: 100 }).parse();
  } catch {
    article = null;
  }
  const main = article?.content
    ? parseHtmlDocument(`<html><body>${article.content}</body></html>`).body
    : document.body;
  const sections = main ? sectionsOfBody(main) : [];
  const title = pageTitle || tidyText(article?.title ?? '');
  return { title, sections };
}
