// Documents made of headed sections (Markdown, HTML, DOCX, plain text): one knowledge item per section, long
// sections in parts, so an edit to one section re-chunks only that section on the next sync.

import { clipText } from '../../text.ts';
import { type ExtractedDocument, type ExtractedItem, item, MAX_ITEM_CHARS } from './document.ts';

export interface Section {
  /** The heading the section starts with; empty before the first heading. */
  heading: string;
  text: string;
}

/** Largest part of a section stored as one item; a longer section is split at paragraph ends. */
const PART_CHARS = 20_000;

export function parts(text: string): string[] {
  if (text.length <= PART_CHARS) return [text];
  const out: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\n+/)) {
    if (current && current.length + paragraph.length + 2 > PART_CHARS) {
      out.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${paragraph}` : paragraph;
    while (current.length > MAX_ITEM_CHARS) {
      const part = clipText(current, PART_CHARS);
      out.push(part);
      current = current.slice(part.length);
    }
  }
  if (current) out.push(current);
  return out;
}

/** The items of a sectioned document named `name`, read a few sections at a time. */
export function sectionedDocument(name: string, sections: Section[]): ExtractedDocument {
  const items: ExtractedItem[] = [];
  sections.forEach((section, index) => {
    const text = section.text.trim();
    if (!text) return;
    const pieces = parts(text);
    pieces.forEach((piece, part) => {
      const heading = section.heading ? `${name} — ${section.heading}` : name;
      const title = pieces.length > 1 ? `${heading} (part ${part + 1})` : heading;
      const citation = section.heading ? `${name}, ${section.heading}` : name;
      items.push(item(`section:${index + 1}${part ? `.${part + 1}` : ''}`, title, piece, citation));
    });
  });
  return { total: items.length, read: async (from, count) => items.slice(from, from + count) };
}
