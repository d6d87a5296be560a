import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, prepareDatabase } from '../src/database.ts';
import { DEMO_AGENT_IDS, ensureDemoKeys } from '../src/demoKeys.ts';
import { createLocalApp } from '../src/server.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('the local stack', () => {
  it('serves every function under /functions/v1 and is ready on a fresh in-memory database', async () => {
    const db = await openDatabase({ kind: 'memory' });
    cleanup.push(() => db.close());
    const { applied, seeded } = await prepareDatabase(db);
    expect(applied.length).toBeGreaterThanOrEqual(6);
    expect(seeded).toBe(true);
    const demo = await ensureDemoKeys(db, {}, null);
    const app = createLocalApp(createRuntime(db, {}), demo);

    const ready = await app.request('/functions/v1/health/ready');
    expect(ready.status).toBe(200);
    // An unknown function is a 404 a browser can read: CORS, a preflight and the request id, like any function.
    const unknown = await app.request('/functions/v1/nope', { headers: { origin: 'https://shop.example' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
    expect(unknown.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const body = (await unknown.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBe(unknown.headers.get('x-request-id'));
    expect(unknown.headers.get('x-content-type-options')).toBe('nosniff');
    const preflight = await app.request('/functions/v1/nope', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');

    const page = await (await app.request('/')).text();
    for (const agent of demo.agents) expect(page).toContain(agent.publishableKey);
    expect(page).not.toContain(demo.secretKey ?? 'no secret');
  });

  it('fixes the demo keys from the environment', async () => {
    const db = await openDatabase({ kind: 'memory' });
    cleanup.push(() => db.close());
    await prepareDatabase(db);
    const env = {
      CLOSER_DEMO_SECRET_KEY: 'sk_demo_fixed_key_for_scripts_0001',
      CLOSER_DEMO_PUBLISHABLE_KEY: 'pk_demo_fixed_publishable',
    };
    const demo = await ensureDemoKeys(db, env, null);
    expect(demo.secretKey).toBe(env.CLOSER_DEMO_SECRET_KEY);
    expect(demo.agents.map((a) => [a.id, a.publishableKey])).toEqual([
      [DEMO_AGENT_IDS[0], 'pk_demo_fixed_publishable'],
      [DEMO_AGENT_IDS[1], 'pk_demo_fixed_publishable_ru'],
    ]);
    await expect(ensureDemoKeys(db, { CLOSER_DEMO_SECRET_KEY: 'oops' }, null)).rejects.toThrow(
      /CLOSER_DEMO_SECRET_KEY/,
    );
  });

  it('keeps its data and its demo key across restarts, applying and seeding only once', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'closer-state-'));
    cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
    const target = { kind: 'pglite' as const, dataDir: join(stateDir, 'pgdata') };

    const first = await openDatabase(target);
    const prepared = await prepareDatabase(first);
    const keys = await ensureDemoKeys(first, {}, stateDir);
    await first.query(`update agents set greeting = 'Persisted greeting' where id = $1`, [DEMO_AGENT_IDS[0]]);
    await first.close();

    const second = await openDatabase(target);
    cleanup.push(() => second.close());
    expect(prepared.seeded).toBe(true);
    expect(await prepareDatabase(second)).toEqual({ applied: [], seeded: false });
    const [agent] = await second.query<{ greeting: string }>('select greeting from agents where id = $1', [
      DEMO_AGENT_IDS[0],
    ]);
    expect(agent?.greeting).toBe('Persisted greeting');
    const again = await ensureDemoKeys(second, {}, stateDir);
    expect(again.secretKey).toBe(keys.secretKey);
    const saved = JSON.parse(await readFile(join(stateDir, 'demo-keys.json'), 'utf8')) as {
      secretKey: string;
    };
    expect(saved.secretKey).toBe(keys.secretKey);
  });
});
