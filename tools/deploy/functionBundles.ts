// Each edge function as the single JavaScript file Supabase deploys (config.toml's `entrypoint`): `deno bundle`
// of the function with every npm package inlined, resolved by Deno itself from deno.json's pinned versions and
// the frozen deno.lock — no node_modules, no import map left for the platform's bundler to interpret.
// `pnpm build:functions` writes supabase/functions/<name>/dist/index.js for every function.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoDir = fileURLToPath(new URL('../../', import.meta.url));
/** The Deno binary itself (node_modules/.bin/deno is a shell shim). */
export const denoBinary = join(repoDir, 'node_modules/deno/deno');

/** The functions of a repository copy: every folder of supabase/functions with an index.ts, `_shared` aside. */
export async function functionNamesIn(root: string): Promise<string[]> {
  const dir = join(root, 'supabase/functions');
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    if (await stat(join(dir, entry.name, 'index.ts')).catch(() => null)) names.push(entry.name);
  }
  return names.sort();
}

/** The repository's tracked files copied to `target`: what a fresh clone has, without any node_modules. */
export async function copyTrackedFiles(target: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: repoDir, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const exists = await stat(join(repoDir, file)).catch(() => null);
    if (!exists?.isFile()) continue; // deleted in the work tree but still in the index
    await mkdir(dirname(join(target, file)), { recursive: true });
    await cp(join(repoDir, file), join(target, file));
  }
}

// What Deno needs to reach the npm registry from this machine (a registry mirror, a proxy, a company CA).
const PASSED_THROUGH =
  /^(DENO_DIR|DENO_CERT|DENO_TLS_CA_STORE|NODE_EXTRA_CA_CERTS|NPM_CONFIG_REGISTRY|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|NO_PROXY)$/i;

export const denoEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => PASSED_THROUGH.test(key))),
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  NO_COLOR: '1',
});

/** `deno check` of every function of the repository at `root`, against the frozen lock. */
export async function checkFunctions(root: string, names: string[]): Promise<void> {
  await run(denoBinary, ['check', ...names.map((name) => `${name}/index.ts`)], {
    cwd: join(root, 'supabase/functions'),
    env: denoEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Bundles one function of the repository at `root` into `outFile`. */
export async function bundleFunction(root: string, name: string, outFile: string): Promise<void> {
  await run(
    denoBinary,
    ['bundle', '--platform', 'deno', '--packages', 'bundle', '-o', outFile, `${name}/index.ts`],
    {
      cwd: join(root, 'supabase/functions'),
      env: denoEnv(),
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = await functionNamesIn(repoDir);
  await checkFunctions(repoDir, names);
  for (const name of names) {
    const outFile = join(repoDir, 'supabase/functions', name, 'dist/index.js');
    await bundleFunction(repoDir, name, outFile);
    console.log(`bundled ${name} → ${outFile}`);
  }
}
