// Big files for knowledge sources: `POST …/sources/uploads` signs a URL the client PUTs the file to
// (Supabase Storage's signed upload, or the local directory's), then `POST …/sources` with
// `{ kind: 'file', upload }` checks the stored file as a form upload is checked and makes it a source.
import {
  id,
  MAX_UPLOAD_BYTES,
  sourceUpload,
  sourceUploadCreate,
  type uploadedFileSourceCreate,
} from '@closer/contract';
import type { Context } from 'hono';
import type * as z from 'zod/mini';
import { tenant } from '../../auth/middleware.ts';
import { requireRoom } from '../../billing/usage.ts';
import type { AppEnv, FunctionApp } from '../../http/app.ts';
import { ApiError, notFound } from '../../http/errors.ts';
import { route } from '../../http/route.ts';
import { logFailure } from '../../log.ts';
import { StorageError } from '../../storage/errors.ts';
import { type UploadStorage, uploadKey } from '../../storage/uploads.ts';
import type { SourceRoutesScope } from './routes.ts';
import { checkFile, fileTooLarge } from './routes.ts';
import { createSource } from './sources.ts';

/** Upload storage that can sign URLs, or 503 saying what is missing. */
function signingStorage(c: Context<AppEnv>): Required<UploadStorage> {
  const uploads = c.var.runtime.uploads;
  if (!uploads?.createUploadUrl) {
    throw new ApiError(
      'unavailable',
      'File uploads need storage: set CLOSER_UPLOADS_DIR or deploy on Supabase',
    );
  }
  return uploads as Required<UploadStorage>;
}

const unavailable = (c: Context<AppEnv>, failure: unknown) => {
  logFailure(failure, { where: 'upload storage', requestId: c.var.requestId });
  return new ApiError('unavailable', 'The upload storage did not answer just now; try again');
};

export function registerSourceUploadRoutes(app: FunctionApp, scope: SourceRoutesScope) {
  const sign = route({
    summary: 'Get a signed URL to PUT a big file to, then create its source with `{ kind: "file", upload }`',
    description: `For files too big to send through a function comfortably (the SDK uses it above 4 MiB). \`PUT\` the file's bytes to \`url\` with \`headers\` and the file's media type as \`content-type\`, once, before \`expiresAt\` (Supabase Storage: 2 hours; the local directory: 1 hour); the URL takes no other credential and refuses more than ${MAX_UPLOAD_BYTES} bytes. Then \`POST …/sources\` with \`{ "kind": "file", "upload": "<upload>", "fileName": "…" }\`. A \`byteSize\` over the limit is answered 413 at once.`,
    params: { id: { schema: id, what: scope.what } },
    body: sourceUploadCreate,
    responses: { 201: sourceUpload },
  });
  app.post(`${scope.path}/uploads`, sign, async (c) => {
    const ownerId = c.req.valid('param').id;
    const body = c.req.valid('json');
    if (body.byteSize !== undefined && body.byteSize > MAX_UPLOAD_BYTES) {
      throw new ApiError('payload_too_large', `The file is larger than ${MAX_UPLOAD_BYTES} bytes`);
    }
    const { orgId } = await tenant(c, async (tx) => {
      await requireRoom(tx, c.var.runtime.env, 'knowledgeBytes');
      return scope.find(tx, ownerId);
    });
    const uploads = signingStorage(c);
    const upload = crypto.randomUUID();
    const signed = await uploads
      .createUploadUrl(uploadKey(orgId, upload), {
        maxBytes: MAX_UPLOAD_BYTES,
        origin: new URL(c.req.url).origin,
      })
      .catch((failure: unknown) => {
        throw unavailable(c, failure);
      });
    return c.json(
      {
        upload,
        url: signed.url,
        method: 'PUT' as const,
        headers: signed.headers,
        maxBytes: MAX_UPLOAD_BYTES,
        expiresAt: signed.expiresAt.toISOString(),
      },
      201,
    );
  });
}

/**
 * The source for a file sent through a signed upload. The upload's key is built from the caller's organisation,
 * so an upload of another organisation is simply not found. The source takes the upload's id, so one upload
 * makes one source (409 the second time); a file refused (413, 415, empty) is removed.
 */
export async function createUploadedFileSource(
  c: Context<AppEnv>,
  scope: SourceRoutesScope,
  ownerId: string,
  body: z.output<typeof uploadedFileSourceCreate>,
) {
  const { orgId, owner } = await tenant(c, async (tx) => {
    await requireRoom(tx, c.var.runtime.env, 'knowledgeBytes');
    return scope.find(tx, ownerId);
  });
  const uploads = signingStorage(c);
  const storageKey = uploadKey(orgId, body.upload);
  const taken = await tenant(c, (tx) =>
    tx.query('select 1 from public.knowledge_sources where id = $1', [body.upload]),
  );
  if (taken.length > 0) throw new ApiError('conflict', 'This upload is a source already');
  const bytes = await uploads.get(storageKey).catch(async (failure: unknown) => {
    // Larger than any upload may be (a bucket without a size limit): refused as a form upload is, and removed.
    if (failure instanceof StorageError && failure.status === 413) {
      await uploads.delete(storageKey).catch((problem: unknown) => unavailable(c, problem));
      throw fileTooLarge();
    }
    throw unavailable(c, failure);
  });
  if (!bytes) throw notFound('Uploaded file');
  let checked: ReturnType<typeof checkFile>;
  try {
    checked = checkFile(bytes, body.fileName, body.mediaType);
  } catch (error) {
    await uploads.delete(storageKey).catch((failure: unknown) => unavailable(c, failure));
    throw error;
  }
  return tenant(c, (tx) =>
    createSource(tx, {
      id: body.upload,
      orgId,
      owner,
      kind: 'file',
      name: body.name ?? checked.fileName,
      settings: {
        fileName: checked.fileName,
        mediaType: checked.mediaType,
        byteSize: bytes.byteLength,
        storageKey,
      },
      schedule: 'off',
    }),
  );
}
