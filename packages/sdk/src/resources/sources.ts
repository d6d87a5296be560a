// Knowledge sources, one resource for both owners: client.agents.sources (an agent's, by agent id) and
// client.knowledgeBase.sources (a knowledge-base category's, by category id). Files and web pages synced in the
// background; upload with progress, crawl, re-sync, run logs, and a helper that waits until a source is ready.
import {
  type KnowledgeSource,
  type KnowledgeSourceUpdate,
  knowledgeSource,
  knowledgeSourceRun,
  page,
  type SourceCreate,
  type SyncSchedule,
  sourceUpload,
} from '@closer/contract';
import { CloserError, TimeoutError } from '../core/errors.ts';
import type { Http, UploadProgress } from '../core/http.ts';
import type { ListParams, RequestOptions } from './shared.ts';
import { list } from './shared.ts';

/** A source's sync ended `failed`: `source.failureReason` says why (an encrypted PDF, an unreachable site…). */
export class SourceFailedError extends CloserError {
  readonly source: KnowledgeSource;
  constructor(source: KnowledgeSource) {
    super(`Knowledge source "${source.name}" failed: ${source.failureReason ?? 'no reason given'}`, {
      code: 'source_failed',
    });
    this.source = source;
  }
}

export interface UploadOptions extends RequestOptions {
  /** The source's name. Default: the file name. */
  name?: string;
  /** The file name, when `file` is bytes or a Blob without one (its extension tells text types apart). */
  fileName?: string;
  /** The file's media type, when `file` is bytes. Default: read from the content and the name by the server. */
  mediaType?: string;
  /**
   * Called as the file is sent. Needs request streams (Node >= 22, Deno, Bun; browsers only over HTTP/2);
   * elsewhere leave it out.
   */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Files larger than this many bytes go through a signed upload: the SDK asks for a URL
   * (`POST …/sources/uploads`), PUTs the file straight to storage (Supabase Storage, or the local directory) and
   * then creates the source from it, so a big file never passes through a function. Smaller files are sent as
   * `multipart/form-data`. `0` always signs; `Infinity` never does.
   * @default 4194304 (4 MiB)
   */
  signedUploadAbove?: number;
}

/** Default `signedUploadAbove`: 4 MiB. */
export const SIGNED_UPLOAD_ABOVE = 4 * 1024 * 1024;

export interface CrawlParams {
  /** The start page (http or https). */
  url: string;
  /** Links followed from the start page, 0–5. Default 2. */
  maxDepth?: number;
  /** Most pages read, 1–1000. Default 50. */
  maxPages?: number;
  /** Default: the URL. */
  name?: string;
  /** Default `off`. */
  schedule?: SyncSchedule;
}

export interface WaitOptions extends RequestOptions {
  /** Between two reads of the source, in ms. Default 1000. */
  intervalMs?: number;
  /** Gives up (TimeoutError) after this long, in ms. Default 600 000 (10 minutes). */
  timeoutMs?: number;
  /** Called with the source after each read while it is queued or processing (`progress.done` of `total`). */
  onProgress?: (source: KnowledgeSource) => void;
}

/** The sources of an agent. */
export const agentSourcesPath = (agentId: string) => `/agents/${encodeURIComponent(agentId)}/sources`;
/** The sources of a knowledge-base category. */
export const categorySourcesPath = (categoryId: string) =>
  `/knowledge-base/categories/${encodeURIComponent(categoryId)}/sources`;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * The sources of one kind of owner; `sourcesOf` gives the owner's sources path. Every method's first argument is
 * the owner's id (the agent's, or the category's).
 */
export function sourcesResource(http: Http, sourcesOf: (ownerId: string) => string = agentSourcesPath) {
  const at = (ownerId: string, rest = '') => `${sourcesOf(ownerId)}${rest}`;
  const one = (ownerId: string, sourceId: string, rest = '') =>
    at(ownerId, `/${encodeURIComponent(sourceId)}${rest}`);
  const sourcePage = page(knowledgeSource);
  const runPage = page(knowledgeSourceRun);
  const retrieve = (ownerId: string, sourceId: string, options: RequestOptions = {}) =>
    http.request('GET', one(ownerId, sourceId), knowledgeSource, options);
  const create = (ownerId: string, body: SourceCreate, options: RequestOptions = {}) =>
    http.request('POST', at(ownerId), knowledgeSource, { body, ...options });
  return {
    /** The agent's sources with status, progress and item counts; iterate with `for await` for every page. */
    list: (ownerId: string, params: ListParams = {}, options: RequestOptions = {}) =>
      list(http, at(ownerId), sourcePage, params, options),
    retrieve,
    /** Adds pages (`url`), a sitemap, a crawl, or a file already sent (`file`); answers the source `queued`. */
    create,
    /** Adds a crawl from `url` over same-origin links (robots.txt and noindex respected). */
    crawl: (ownerId: string, params: CrawlParams, options: RequestOptions = {}) =>
      create(ownerId, { kind: 'crawl', ...params }, options),
    /**
     * Uploads a PDF, DOCX, HTML, Markdown, text or CSV file (≤ 20 MiB) as a new source, answered `queued`:
     * as `multipart/form-data`, or above `signedUploadAbove` (4 MiB) through a signed upload, progress reported
     * either way. Over the limit: ApiError 413; another type: ApiError 415 naming the accepted ones.
     */
    upload: async (
      ownerId: string,
      file: Blob | Uint8Array | ArrayBuffer,
      options: UploadOptions = {},
    ): Promise<KnowledgeSource> => {
      const fileName = options.fileName ?? (file instanceof File ? file.name : 'upload');
      const blob =
        file instanceof Blob ? file : new Blob([file as BlobPart], { type: options.mediaType ?? '' });
      const signal = options.signal;
      if (blob.size > (options.signedUploadAbove ?? SIGNED_UPLOAD_ABOVE)) {
        const target = await http.request('POST', at(ownerId, '/uploads'), sourceUpload, {
          body: { byteSize: blob.size },
          signal,
        });
        await http.put(target.url, blob, {
          headers: target.headers,
          onUploadProgress: options.onProgress,
          signal,
        });
        return create(
          ownerId,
          {
            kind: 'file',
            upload: target.upload,
            fileName,
            ...(blob.type ? { mediaType: blob.type } : {}),
            ...(options.name ? { name: options.name } : {}),
          },
          signal ? { signal } : {},
        );
      }
      const form = new FormData();
      form.set('file', blob, fileName);
      if (options.name) form.set('name', options.name);
      return http.request('POST', at(ownerId), knowledgeSource, {
        form,
        onUploadProgress: options.onProgress,
        signal: options.signal,
      });
    },
    /** Renames a source or changes its schedule (`daily`, `weekly`, `off`). */
    update: (ownerId: string, sourceId: string, body: KnowledgeSourceUpdate, options: RequestOptions = {}) =>
      http.request('PATCH', one(ownerId, sourceId), knowledgeSource, { body, ...options }),
    /** Syncs again now; ConflictError while it is queued or processing. */
    resync: (ownerId: string, sourceId: string, options: RequestOptions = {}) =>
      http.request('POST', one(ownerId, sourceId, '/sync'), knowledgeSource, options),
    /** The source's runs, newest first: counts and first errors. */
    runs: (ownerId: string, sourceId: string, params: ListParams = {}, options: RequestOptions = {}) =>
      list(http, one(ownerId, sourceId, '/runs'), runPage, params, options),
    /** Deletes the source with its knowledge items, runs and stored file. */
    delete: (ownerId: string, sourceId: string, options: RequestOptions = {}): Promise<void> =>
      http.request('DELETE', one(ownerId, sourceId), null, options),
    /**
     * Reads the source until its sync ends: resolves with it when `ready`, rejects with SourceFailedError when
     * `failed`, with TimeoutError after `timeoutMs`.
     */
    waitUntilReady: async (ownerId: string, sourceId: string, options: WaitOptions = {}) => {
      const deadline = Date.now() + (options.timeoutMs ?? 600_000);
      for (;;) {
        const source = await retrieve(ownerId, sourceId, options.signal ? { signal: options.signal } : {});
        if (source.status === 'ready') return source;
        if (source.status === 'failed') throw new SourceFailedError(source);
        options.onProgress?.(source);
        if (Date.now() >= deadline) {
          throw new TimeoutError(
            `Knowledge source "${source.name}" was not ready within ${options.timeoutMs ?? 600_000} ms`,
          );
        }
        await sleep(options.intervalMs ?? 1000, options.signal);
      }
    },
  };
}
