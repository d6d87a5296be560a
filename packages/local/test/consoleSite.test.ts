// The console as the local stack serves it: config.json naming this stack's URLs, the app's index.html for any
// console path, hashed assets cached for good, nothing served from outside the build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSite } from '../src/consoleSite.ts';

let dist: string;
let app: ReturnType<typeof consoleSite>;
beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'closer-console-'));
  dist = `${root}/dist/`;
  await mkdir(`${dist}assets`, { recursive: true });
  await writeFile(`${dist}index.html`, '<!doctype html><title>Closer console</title>');
  await writeFile(`${dist}assets/index-abc123.js`, 'console.log(1)');
  await writeFile(`${root}/secret.txt`, 'outside the build');
  app = consoleSite('/functions/v1', dist);
});
afterAll(async () => rm(join(dist, '..'), { recursive: true, force: true }));

describe('the console on the local stack', () => {
  it('answers config.json with the URLs of the stack as the browser reached it', async () => {
    const response = await app.request('http://localhost:54321/console/config.json');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.json()).toEqual({
      apiUrl: 'http://localhost:54321/functions/v1',
      widgetScriptUrl: 'http://localhost:54321/widget/closer.js',
      auth: { kind: 'local', url: 'http://localhost:54321/local/sign-in' },
    });
  });

  it('serves index.html for every console path, so deep links work', async () => {
    for (const path of ['/console/', '/console/agents', '/console/agents/123?tab=install']) {
      const response = await app.request(`http://localhost${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<title>Closer console</title>');
    }
    const bare = await app.request('http://localhost/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('serves hashed assets for good, and 404s a missing asset or a path out of the build', async () => {
    const asset = await app.request('http://localhost/console/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log(1)');
    expect((await app.request('http://localhost/console/assets/missing.js')).status).toBe(404);
    const outside = await app.request('http://localhost/console/assets/..%2F..%2Fsecret.txt');
    expect(await outside.text()).not.toContain('outside the build');
  });

  // Every console answer carries x-request-id, and a file the build lacks is the API's error envelope (it was a
  // plain-text "Not found" without an id; a file-like path outside assets/ was answered with the SPA's HTML).
  it.each(['/console/assets/missing.js', '/console/favicon.ico', '/console/agents/main.js.map'])(
    'answers %s, a file the build does not have, with the error envelope and x-request-id',
    async (path) => {
      const response = await app.request(`http://localhost${path}`, {
        headers: { 'x-request-id': 'req-console-1' },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('x-request-id')).toBe('req-console-1');
      expect(await response.json()).toEqual({
        error: {
          code: 'not_found',
          message: `No file ${path} in the console's build`,
          requestId: 'req-console-1',
        },
      });
    },
  );

  it('gives the console pages, assets, config.json and the redirect an x-request-id', async () => {
    for (const path of [
      '/console/agents/sales.v2',
      '/console/assets/index-abc123.js',
      '/console/config.json',
      '/console',
    ]) {
      const response = await app.request(`http://localhost${path}`);
      expect(response.status).toBeLessThan(400);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('says how to build the console when it is not built', async () => {
    const unbuilt = consoleSite('/functions/v1', '/nonexistent/dist/');
    const response = await unbuilt.request('http://localhost/console/');
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'not_found', requestId: response.headers.get('x-request-id') });
    expect(body.error.message).toContain('pnpm --filter @closer/console build');
  });
});
