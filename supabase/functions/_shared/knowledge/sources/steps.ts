// One step of a sync: a few units of a file or a few pages of a site, read without touching the database. The
// step gets the run's saved state and answers the items it read and the state to save for the next step.
import type { AcceptedMediaType } from '@closer/contract';
import { RefusedUrl } from '../../outbound/addresses.ts';
import { StorageError } from '../../storage/errors.ts';
import type { UploadStorage } from '../../storage/uploads.ts';
import { type ExtractedItem, ExtractionError, item, itemKey } from '../extract/document.ts';
import { type DocumentReaders, ReaderUnavailable, type ReadLimits } from '../extract/documentReaders.ts';
import { NO_TEXT_LAYER } from '../extract/pdf.ts';
import { fetchPage, PageFailure, type PageFetcher, sameSite } from '../web/fetchPage.ts';
import { pageUrl } from '../web/page.ts';
import { fetchRobots, robotsAllow } from '../web/robots.ts';
import type { StoredSettings } from './sources.ts';

/** How much one step reads: small enough for an edge function's CPU and wall-clock limits. */
export interface StepSizes {
  pdfPages: number;
  rows: number;
  sections: number;
  /** Pages (or sitemaps, or robots.txt files) fetched per step. */
  webFetches: number;
}

export const DEFAULT_STEP_SIZES: StepSizes = { pdfPages: 10, rows: 200, sections: 25, webFetches: 5 };

/**
 * Most pages, rows or sections one file may have (every step opens the file again: a CSV of 9 million one-value
 * rows, 18 MB, would take 45,000 steps and days of a core). More is refused at the first step, naming the count.
 */
export const MAX_FILE_UNITS = 50_000;

export interface RunProblem {
  location: string;
  message: string;
  /** Counted as a failed unit (a page that could not be read), not only noted (a page skipped for noindex). */
  failed: boolean;
}

export interface StepResult {
  items: ExtractedItem[];
  /** Keys of items to keep although not read now (a page that failed for the moment). */
  keep: string[];
  problems: RunProblem[];
  state: Record<string, unknown>;
  progress: { done: number; total: number | null };
  finished: boolean;
}

export interface StepInput {
  source: { id: string; kind: string; name: string; settings: StoredSettings };
  state: Record<string, unknown>;
}

export interface StepDeps {
  uploads: UploadStorage | null;
  /** Longest reading the uploaded file from storage may take, in milliseconds (a StorageTimeout past it). */
  storageTimeoutMs: number;
  fetcher: PageFetcher;
  sizes: StepSizes;
  /** Read files, pages and sitemaps (in place, or in a reader process that enforces `readLimits`). */
  readers: DocumentReaders;
  readLimits: ReadLimits;
}

interface FileState {
  cursor?: number;
  found?: number;
}

export async function fileStep(input: StepInput, deps: StepDeps): Promise<StepResult> {
  const { settings } = input.source;
  const state = input.state as FileState;
  if (!deps.uploads) throw new ExtractionError('File storage is not configured on this deployment');
  const bytes = settings.storageKey
    ? await deps.uploads
        .get(settings.storageKey, { timeoutMs: deps.storageTimeoutMs })
        .catch((failure: unknown) => {
          // Too large to read is a fact about the file, not a passing failure: the sync fails now, saying so.
          if (failure instanceof StorageError && failure.status === 413)
            throw new ExtractionError('The stored file is larger than any upload may be; upload it again');
          throw failure;
        })
    : null;
  if (!bytes) throw new ExtractionError('The uploaded file is no longer stored; upload it again');
  const mediaType = settings.mediaType as AcceptedMediaType;
  const fileName = settings.fileName ?? input.source.name;
  const from = state.cursor ?? 0;
  const count =
    mediaType === 'application/pdf'
      ? deps.sizes.pdfPages
      : mediaType === 'text/csv'
        ? deps.sizes.rows
        : deps.sizes.sections;
  const { total, items } = await deps.readers.file(
    { bytes, mediaType, fileName, from, count },
    deps.readLimits,
  );
  if (total > MAX_FILE_UNITS) {
    const units = mediaType === 'application/pdf' ? 'pages' : mediaType === 'text/csv' ? 'rows' : 'sections';
    const number = (n: number) => n.toLocaleString('en-US');
    throw new ExtractionError(
      `The file has ${number(total)} ${units}; one file may have at most ${number(MAX_FILE_UNITS)} — split it into smaller files`,
    );
  }
  const cursor = Math.min(from + count, total);
  const found = (state.found ?? 0) + items.length;
  const finished = cursor >= total;
  if (finished && found === 0) {
    throw new ExtractionError(mediaType === 'application/pdf' ? NO_TEXT_LAYER : 'The file holds no text');
  }
  return {
    items,
    keep: [],
    problems: [],
    state: { cursor, found },
    progress: { done: cursor, total },
    finished,
  };
}

interface QueuedPage {
  url: string;
  depth: number;
}

interface WebState {
  started?: boolean;
  queue?: QueuedPage[];
  sitemaps?: string[];
  sitemapsRead?: number;
  /** Every URL queued so far (normalised): nothing is queued twice, and their count is the page limit. */
  seen?: string[];
  done?: number;
  found?: number;
  /** robots.txt per origin as fetchRobots gave it. */
  robots?: Record<string, string | null>;
}

const MAX_SITEMAPS = 50;
const SITEMAP_TYPES = ['application/xml', 'text/xml', 'application/x-xml', 'text/plain'];

function initialWebState(source: StepInput['source']): WebState {
  const urls = (source.settings.urls ?? []).map((url) => pageUrl(new URL(url)).href);
  if (source.kind === 'sitemap') return { started: true, queue: [], sitemaps: urls.slice(0, 1), seen: [] };
  const start = source.kind === 'crawl' ? urls.slice(0, 1) : urls;
  return { started: true, queue: start.map((url) => ({ url, depth: 0 })), seen: start };
}

/** `text` as an http(s) URL (relative to `base` when given); null when it is not one. */
function webUrl(text: string, base?: string): URL | null {
  try {
    const url = new URL(text, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

const describe = (error: unknown) =>
  error instanceof PageFailure || error instanceof RefusedUrl || error instanceof ExtractionError
    ? error.message
    : `Unexpected failure: ${String(error)}`;

export async function webStep(input: StepInput, deps: StepDeps): Promise<StepResult> {
  const { source } = input;
  const state: WebState = (input.state as WebState).started
    ? { ...(input.state as WebState) }
    : initialWebState(source);
  const queue = [...(state.queue ?? [])];
  const sitemaps = [...(state.sitemaps ?? [])];
  const seen = new Set(state.seen ?? []);
  const robots = { ...(state.robots ?? {}) };
  const maxPages = source.settings.maxPages ?? source.settings.urls?.length ?? 1;
  const maxDepth = source.kind === 'crawl' ? (source.settings.maxDepth ?? 0) : 0;
  const start = new URL(source.settings.urls?.[0] ?? 'http://invalid/');
  const result: StepResult = {
    items: [],
    keep: [],
    problems: [],
    state: {},
    progress: { done: 0, total: null },
    finished: false,
  };
  let done = state.done ?? 0;
  let sitemapsRead = state.sitemapsRead ?? 0;
  const enqueue = (url: URL, depth: number) => {
    const href = pageUrl(url).href;
    if (seen.has(href) || seen.size >= maxPages) return;
    seen.add(href);
    queue.push({ url: href, depth });
  };

  for (let fetches = 0; fetches < deps.sizes.webFetches; fetches++) {
    const sitemap = sitemaps.shift();
    if (sitemap) {
      sitemapsRead++;
      try {
        const fetched = await fetchPage(new URL(sitemap), deps.fetcher, SITEMAP_TYPES);
        const entries = await deps.readers.sitemap(fetched.text, deps.readLimits);
        // An entry that is no http(s) URL is skipped; the entries after it are still read.
        for (const child of entries.sitemaps.map((loc) => webUrl(loc, sitemap))) {
          if (child && sitemapsRead + sitemaps.length < MAX_SITEMAPS && sameSite(child, start)) {
            sitemaps.push(child.href);
          }
        }
        for (const url of entries.pages.map((loc) => webUrl(loc))) {
          if (url && sameSite(url, start)) enqueue(url, 0);
        }
      } catch (error) {
        if (error instanceof ReaderUnavailable) throw error;
        result.problems.push({ location: sitemap, message: describe(error), failed: true });
      }
      continue;
    }
    const next = queue.shift();
    if (!next) break;
    const url = new URL(next.url);
    done++;
    try {
      if (!(url.origin in robots)) {
        robots[url.origin] = await fetchRobots(url.origin, deps.fetcher);
        fetches++;
      }
      if (!robotsAllow(robots[url.origin] ?? null, url)) {
        const message =
          robots[url.origin] === null
            ? 'robots.txt could not be read, so the site is not crawled'
            : 'robots.txt does not allow CloserBot to read this page';
        result.problems.push({ location: next.url, message, failed: false });
        continue;
      }
      const fetched = await fetchPage(url, deps.fetcher);
      const page = await deps.readers.page(
        { html: fetched.text, url: fetched.url.href, robotsHeader: fetched.headers.get('x-robots-tag') },
        deps.readLimits,
      );
      seen.add(page.canonical);
      if (page.noindex) {
        result.problems.push({
          location: next.url,
          message: 'The page asks not to be indexed (noindex): skipped',
          failed: false,
        });
        continue;
      }
      if (!page.text) {
        result.problems.push({ location: next.url, message: 'The page has no text', failed: true });
      } else {
        const citation = page.canonical;
        result.items.push(item(citation, page.title || citation, page.text, citation));
      }
      if (next.depth < maxDepth && !page.nofollow) {
        for (const link of page.links.map((href) => new URL(href))) {
          if (link.origin === fetched.url.origin) enqueue(link, next.depth + 1);
        }
      }
    } catch (error) {
      // The reader stopped (a shutdown): the page is read again when the step is, not counted a problem.
      if (error instanceof ReaderUnavailable) throw error;
      result.problems.push({ location: next.url, message: describe(error), failed: true });
      if (!(error instanceof PageFailure && error.vanished)) result.keep.push(itemKey(next.url));
    }
  }

  const found = (state.found ?? 0) + result.items.length;
  result.finished = queue.length === 0 && sitemaps.length === 0;
  if (result.finished && found === 0) {
    const first = result.problems[0] ?? null;
    throw new ExtractionError(
      first
        ? `No page could be read; first problem: ${first.location}: ${first.message}`
        : 'No page could be read',
    );
  }
  result.state = { started: true, queue, sitemaps, sitemapsRead, seen: [...seen], done, found, robots };
  result.progress = { done, total: sitemaps.length > 0 ? null : Math.max(done + queue.length, done) };
  return result;
}
