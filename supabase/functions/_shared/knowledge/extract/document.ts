// What every file reader gives the worker: a document of `total` units (pages, rows, sections) read a few at a
// time, so a big file is processed in small resumable steps. Each unit becomes at most one knowledge item.
import { sha256Hex } from '../../crypto.ts';
import { sanitizeText } from '../../text.ts';

/** One knowledge item as read from a file or a page. */
export interface ExtractedItem {
  /** Names the item inside its source, stable across syncs: `page:3`, `row:12`, `section:2`, a canonical URL. */
  key: string;
  title: string;
  content: string;
  /** Where a reader finds it: a URL, or the file name with its page or row. Stored as the item's `source`. */
  citation: string;
}

export interface ExtractedDocument {
  /** How many units the document has. */
  total: number;
  /** Units `from` (0-based) to `from + count - 1`; empty units give no item. */
  read(from: number, count: number): Promise<ExtractedItem[]>;
}

/** The file cannot be read at all (encrypted, damaged, too big once unpacked): the sync fails with this message. */
export class ExtractionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionError';
  }
}

/** Longest title and content a knowledge item holds (see the company_knowledge checks). */
export const MAX_TITLE_CHARS = 300;
export const MAX_ITEM_CHARS = 100_000;
const MAX_CITATION_CHARS = 1000;

/** Cuts `text` to `max` code points, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** Longest key the source_key columns hold; a longer one keeps its start and a hash of the whole. */
const MAX_KEY_CHARS = 2000;
const KEPT_KEY_CHARS = MAX_KEY_CHARS - 65;

/**
 * `key` as an item stores it: without NUL and lone surrogates, and at most 2,000 characters — a page's address
 * (or its canonical link) can be longer, and a step that can never be written would fail the whole sync.
 */
export function itemKey(key: string): string {
  const clean = sanitizeText(key);
  const points = Array.from(clean);
  return points.length <= MAX_KEY_CHARS
    ? clean
    : `${points.slice(0, KEPT_KEY_CHARS).join('')}#${sha256Hex(clean)}`;
}

/**
 * An item with its title and citation cut to what the columns hold, and its content to one item's size. Every
 * text loses its NUL characters and lone surrogates first: a DOCX or PDF can carry them (`&#0;`, an unmapped
 * glyph), no column can hold them, and a step that can never be written would only be retried until it failed.
 */
export function item(key: string, title: string, content: string, citation: string): ExtractedItem {
  return {
    key: itemKey(key),
    title: clip(sanitizeText(title).replace(/\s+/g, ' ').trim() || 'Untitled', MAX_TITLE_CHARS),
    content: clip(sanitizeText(content).trim(), MAX_ITEM_CHARS),
    citation: clip(sanitizeText(citation), MAX_CITATION_CHARS),
  };
}

/** Text with collapsed runs of spaces and at most one blank line between paragraphs. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n') // runs of spaces are one space by now
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Decodes text as UTF-8 (a byte-order mark dropped, invalid bytes replaced) without NUL characters. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/\0/g, '');
}
