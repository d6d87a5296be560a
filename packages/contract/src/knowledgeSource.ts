// Knowledge sources: files and web pages an agent learns from, their sync status and the log of their runs.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';

export const knowledgeSourceKind = z.enum(['file', 'url', 'sitemap', 'crawl']);
export type KnowledgeSourceKind = z.infer<typeof knowledgeSourceKind>;

/** How often a source is synced again by itself; `off` syncs only when asked (`POST …/sync`). */
export const syncSchedule = z.enum(['daily', 'weekly', 'off']);
export type SyncSchedule = z.infer<typeof syncSchedule>;

/** `queued` → `processing` (progress n/N) → `ready` | `failed` (with a reason). */
export const knowledgeSourceStatus = z.enum(['queued', 'processing', 'ready', 'failed']);
export type KnowledgeSourceStatus = z.infer<typeof knowledgeSourceStatus>;

/** What a source reads; which fields are present depends on its kind. */
export const knowledgeSourceSettings = z.object({
  /** `url`: the pages; `sitemap`: the sitemap; `crawl`: the start page. */
  urls: z.optional(z.array(z.string())),
  /** `sitemap`, `crawl`: most pages read per sync. */
  maxPages: z.optional(z.number()),
  /** `crawl`: how many links away from the start page (0 = the start page only). */
  maxDepth: z.optional(z.number()),
  /** `file`: the uploaded file's name, media type and size in bytes. */
  fileName: z.optional(z.string()),
  mediaType: z.optional(z.string()),
  byteSize: z.optional(z.number()),
});
export type KnowledgeSourceSettings = z.infer<typeof knowledgeSourceSettings>;

export const knowledgeSource = z.object({
  id,
  /** The agent whose knowledge the source feeds; null for a knowledge-base source. */
  agentId: z.nullable(id),
  /**
   * The knowledge-base category the source's articles go to (every agent drawing on the category retrieves
   * them); null for an agent's source.
   */
  categoryId: z.nullable(id),
  kind: knowledgeSourceKind,
  name: z.string(),
  settings: knowledgeSourceSettings,
  schedule: syncSchedule,
  status: knowledgeSourceStatus,
  /** Units done of the current or last sync: pages of a PDF or a site, rows of a CSV, sections of a document. */
  progress: z.object({ done: z.number(), total: z.nullable(z.number()) }),
  /** Why the last sync failed; null unless `status` is `failed`. */
  failureReason: z.nullable(z.string()),
  /** Knowledge items this source holds now. */
  itemCount: z.number(),
  lastSyncedAt: z.nullable(timestamp),
  /** When the schedule syncs it next; null when `schedule` is `off`. */
  nextSyncAt: z.nullable(timestamp),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type KnowledgeSource = z.infer<typeof knowledgeSource>;

/** One problem of a run: where (a URL, `page 3`, `row 12`) and what happened. */
export const sourceRunError = z.object({ location: z.string(), message: z.string() });
export type SourceRunError = z.infer<typeof sourceRunError>;

/** One sync of a source: when, what it changed, and its first errors (at most 20). */
export const knowledgeSourceRun = z.object({
  id,
  sourceId: id,
  trigger: z.enum(['created', 'manual', 'schedule']),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: timestamp,
  finishedAt: z.nullable(timestamp),
  added: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  removed: z.number(),
  failed: z.number(),
  errors: z.array(sourceRunError),
  failureReason: z.nullable(z.string()),
});
export type KnowledgeSourceRun = z.infer<typeof knowledgeSourceRun>;

/**
 * Where to send a big file (`POST …/sources/uploads`): `PUT` its bytes to `url` with `headers` and the file's
 * media type as `content-type`, before `expiresAt`, once; then create the source with `{ kind: 'file', upload }`.
 */
export const sourceUpload = z.object({
  /** Names the uploaded file in `POST …/sources`. */
  upload: id,
  /** Absolute URL, signed: it needs no other credential. */
  url: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
  /** Largest file the URL accepts, in bytes. */
  maxBytes: z.number(),
  expiresAt: timestamp,
});
export type SourceUpload = z.infer<typeof sourceUpload>;
