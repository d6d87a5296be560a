// Routes of knowledge sources, for an agent (/agents/:id/sources) and for a category of the organisation's
// knowledge base (/knowledge-base/categories/:id/sources): files and web pages that become knowledge, synced in
// the background by the sources worker (worker.ts). One set of routes; the scope says whose sources they are.
import {
  fileSourceFields,
  id,
  knowledgeSource,
  knowledgeSourceRun,
  knowledgeSourceUpdate,
  listQuery,
  MAX_UPLOAD_BYTES,
  page,
  type SourceCreate,
  sourceCreate,
  type webSourceCreate,
} from '@closer/contract';
import type { Context, MiddlewareHandler } from 'hono';
import type * as z from 'zod/mini';
import { tenant } from '../../auth/middleware.ts';
import { requireRoom } from '../../billing/usage.ts';
import type { Queryable } from '../../db/types.ts';
import type { AppEnv, FunctionApp } from '../../http/app.ts';
import { ApiError } from '../../http/errors.ts';
import { listPage } from '../../http/pagination.ts';
import { isOfMediaType, route } from '../../http/route.ts';
import { logFailure } from '../../log.ts';
import { uploadKey } from '../../storage/uploads.ts';
import { clipText } from '../../text.ts';
import { acceptedTypesText, mediaTypeOf } from '../extract/open.ts';
import {
  createSource,
  deleteSource,
  findSource,
  ownerColumn,
  runFromRow,
  SOURCE_SELECT,
  type SourceOwner,
  sourceFromRow,
  startRun,
  updateSource,
} from './sources.ts';
import { createUploadedFileSource, registerSourceUploadRoutes } from './uploadRoutes.ts';

/** Whose sources a set of routes serves. */
export interface SourceRoutesScope {
  /** The sources' path: `/:id/sources` (agents) or `/categories/:id/sources` (knowledge base). */
  path: string;
  /** What `:id` names: `Agent`, `Category`. */
  what: string;
  /** Whose sources, in the summaries: "an agent's", "a knowledge-base category's". */
  whose: string;
  /** The owner in the caller's organisation, or 404. */
  find(tx: Queryable, id: string): Promise<{ orgId: string; owner: SourceOwner }>;
}

/** Room for the multipart envelope around the largest file. */
export const UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;
/** Paths whose bodies may be as large as an upload (see createFunctionApp's largeBodies). */
export const UPLOAD_PATH = /\/(agents|knowledge-base\/categories)\/[^/]+\/sources$/;

const MIB = MAX_UPLOAD_BYTES / 1024 / 1024;

function webSourceOf(body: z.output<typeof webSourceCreate>) {
  if (body.kind === 'url') {
    const more = body.urls.length > 1 ? ` (+${body.urls.length - 1} more)` : '';
    return { name: body.name ?? `${body.urls[0]}${more}`, settings: { urls: body.urls } };
  }
  const settings =
    body.kind === 'crawl'
      ? { urls: [body.url], maxDepth: body.maxDepth, maxPages: body.maxPages }
      : { urls: [body.url], maxPages: body.maxPages };
  return { name: body.name ?? body.url, settings };
}

export function registerSourceRoutes(app: FunctionApp, scope: SourceRoutesScope) {
  const ownerParam = { id: { schema: id, what: scope.what } };
  const sourceParams = { ...ownerParam, sourceId: { schema: id, what: 'Knowledge source' } };
  const ownerOf = (c: Context<AppEnv>) =>
    tenant(c, (tx) => scope.find(tx, c.req.param('id') as string)).then((found) => found.owner);
  registerSourceUploadRoutes(app, scope);
  const list = route({
    summary: `List ${scope.whose} knowledge sources with their sync status, progress and item counts`,
    params: ownerParam,
    query: listQuery,
    responses: { 200: page(knowledgeSource) },
  });
  app.get(scope.path, list, async (c) => {
    const ownerId = c.req.valid('param').id;
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, async (tx) => {
        const { owner } = await scope.find(tx, ownerId);
        const [column] = ownerColumn(owner);
        return listPage(tx, {
          from: SOURCE_SELECT,
          where: [`t.${column} = $1`],
          params: [ownerId],
          limit: query.limit,
          cursor: query.cursor,
          map: sourceFromRow,
        });
      }),
    );
  });

  const create = route({
    summary: `Add a source: web pages (JSON) or a file up to ${MIB} MiB (multipart/form-data); synced in the background`,
    description: `**Web** (JSON): pages as they are (\`url\`), every page of a sitemap or sitemap index (\`sitemap\`), or same-origin links followed from a start page to \`maxDepth\` links and \`maxPages\` pages (\`crawl\`); robots.txt and \`noindex\` are respected; private, loopback and link-local addresses are refused unless ALLOW_PRIVATE_CRAWL=true. **File** (multipart/form-data): PDF, DOCX, HTML, Markdown, plain text or CSV in the \`file\` part, an optional \`name\` part; larger than ${MIB} MiB is answered 413, another type 415. **Big file** (JSON): \`{ "kind": "file", "upload", "fileName" }\` after a signed upload (\`POST …/sources/uploads\`), checked the same way. The answer is the source, \`queued\`; its status and progress tell when its knowledge is ready.`,
    params: ownerParam,
    body: sourceCreate,
    rawBody: {
      mediaType: 'multipart/form-data',
      description: `A web source as JSON, or a file (\`file\`, up to ${MAX_UPLOAD_BYTES} bytes) with an optional \`name\``,
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary' },
          name: { type: 'string', minLength: 1, maxLength: 200 },
        },
      },
    },
    responses: { 201: knowledgeSource },
  });
  app.post(scope.path, refuseOtherBodies, create, async (c) => {
    const ownerId = c.req.valid('param').id;
    if (isOfMediaType(c.req.header('content-type'), 'multipart/form-data')) {
      return c.json(await createFileSource(c, scope, ownerId), 201);
    }
    const body = c.req.valid('json') as z.output<typeof sourceCreate> & SourceCreate;
    if (body.kind === 'file') return c.json(await createUploadedFileSource(c, scope, ownerId, body), 201);
    const { name, settings } = webSourceOf(body);
    const source = await tenant(c, async (tx) => {
      await requireRoom(tx, c.var.runtime.env, 'knowledgeBytes');
      const { orgId, owner } = await scope.find(tx, ownerId);
      return createSource(tx, {
        orgId,
        owner,
        kind: body.kind,
        name,
        settings,
        schedule: body.schedule,
      });
    });
    return c.json(source, 201);
  });

  const read = route({
    summary: 'Read a knowledge source: status, progress n/N, failure reason, item count',
    params: sourceParams,
    responses: { 200: knowledgeSource },
  });
  app.get(`${scope.path}/:sourceId`, read, async (c) => {
    const { sourceId } = c.req.valid('param');
    const owner = await ownerOf(c);
    return c.json(await tenant(c, (tx) => findSource(tx, owner, sourceId)));
  });

  const patch = route({
    summary: 'Rename a knowledge source or change its sync schedule (daily, weekly, off)',
    params: sourceParams,
    body: knowledgeSourceUpdate,
    responses: { 200: knowledgeSource },
  });
  app.patch(`${scope.path}/:sourceId`, patch, async (c) => {
    const { sourceId } = c.req.valid('param');
    const body = c.req.valid('json');
    const owner = await ownerOf(c);
    return c.json(await tenant(c, (tx) => updateSource(tx, owner, sourceId, body)));
  });

  const runs = route({
    summary:
      "A knowledge source's runs, newest first: counts of added, updated, unchanged, removed and failed items and the first errors",
    params: sourceParams,
    query: listQuery,
    responses: { 200: page(knowledgeSourceRun) },
  });
  app.get(`${scope.path}/:sourceId/runs`, runs, async (c) => {
    const { sourceId } = c.req.valid('param');
    const query = c.req.valid('query');
    const owner = await ownerOf(c);
    return c.json(
      await tenant(c, async (tx) => {
        await findSource(tx, owner, sourceId);
        return listPage(tx, {
          from: 'select t.* from public.knowledge_source_runs t',
          where: ['t.source_id = $1'],
          params: [sourceId],
          limit: query.limit,
          cursor: query.cursor,
          map: runFromRow,
        });
      }),
    );
  });

  const sync = route({
    summary:
      'Sync a knowledge source again now: only changed content is re-chunked, vanished pages are removed',
    description: 'Answered 409 while the source is queued or processing.',
    params: sourceParams,
    responses: { 202: knowledgeSource },
  });
  app.post(`${scope.path}/:sourceId/sync`, sync, async (c) => {
    const { sourceId } = c.req.valid('param');
    const owner = await ownerOf(c);
    return c.json(
      await tenant(c, async (tx) => {
        await findSource(tx, owner, sourceId);
        await startRun(tx, sourceId, 'manual');
        return findSource(tx, owner, sourceId);
      }),
      202,
    );
  });

  const remove = route({
    summary: 'Delete a knowledge source with the knowledge items it produced, its runs and its stored file',
    params: sourceParams,
    responses: { 204: null },
  });
  app.delete(`${scope.path}/:sourceId`, remove, async (c) => {
    const { sourceId } = c.req.valid('param');
    const owner = await ownerOf(c);
    const storageKey = await tenant(c, (tx) => deleteSource(tx, owner, sourceId));
    // The rows are gone; a file left behind by a storage failure is only logged (nothing points to it).
    if (storageKey) await removeStoredFiles(c, [storageKey]);
    return c.body(null, 204);
  });
}

/** Removes uploaded files whose sources are gone; failures are logged, never answered. */
export async function removeStoredFiles(c: Context<AppEnv>, keys: string[]): Promise<void> {
  const uploads = c.var.runtime.uploads;
  if (!uploads) return;
  for (const key of keys) {
    await uploads
      .delete(key)
      .catch((failure) => logFailure(failure, { where: 'upload storage', requestId: c.var.requestId }));
  }
}

/** A body that is neither JSON nor multipart/form-data: 415 naming both (JSON may also come untyped). */
const refuseOtherBodies: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header('content-type');
  if (type && !isOfMediaType(type, 'application/json') && !isOfMediaType(type, 'multipart/form-data')) {
    throw new ApiError(
      'unsupported_media_type',
      'Send a web source as application/json, or a file as multipart/form-data with the file in a part named "file"',
    );
  }
  await next();
};

/** Stores the uploaded file, then the source that reads it; the file is removed again if the source is not stored. */
async function createFileSource(c: Context<AppEnv>, scope: SourceRoutesScope, ownerId: string) {
  const runtime = c.var.runtime;
  const file = await readUpload(c.req.raw);
  const { orgId, owner } = await tenant(c, async (tx) => {
    await requireRoom(tx, runtime.env, 'knowledgeBytes');
    return scope.find(tx, ownerId);
  });
  if (!runtime.uploads) {
    throw new ApiError(
      'unavailable',
      'File uploads need storage: set CLOSER_UPLOADS_DIR or deploy on Supabase',
    );
  }
  const uploads = runtime.uploads;
  const sourceId = crypto.randomUUID();
  const storageKey = uploadKey(orgId, sourceId);
  const logged = (failure: unknown) =>
    logFailure(failure, { where: 'upload storage', requestId: c.var.requestId });
  try {
    await uploads.put(storageKey, file.bytes, file.mediaType);
  } catch (failure) {
    logged(failure);
    throw new ApiError('unavailable', 'The file could not be stored just now; try again');
  }
  try {
    return await tenant(c, (tx) =>
      createSource(tx, {
        id: sourceId,
        orgId,
        owner,
        kind: 'file',
        name: file.name,
        settings: {
          fileName: file.fileName,
          mediaType: file.mediaType,
          byteSize: file.bytes.byteLength,
          storageKey,
        },
        schedule: 'off',
      }),
    );
  } catch (error) {
    await uploads.delete(storageKey).catch(logged);
    throw error;
  }
}

interface Upload {
  bytes: Uint8Array;
  fileName: string;
  name: string;
  mediaType: ReturnType<typeof mediaTypeOf> & string;
}

/** The upload's file and fields, or the error envelope's reason: 415 not multipart or not an accepted type, 413. */
async function readUpload(request: Request): Promise<Upload> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new ApiError('bad_request', 'The multipart/form-data body could not be read');
  }
  const file = form.get('file');
  const issues = [];
  if (!(file instanceof File)) issues.push({ path: ['file'], message: 'must be a file part' });
  const fields = fileSourceFields.safeParse(
    Object.fromEntries(
      [...form.entries()].filter(([key]) => key !== 'file').map(([key, value]) => [key, String(value)]),
    ),
  );
  if (!fields.success) {
    issues.push(
      ...fields.error.issues.map((issue) => ({
        path: issue.path as (string | number)[],
        message: issue.message,
      })),
    );
  }
  if (issues.length > 0 || !(file instanceof File) || !fields.success) {
    throw new ApiError('validation_failed', 'The upload is not valid', { details: issues });
  }
  if (file.size > MAX_UPLOAD_BYTES) {
    throw fileTooLarge();
  }
  if (file.size === 0) {
    throw new ApiError('validation_failed', 'The upload is not valid', {
      details: [{ path: ['file'], message: 'is empty' }],
    });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const checked = checkFile(bytes, file.name, file.type);
  return { bytes, ...checked, name: fields.data.name ?? checked.fileName };
}

/** 413 for a file over MAX_UPLOAD_BYTES, however it came (a form, a signed upload's stored object). */
export const fileTooLarge = () =>
  new ApiError('payload_too_large', `The file is larger than ${MIB} MiB (${MAX_UPLOAD_BYTES} bytes)`);

/**
 * The checks every file gets, sent in a form or through a signed upload: 413 over MAX_UPLOAD_BYTES, 422 empty,
 * 415 a type not read. Answers the cleaned file name and the media type.
 */
export function checkFile(bytes: Uint8Array, name: string, declaredType: string | undefined) {
  if (bytes.byteLength > MAX_UPLOAD_BYTES) {
    throw fileTooLarge();
  }
  if (bytes.byteLength === 0) {
    throw new ApiError('validation_failed', 'The upload is not valid', {
      details: [{ path: ['file'], message: 'is empty' }],
    });
  }
  const fileName = clipText((name || 'upload').replace(/[\0/\\]/g, '_'), 200);
  const mediaType = mediaTypeOf(fileName, declaredType ?? '', bytes);
  if (!mediaType) {
    throw new ApiError(
      'unsupported_media_type',
      `This file type is not read; accepted: ${acceptedTypesText}`,
    );
  }
  return { fileName, mediaType };
}
