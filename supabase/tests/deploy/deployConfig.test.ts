// The deploy configuration agrees with the code: every function deploys from its bundle, and Deno runs the npm
// versions the Node tests run (pnpm-lock.yaml is the one place versions come from).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinnedImports, readDenoJson } from '../../../tools/deploy/denoImports.ts';
import { functionNamesIn, repoDir } from '../../../tools/deploy/functionBundles.ts';

describe('supabase/config.toml', () => {
  it('deploys every function, and only functions, from its bundle with the gateway JWT check off', async () => {
    const toml = await readFile(join(repoDir, 'supabase/config.toml'), 'utf8');
    const sections = [...toml.matchAll(/^\[functions\.([^\]]+)\]\n((?:[^[\n].*\n?)*)/gm)].map(
      ([, name, body]) => ({
        name: name!,
        body: body!,
      }),
    );
    expect(sections.map((section) => section.name).sort()).toEqual(await functionNamesIn(repoDir));
    for (const { name, body } of sections) {
      expect(body, name).toContain(`entrypoint = "./functions/${name}/dist/index.js"`);
      expect(body, name).toContain('verify_jwt = false');
      expect(body, name).not.toContain('import_map');
    }
  });
});

describe('supabase/functions/deno.json', () => {
  it('pins every npm import at the version pnpm installed (run `pnpm deno:imports` after a dependency change)', () => {
    const { imports } = readDenoJson();
    expect(imports).toEqual(pinnedImports(imports));
    for (const target of Object.values(imports))
      if (target.startsWith('npm:')) expect(target).toMatch(/@\d+\.\d+\.\d+(\/|$)/);
  });

  it('resolves without node_modules, against a frozen lock that holds each pinned version', async () => {
    const json = readDenoJson();
    expect(json.nodeModulesDir).toBe('none');
    expect(json.lock).toEqual({ path: './deno.lock', frozen: true });
    const lock = JSON.parse(await readFile(join(repoDir, 'supabase/functions/deno.lock'), 'utf8')) as {
      specifiers: Record<string, string>;
    };
    for (const target of Object.values(json.imports)) {
      const pinned = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@(\d+\.\d+\.\d+)/.exec(target);
      if (!pinned) continue;
      const [, name, version] = pinned;
      expect(lock.specifiers[`npm:${name}@${version}`], target).toMatch(
        new RegExp(`^${version!.replaceAll('.', '\\.')}(_|$)`),
      );
    }
  });
});
