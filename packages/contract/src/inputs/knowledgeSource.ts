// Requests that create or change a knowledge source (files arrive as multipart/form-data: MAX_UPLOAD_BYTES, acceptedFileTypes).
import * as z from 'zod/mini';
import { id, int, storable, text } from '../common.ts';
import { syncSchedule } from '../knowledgeSource.ts';

/** Largest file a source accepts, in bytes (20 MiB). Larger uploads are answered 413. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** The file types a source reads, by media type, with their file name extensions. Others are answered 415. */
export const acceptedFileTypes = {
  'application/pdf': ['.pdf'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'text/html': ['.html', '.htm'],
  'text/markdown': ['.md', '.markdown'],
  'text/plain': ['.txt'],
  'text/csv': ['.csv'],
} as const;
export type AcceptedMediaType = keyof typeof acceptedFileTypes;

const webUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .check(z.maxLength(2000), storable);

const common = {
  /** A name for the source; defaults to the (first) URL. */
  name: z.optional(text(1, 200)),
  schedule: z._default(syncSchedule, 'off'),
};

/** One page or a list of pages, read as they are (links not followed). */
export const urlSourceCreate = z.strictObject({
  kind: z.literal('url'),
  urls: z.array(webUrl).check(z.minLength(1), z.maxLength(100)),
  ...common,
});

/** Every page a sitemap (or a sitemap index) lists, up to `maxPages`. */
export const sitemapSourceCreate = z.strictObject({
  kind: z.literal('sitemap'),
  url: webUrl,
  maxPages: z._default(int(1, 1000), 200),
  ...common,
});

/** The start page and the same-origin pages it links to, up to `maxDepth` links away and `maxPages` pages. */
export const crawlSourceCreate = z.strictObject({
  kind: z.literal('crawl'),
  url: webUrl,
  maxDepth: z._default(int(0, 5), 2),
  maxPages: z._default(int(1, 1000), 50),
  ...common,
});

/** `POST /agents/:id/sources` as JSON: a web source (a file goes to the same route as multipart/form-data). */
export const webSourceCreate = z.discriminatedUnion('kind', [
  urlSourceCreate,
  sitemapSourceCreate,
  crawlSourceCreate,
]);
export type WebSourceCreate = z.input<typeof webSourceCreate>;

/**
 * A file already sent through a signed upload (`POST …/sources/uploads`, then `PUT` to its URL): `upload` names
 * it. The stored file is checked as a multipart upload is (413 over MAX_UPLOAD_BYTES, 415 another type).
 */
export const uploadedFileSourceCreate = z.strictObject({
  kind: z.literal('file'),
  upload: id,
  /** The file's name: its extension tells text types apart (`.md`, `.csv`…). */
  fileName: text(1, 200),
  /** The file's media type, if known; PDF and DOCX are recognised from their content anyway. */
  mediaType: z.optional(text(1, 200)),
  /** A name for the source; defaults to the file name. */
  name: z.optional(text(1, 200)),
});

/** `POST /agents/:id/sources` as JSON: a web source, or a file sent through a signed upload. */
export const sourceCreate = z.discriminatedUnion('kind', [
  urlSourceCreate,
  sitemapSourceCreate,
  crawlSourceCreate,
  uploadedFileSourceCreate,
]);
export type SourceCreate = z.input<typeof sourceCreate>;

/** `POST /agents/:id/sources/uploads`: where to send a big file. `byteSize` over MAX_UPLOAD_BYTES is answered 413. */
export const sourceUploadCreate = z.strictObject({
  /** The file's size in bytes, if known: refused at once when too large. */
  byteSize: z.optional(int(1, Number.MAX_SAFE_INTEGER)),
});
export type SourceUploadCreate = z.input<typeof sourceUploadCreate>;

/** `PATCH /agents/:id/sources/:sourceId`. */
export const knowledgeSourceUpdate = z.partial(
  z.strictObject({ name: text(1, 200), schedule: syncSchedule }),
);
export type KnowledgeSourceUpdate = z.input<typeof knowledgeSourceUpdate>;

/** The text fields of a file upload's form, next to its `file` part. */
export const fileSourceFields = z.strictObject({ name: z.optional(text(1, 200)) });
