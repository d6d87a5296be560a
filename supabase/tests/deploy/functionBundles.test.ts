// The deploy check: from a copy of the repository with no node_modules, every function is type-checked by Deno
// (npm packages fetched by Deno itself at deno.json's pinned versions, deno.lock frozen), bundled into the single
// file Supabase deploys (config.toml's `entrypoint`), and that file is run under Deno against PostgreSQL.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readiness } from '@closer/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFunction,
  checkFunctions,
  copyTrackedFiles,
  functionNamesIn,
  repoDir,
} from '../../../tools/deploy/functionBundles.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { startDenoFunction } from '../helpers/denoFunction.ts';

let copy: string;
let names: string[];
let databaseUrl: string;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'closer-deploy-'));
  await copyTrackedFiles(copy);
  names = await functionNamesIn(copy);
  const db = await migratedDatabase('postgres');
  databaseUrl = db.url ?? '';
  closeDatabase = () => db.close();
}, 240_000);

afterAll(async () => {
  await closeDatabase?.();
  if (copy) await rm(copy, { recursive: true, force: true });
});

const bundlePath = (name: string) => join(copy, 'bundles', `${name}.js`);

describe('deploying the functions', () => {
  it('finds every function the local stack serves, in a copy without node_modules', async () => {
    expect(names).toEqual(await functionNamesIn(repoDir));
    expect(names).toContain('health');
    await expect(readFile(join(copy, 'supabase/functions/node_modules/.modules.yaml'))).rejects.toThrow();
  });

  it('type-checks every function with Deno against the frozen lock', async () => {
    await checkFunctions(copy, names);
  }, 240_000);

  it('bundles every function into one file that imports nothing but Node built-ins', async () => {
    for (const name of names) {
      await bundleFunction(copy, name, bundlePath(name));
      const code = await readFile(bundlePath(name), 'utf8');
      const imports = [...code.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
      expect(
        imports.filter((specifier) => !specifier.startsWith('node:')),
        name,
      ).toEqual([]);
      expect(code, name).not.toContain('npm:');
    }
  }, 240_000);

  it('runs the health bundle under Deno: /health/ready reaches PostgreSQL', async () => {
    const fn = await startDenoFunction(
      'health',
      { DATABASE_URL: databaseUrl },
      { bundle: bundlePath('health') },
    );
    try {
      const ready = await fetch(`${fn.url}/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as Readiness;
      expect(body.checks.database).toMatchObject({ ok: true });
    } finally {
      await fn.stop();
    }
  }, 120_000);

  it('starts every other bundle and answers with the error envelope, not a crash', async () => {
    for (const name of names.filter((n) => n !== 'health')) {
      const fn = await startDenoFunction(name, { DATABASE_URL: databaseUrl }, { bundle: bundlePath(name) });
      try {
        const response = await fetch(`${fn.url}/__deploy-check`, {
          headers: { authorization: 'Bearer sk_nope' },
        });
        expect(response.status, name).toBeGreaterThanOrEqual(400);
        expect(response.status, name).toBeLessThan(500);
        expect(response.headers.get('x-request-id'), name).toBeTruthy();
        const body = (await response.json()) as { error?: { code?: string } };
        expect(typeof body.error?.code, name).toBe('string');
      } finally {
        await fn.stop();
      }
    }
  }, 240_000);
});
