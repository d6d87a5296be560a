// The widget's files as the local stack serves them: with x-request-id like every route, and a file that is not
// built answered in the error envelope naming the build command (it was a plain-text 404 without an id).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database.ts';
import { createLocalApp } from '../src/server.ts';

let dir: string;
let close: () => Promise<unknown>;
let app: ReturnType<typeof createLocalApp>;
beforeAll(async () => {
  dir = `${await mkdtemp(join(tmpdir(), 'closer-widget-'))}/`;
  await writeFile(`${dir}closer.js`, 'console.log("closer")');
  const db = await openDatabase({ kind: 'memory' });
  close = () => db.close();
  app = createLocalApp(createRuntime(db, {}), null, undefined, dir);
});
afterAll(async () => {
  await close?.();
  await rm(dir, { recursive: true, force: true });
});

describe("the widget's files on the local stack", () => {
  it('serves a built file with x-request-id', async () => {
    const response = await app.request('/widget/closer.js', { headers: { 'x-request-id': 'req-widget-01' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-widget-01');
    expect(await response.text()).toBe('console.log("closer")');
  });

  it('answers a file not built with the error envelope naming the build command', async () => {
    const response = await app.request('/widget/closer-panel.js', {
      headers: { 'x-request-id': 'req-widget-02' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-widget-02');
    expect(await response.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'The widget is not built: run `pnpm --filter @closer/widget build`.',
        requestId: 'req-widget-02',
      },
    });
  });
});
