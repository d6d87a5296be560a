// Routes of an agent's knowledge sources (/agents/:id/sources): files and web pages that become knowledge items,
// synced in the background by the sources worker (see _shared/knowledge/sources/worker.ts).
import {
  fileSourceFields,
  id,
  knowledgeSource,
  knowledgeSourceRun,
  knowledgeSourceUpdate,
  listQuery,
  MAX_UPLOAD_BYTES,
  page,
  type WebSourceCreate,
  webSourceCreate,
} from '@closer/contract';
import type { Context, MiddlewareHandler } from 'hono';
import type * as z from 'zod/mini';
import { tenant } from '../_shared/auth/middleware.ts';
import { requireRoom } from '../_shared/billing/usage.ts';
import type { AppEnv, FunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { isOfMediaType, route } from '../_shared/http/route.ts';
import { acceptedTypesText, mediaTypeOf } from '../_shared/knowledge/extract/open.ts';
import {
  createSource,
  deleteSource,
  findSource,
  runFromRow,
  SOURCE_SELECT,
  sourceFromRow,
  startRun,
  updateSource,
} from '../_shared/knowledge/sources/sources.ts';
import { logFailure } from '../_shared/log.ts';
import { findAgent } from '../_shared/resources/agents.ts';
import { uploadKey } from '../_shared/storage/uploads.ts';

const agentParam = { id: { schema: id, what: 'Agent' } };
const sourceParams = { ...agentParam, sourceId: { schema: id, what: 'Knowledge source' } };

/** Room for the multipart envelope around the largest file. */
export const UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;
/** Paths whose bodies may be as large as an upload (see createFunctionApp's largeBodies). */
export const UPLOAD_PATH = /\/agents\/[^/]+\/sources$/;

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

export function registerSourceRoutes(app: FunctionApp) {
  const list = route({
    summary: "List an agent's knowledge sources with their sync status, progress and item counts",
    params: agentParam,
    query: listQuery,
    responses: { 200: page(knowledgeSource) },
  });
  app.get('/:id/sources', list, async (c) => {
    const agentId = c.req.valid('param').id;
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, async (tx) => {
        await findAgent(tx, agentId);
        return listPage(tx, {
          from: SOURCE_SELECT,
          where: ['t.agent_id = $1'],
          params: [agentId],
          limit: query.limit,
          cursor: query.cursor,
          map: sourceFromRow,
        });
      }),
    );
  });

  const create = route({
    summary: `Add a source: web pages (JSON) or a file up to ${MIB} MiB (multipart/form-data); synced in the background`,
    description: `**Web** (JSON): pages as they are (\`url\`), every page of a sitemap or sitemap index (\`sitemap\`), or same-origin links followed from a start page to \`maxDepth\` links and \`maxPages\` pages (\`crawl\`); robots.txt and \`noindex\` are respected; private, loopback and link-local addresses are refused unless ALLOW_PRIVATE_CRAWL=true. **File** (multipart/form-data): PDF, DOCX, HTML, Markdown, plain text or CSV in the \`file\` part, an optional \`name\` part; larger than ${MIB} MiB is answered 413, another type 415. The answer is the source, \`queued\`; its status and progress tell when its knowledge is ready.`,
    params: agentParam,
    body: webSourceCreate,
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
  app.post('/:id/sources', refuseOtherBodies, create, async (c) => {
    const agentId = c.req.valid('param').id;
    if (isOfMediaType(c.req.header('content-type'), 'multipart/form-data')) {
      return c.json(await createFileSource(c, agentId), 201);
    }
    const body = c.req.valid('json') as z.output<typeof webSourceCreate> & WebSourceCreate;
    const { name, settings } = webSourceOf(body);
    const source = await tenant(c, async (tx) => {
      await requireRoom(tx, c.var.runtime.env, 'knowledgeBytes');
      const agent = await findAgent(tx, agentId);
      return createSource(tx, {
        orgId: agent.orgId,
        agentId,
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
  app.get('/:id/sources/:sourceId', read, async (c) => {
    const { id: agentId, sourceId } = c.req.valid('param');
    return c.json(await tenant(c, (tx) => findSource(tx, agentId, sourceId)));
  });

  const patch = route({
    summary: 'Rename a knowledge source or change its sync schedule (daily, weekly, off)',
    params: sourceParams,
    body: knowledgeSourceUpdate,
    responses: { 200: knowledgeSource },
  });
  app.patch('/:id/sources/:sourceId', patch, async (c) => {
    const { id: agentId, sourceId } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(await tenant(c, (tx) => updateSource(tx, agentId, sourceId, body)));
  });

  const runs = route({
    summary:
      "A knowledge source's runs, newest first: counts of added, updated, unchanged, removed and failed items and the first errors",
    params: sourceParams,
    query: listQuery,
    responses: { 200: page(knowledgeSourceRun) },
  });
  app.get('/:id/sources/:sourceId/runs', runs, async (c) => {
    const { id: agentId, sourceId } = c.req.valid('param');
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, async (tx) => {
        await findSource(tx, agentId, sourceId);
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
  app.post('/:id/sources/:sourceId/sync', sync, async (c) => {
    const { id: agentId, sourceId } = c.req.valid('param');
    return c.json(
      await tenant(c, async (tx) => {
        await findSource(tx, agentId, sourceId);
        await startRun(tx, sourceId, 'manual');
        return findSource(tx, agentId, sourceId);
      }),
      202,
    );
  });

  const remove = route({
    summary: 'Delete a knowledge source with the knowledge items it produced, its runs and its stored file',
    params: sourceParams,
    responses: { 204: null },
  });
  app.delete('/:id/sources/:sourceId', remove, async (c) => {
    const { id: agentId, sourceId } = c.req.valid('param');
    const storageKey = await tenant(c, (tx) => deleteSource(tx, agentId, sourceId));
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
async function createFileSource(c: Context<AppEnv>, agentId: string) {
  const runtime = c.var.runtime;
  const file = await readUpload(c.req.raw);
  const agent = await tenant(c, async (tx) => {
    await requireRoom(tx, runtime.env, 'knowledgeBytes');
    return findAgent(tx, agentId);
  });
  if (!runtime.uploads) {
    throw new ApiError(
      'unavailable',
      'File uploads need storage: set CLOSER_UPLOADS_DIR or deploy on Supabase',
    );
  }
  const uploads = runtime.uploads;
  const sourceId = crypto.randomUUID();
  const storageKey = uploadKey(agent.orgId, sourceId);
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
        orgId: agent.orgId,
        agentId,
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
    throw new ApiError('payload_too_large', `The file is larger than ${MIB} MiB (${MAX_UPLOAD_BYTES} bytes)`);
  }
  if (file.size === 0) {
    throw new ApiError('validation_failed', 'The upload is not valid', {
      details: [{ path: ['file'], message: 'is empty' }],
    });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const fileName = (file.name || 'upload').replace(/[\0/\\]/g, '_').slice(0, 200);
  const mediaType = mediaTypeOf(fileName, file.type, bytes);
  if (!mediaType) {
    throw new ApiError(
      'unsupported_media_type',
      `This file type is not read; accepted: ${acceptedTypesText}`,
    );
  }
  return { bytes, fileName, name: fields.data.name ?? fileName, mediaType };
}
