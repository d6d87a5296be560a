// Publishing to the local registry: Closer's packages through `pnpm publish` (exactly what the release pipeline
// runs), and their third-party dependencies from the copies installed in this workspace, uploaded with the npm
// registry's publish request (PUT of the package document with the tarball attached), so a consumer install is
// complete without the registry reaching the internet.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LocalRegistry } from './localRegistry.ts';

const run = promisify(execFile);

/** This process's environment without the `npm_config_*` settings pnpm passes to scripts (they confuse npm). */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key)));
}

export const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  publishConfig?: unknown;
  [field: string]: unknown;
}

async function withNpmrc<T>(registry: LocalRegistry, work: (userconfig: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'closer-npmrc-'));
  const userconfig = join(dir, '.npmrc');
  await writeFile(userconfig, registry.npmrc);
  try {
    return await work(userconfig);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `pnpm publish` of `packages/<name>` to the local registry (never anywhere else: the registry is explicit). */
export async function publishWorkspacePackage(registry: LocalRegistry, name: string): Promise<void> {
  await withNpmrc(registry, (userconfig) =>
    run('pnpm', ['publish', '--registry', registry.url, '--no-git-checks'], {
      cwd: join(repo, 'packages', name),
      env: { ...childEnv(), npm_config_userconfig: userconfig },
    }),
  );
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Where `dependency` is installed for the package in `dir` (pnpm links it beside the package or in its own node_modules). */
async function installedDir(dir: string, dependency: string): Promise<string | null> {
  for (let at = dir; at !== dirname(at); at = dirname(at)) {
    const candidate = join(at, 'node_modules', dependency);
    try {
      return await realpath(candidate);
    } catch {
      // not here: one level up
    }
    if (at.endsWith(`${sep}node_modules`)) {
      try {
        return await realpath(join(at, dependency));
      } catch {
        // keep walking
      }
    }
  }
  return null;
}

async function upload(registry: LocalRegistry, dir: string): Promise<void> {
  const manifest = await readManifest(dir);
  const packDir = await mkdtemp(join(tmpdir(), 'closer-pack-'));
  try {
    // An installed package directory holds exactly its published files; npm tarballs root them at `package/`.
    // pnpm's store hard-links identical files, which tar would write as link entries that npm does not extract.
    const file = join(packDir, 'package.tgz');
    await run('tar', ['-czf', file, '--hard-dereference', '--transform', 's,^\\.,package,', '-C', dir, '.']);
    const tarball = await readFile(file);
    const { publishConfig: _ignored, ...published } = manifest;
    const attachment = `${manifest.name}-${manifest.version}.tgz`;
    const document = {
      _id: manifest.name,
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          ...published,
          _id: `${manifest.name}@${manifest.version}`,
          dist: {
            shasum: createHash('sha1').update(tarball).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
            tarball: `${registry.url}${manifest.name}/-/${attachment}`,
          },
        },
      },
      _attachments: {
        [attachment]: {
          content_type: 'application/octet-stream',
          data: tarball.toString('base64'),
          length: tarball.length,
        },
      },
    };
    const token = /_authToken=(.+)$/m.exec(registry.npmrc)![1];
    const response = await fetch(`${registry.url}${manifest.name.replace('/', '%2f')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(document),
    });
    // The same version again (pnpm installs a package once per set of peers): already there.
    if (response.status === 409) return;
    if (!response.ok)
      throw new Error(`publishing ${manifest.name} failed: ${response.status} ${await response.text()}`);
  } finally {
    await rm(packDir, { recursive: true, force: true });
  }
}

/**
 * Publishes every third-party package the given workspace packages need at run time (dependencies and
 * non-optional peer dependencies, transitively), each at the version installed here.
 */
export async function publishInstalledDependencies(
  registry: LocalRegistry,
  packages: readonly string[],
): Promise<void> {
  const queue: { from: string; name: string }[] = [];
  const done = new Set<string>();
  const enqueue = async (dir: string) => {
    const manifest = await readManifest(dir);
    const optional = manifest.peerDependenciesMeta ?? {};
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !optional[peer]?.optional);
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...peers])
      if (!name.startsWith('@closer/')) queue.push({ from: dir, name });
  };
  for (const name of packages) await enqueue(join(repo, 'packages', name));
  while (queue.length > 0) {
    const { from, name } = queue.shift()!;
    const dir = await installedDir(from, name);
    if (!dir) throw new Error(`${name} (needed by ${from}) is not installed in the workspace`);
    if (done.has(dir)) continue;
    done.add(dir);
    await upload(registry, dir);
    await enqueue(dir);
  }
}
