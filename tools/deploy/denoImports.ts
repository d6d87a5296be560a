// Deno's import map pins each npm package at the version pnpm installed for the functions (pnpm-lock.yaml is the
// one place versions come from): the Deno runs, the deploy bundles and the Node tests all use the same code.
// `pnpm deno:imports` rewrites supabase/functions/deno.json after a dependency change; a test fails until then.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const functionsDir = fileURLToPath(new URL('../../supabase/functions/', import.meta.url));
export const denoJsonPath = join(functionsDir, 'deno.json');

interface DenoJson {
  imports: Record<string, string>;
  [key: string]: unknown;
}

// npm:name@range and npm:/name@range/ (a directory mapping), name possibly scoped.
const NPM_TARGET = /^npm:(\/?)((?:@[^/@]+\/)?[^/@]+)@([^/]+)(\/.*)?$/;

/** The version pnpm installed for the functions package (a dependency or dev dependency of it). */
export function installedVersion(name: string): string {
  const dir = realpathSync(join(functionsDir, 'node_modules', name));
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

export function readDenoJson(): DenoJson {
  return JSON.parse(readFileSync(denoJsonPath, 'utf8')) as DenoJson;
}

/** deno.json's imports with every npm target pinned to the installed version. */
export function pinnedImports(imports: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(imports).map(([key, target]) => {
      const npm = NPM_TARGET.exec(target);
      if (!npm) return [key, target];
      const [, slash, name, , rest] = npm;
      return [key, `npm:${slash}${name}@${installedVersion(name!)}${rest ?? ''}`];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = readDenoJson();
  json.imports = pinnedImports(json.imports);
  writeFileSync(denoJsonPath, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`pinned ${Object.keys(json.imports).length} imports in ${denoJsonPath}`);
}
