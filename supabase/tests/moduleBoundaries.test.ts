// The layout tells the architecture: a feature reads another feature's modules only through the boundary that
// feature names for it. Helpers every feature shares live in neutral modules (`_shared/env.ts`), not in one
// feature's configuration (here Kommo's, which booking once borrowed a duration reader from).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { millisecondsFrom } from '@closer/functions/_shared/env.ts';
import { ApiError } from '@closer/functions/_shared/http/errors.ts';
import { describe, expect, it } from 'vitest';

const functionsDir = join(import.meta.dirname, '../functions');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => e.name !== 'node_modules')
      .map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

describe('module boundaries', () => {
  it('only Kommo’s own modules read Kommo’s configuration', async () => {
    const outside: string[] = [];
    for (const file of await sourceFiles(functionsDir)) {
      const path = relative(functionsDir, file);
      if (path.startsWith('_shared/kommo/') || path.startsWith('kommo/')) continue;
      if (/from '[./]*(?:_shared\/)?kommo\/config\.ts'/.test(await readFile(file, 'utf8')))
        outside.push(path);
    }
    expect(outside).toEqual([]);
  });
});

describe('millisecondsFrom (a duration setting)', () => {
  it('reads milliseconds, falls back when unset or blank, and refuses anything else naming the setting', () => {
    expect(
      millisecondsFrom({ BOOKING_REQUEST_TIMEOUT_MS: '2500' }, 'BOOKING_REQUEST_TIMEOUT_MS', 10_000),
    ).toBe(2500);
    expect(millisecondsFrom({}, 'BOOKING_REQUEST_TIMEOUT_MS', 10_000)).toBe(10_000);
    expect(millisecondsFrom({ BOOKING_REQUEST_TIMEOUT_MS: ' ' }, 'BOOKING_REQUEST_TIMEOUT_MS', 10_000)).toBe(
      10_000,
    );
    for (const bad of ['-1', 'soon', 'Infinity']) {
      const read = () => millisecondsFrom({ KOMMO_REQUEST_TIMEOUT_MS: bad }, 'KOMMO_REQUEST_TIMEOUT_MS', 1);
      expect(read).toThrow(ApiError);
      expect(read).toThrow(`KOMMO_REQUEST_TIMEOUT_MS must be a number of milliseconds, not "${bad}"`);
    }
  });
});
