// Every edge function under real Deno, with postgres.js against a real PostgreSQL: what Supabase runs.
import type { Readiness } from '@closer/contract';
import { functionNames } from '@closer/local/src/functions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from './helpers/databases.ts';
import { type DenoFunction, startDenoFunction } from './helpers/denoFunction.ts';

let databaseUrl: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const db = await migratedDatabase('postgres');
  databaseUrl = db.url ?? '';
  close = () => db.close();
});
afterAll(async () => close?.());

/** What each function must do under Deno; a function without an entry here fails the suite. */
const smoke: Record<string, (fn: DenoFunction) => Promise<void>> = {
  health: async (fn) => {
    const live = await fetch(fn.url);
    expect(await live.json()).toEqual({ status: 'ok', version: '0.1.0' });
    const ready = await fetch(`${fn.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Readiness;
    expect(body.checks.database).toMatchObject({ ok: true, detail: 'postgres reachable, schema present' });
    const missing = await fetch(`${fn.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBeTruthy();
  },
};

describe('functions under Deno against PostgreSQL', () => {
  it('has a smoke check for every function', () => {
    expect(Object.keys(smoke).sort()).toEqual([...functionNames].sort());
  });

  it.each(functionNames)(
    '%s serves over HTTP',
    async (name) => {
      const fn = await startDenoFunction(name, { SUPABASE_DB_URL: databaseUrl });
      try {
        await smoke[name]?.(fn);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- deno output ---\n${fn.output()}`);
      } finally {
        await fn.stop();
      }
    },
    120_000,
  );
});
