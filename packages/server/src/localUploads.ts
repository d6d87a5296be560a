// Signed uploads of the directory storage (CLOSER_UPLOADS_DIR: the local stack, self-hosting): the file a client
// PUTs to a URL that `POST …/sources/uploads` signed is written straight to the directory, never buffered whole.
import { apiCors } from '@closer/functions/_shared/http/app.ts';
import { ApiError, errorResponse } from '@closer/functions/_shared/http/errors.ts';
import { requestId, requestIdOf } from '@closer/functions/_shared/http/requestId.ts';
import { logFailure } from '@closer/functions/_shared/log.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { isDirectoryStorage, LOCAL_UPLOAD_PATH } from '@closer/functions/_shared/storage/directory.ts';
import { Hono } from 'hono';

export function localUploadsApp(runtime: Runtime): Hono {
  const app = new Hono();
  app.use(`${LOCAL_UPLOAD_PATH}/*`, requestId, apiCors);
  app.put(`${LOCAL_UPLOAD_PATH}/:token`, async (c) => {
    const uploads = runtime.uploads;
    if (!isDirectoryStorage(uploads)) {
      return errorResponse(c, new ApiError('not_found', 'This server keeps no uploads in a directory'));
    }
    try {
      const stored = await uploads.receive(c.req.param('token'), c.req.raw.body);
      return c.json({ size: stored.bytes }, 201);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(c, error);
      logFailure(error, { where: 'signed upload', requestId: requestIdOf(c) });
      return errorResponse(
        c,
        new ApiError('unavailable', 'The file could not be stored just now; ask for a new URL'),
      );
    }
  });
  return app;
}
