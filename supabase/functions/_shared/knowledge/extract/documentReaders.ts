// What the sources worker reads, behind one boundary: a few units of an uploaded file (pages, rows, sections), a
// fetched web page, a sitemap. A long-lived Node process reads them in a child process with time and memory
// limits (packages/server/src/extraction): a crafted 100 KB DOCX or 5 MB page can hold a parser for a minute or
// exhaust its heap, which must end that file's sync or that page, not the process serving every tenant. On
// Supabase each step is its own request, which the platform already bounds (2 s CPU, 256 MB): it reads in place.
import type { AcceptedMediaType } from '@closer/contract';
import { readPage } from '../web/page.ts';
import { readSitemap, type SitemapEntries } from '../web/sitemap.ts';
import { type ExtractedItem, ExtractionError } from './document.ts';
import { openFile } from './open.ts';

/** What a step reads of a file: units `from` (0-based) to `from + count - 1`. */
export interface FileRead {
  bytes: Uint8Array;
  mediaType: AcceptedMediaType;
  fileName: string;
  from: number;
  count: number;
}

export interface FileReadResult {
  /** How many units the whole file has. */
  total: number;
  /** The units read that hold text (an empty unit gives none). */
  items: ExtractedItem[];
}

/** A fetched HTML page: its text, the URL it was read from, and its `X-Robots-Tag` header if any. */
export interface PageRead {
  html: string;
  url: string;
  robotsHeader: string | null;
}

/** What a page gives a source (URLs as absolute hrefs without fragments). */
export interface PageContent {
  title: string;
  text: string;
  /** The page's canonical URL when it names one on its own site; else the URL it was read from. */
  canonical: string;
  /** `noindex` (or `none`) in the robots meta or the `X-Robots-Tag` header. */
  noindex: boolean;
  /** `nofollow` in the robots meta: its links are not followed. */
  nofollow: boolean;
  /** Every http(s) link on the page. */
  links: string[];
}

/**
 * The reader itself stopped (closed for a shutdown, ended by the system) — nothing is known about the document:
 * the step is left to be tried again, never recorded as the document's problem. Its message is the same for
 * every cause (the detail, with the reader's internals, is its `cause`, for the server's log).
 */
export class ReaderUnavailable extends Error {
  constructor(cause: unknown) {
    super('The document reader stopped before it finished; the step will be tried again', { cause });
    this.name = 'ReaderUnavailable';
  }
}

/** Limits a reader that can enforce them applies to one read. */
export interface ReadLimits {
  /** Longest a read may take, in milliseconds, before it fails with an ExtractionError. */
  timeoutMs: number;
}

/**
 * The readers. Each rejects with an ExtractionError for a document that cannot be read at all (a file's sync
 * fails with its message; a page or sitemap is reported as a problem), with ReaderUnavailable when the reader
 * stopped, and any other error is a failure of the moment: the step is tried again.
 */
export interface DocumentReaders {
  file(read: FileRead, limits: ReadLimits): Promise<FileReadResult>;
  page(read: PageRead, limits: ReadLimits): Promise<PageContent>;
  sitemap(xml: string, limits: ReadLimits): Promise<SitemapEntries>;
}

async function fileInPlace(read: FileRead): Promise<FileReadResult> {
  const document = await openFile(read.bytes, read.mediaType, read.fileName);
  return { total: document.total, items: await document.read(read.from, read.count) };
}

function pageInPlace(read: PageRead): PageContent {
  const headers = new Headers(read.robotsHeader === null ? {} : { 'x-robots-tag': read.robotsHeader });
  const page = readPage(read.html, new URL(read.url), headers);
  return { ...page, canonical: page.canonical.href, links: page.links.map((link) => link.href) };
}

/** Reading in this thread (on Supabase, and wherever no reader process is set up): `limits` are not enforced. */
export const readInPlace: DocumentReaders = {
  file: (read) => fileInPlace(read),
  page: async (read) => pageInPlace(read),
  sitemap: async (xml) => readSitemap(xml),
};

/** A read's outcome as it crosses a process boundary (an Error loses its class on the way). */
export type ReadOutcome<T> = { ok: true; result: T } | { ok: false; extractionError: string };

async function outcome<T>(read: () => T | Promise<T>): Promise<ReadOutcome<T>> {
  try {
    return { ok: true, result: await read() };
  } catch (error) {
    if (error instanceof ExtractionError) return { ok: false, extractionError: error.message };
    throw error;
  }
}

/** The readers in place, with an ExtractionError answered as data rather than thrown: what a reader process runs. */
export const readOutcomes = {
  file: (read: FileRead) => outcome(() => fileInPlace(read)),
  page: (read: PageRead) => outcome(() => pageInPlace(read)),
  sitemap: (xml: string) => outcome(() => readSitemap(xml)),
};
