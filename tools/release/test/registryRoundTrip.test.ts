// The published packages as a developer outside this repository gets them: @closer/contract, @closer/sdk and
// @closer/widget go through `pnpm publish` (the release pipeline's own packing: publishConfig, workspace: ranges)
// to a real local registry, are installed with npm and with pnpm into empty directories outside the workspace,
// and are used there: docs/sdk.md's quick start under Node (ESM and CommonJS) against the local stack, a typed
// usage file under `tsc` with node16 and bundler resolution, and a bundle of a page that imports the widget.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startLocalRegistry } from '../localRegistry.ts';
import { childEnv, publishInstalledDependencies, publishWorkspacePackage, repo } from '../publish.ts';

const run = promisify(execFile);
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const PUBLISHED = ['contract', 'sdk', 'widget'] as const;

let registry: LocalRegistry;
let db: Database;
let apiUrl: string;
let secretKey: string;
let closeStack: () => Promise<void>;

async function startStack(): Promise<void> {
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const demo = await ensureDemoKeys(db, {}, null);
  secretKey = demo.secretKey!;
  const app = createLocalApp(createRuntime(db, { CLOSER_OFFLINE_WORD_MS: '0' }), demo);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1`;
  closeStack = async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  };
}

/** The first TypeScript block of docs/sdk.md, pointed at the local stack instead of the placeholder project. */
async function quickStart(): Promise<string> {
  const doc = await readFile(join(repo, 'docs/sdk.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block?.includes('createClient')) throw new Error('docs/sdk.md lost its quick start');
  const pointed = block.replace(/url: '[^']*'/, 'url: process.env.CLOSER_URL');
  if (pointed === block) throw new Error("docs/sdk.md's quick start no longer sets `url: '…'`");
  return pointed;
}

const asCommonJs = (esm: string) =>
  `(async () => {\n${esm.replace(/import \{ (\w+) \} from '(@closer\/sdk)';/, "const { $1 } = require('$2');")}\n})().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`;

const typedUsage = `import { type Agent, CloserError, createClient } from '@closer/sdk';
import { createChatClient } from '@closer/sdk/chat';
import { mount, type MountOptions } from '@closer/widget';

const closer = createClient({ url: 'http://localhost:54321/functions/v1', secretKey: 'sk_test' });

export async function agentNames(): Promise<string[]> {
  const page = await closer.agents.list({ limit: 5 });
  return page.data.map((agent: Agent) => agent.name);
}

export function isApiError(error: unknown): boolean {
  return error instanceof CloserError;
}

export const chat = createChatClient({ url: 'http://localhost:54321/functions/v1', publishableKey: 'pk_test' });

export const options: MountOptions = { publishableKey: 'pk_test', apiUrl: 'http://localhost:54321/functions/v1' };
export const show = () => mount(options);

// Types that resolved to \`any\` would make these directives unused, and tsc would fail.
// @ts-expect-error an agent's name is a string
void closer.agents.create({ name: 42 });
// @ts-expect-error the widget needs its publishable key
void mount({ apiUrl: 'http://localhost:54321/functions/v1' });
`;

function tsconfig(resolution: 'node16' | 'bundler'): string {
  const module = resolution === 'node16' ? 'node16' : 'esnext';
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module,
      moduleResolution: resolution,
      lib: ['es2022', 'dom', 'dom.iterable'],
      types: [],
      skipLibCheck: false,
    },
    files: ['usage.ts'],
  });
}

async function consumer(manager: 'npm' | 'pnpm'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `closer-consumer-${manager}-`));
  const manifest = {
    name: `closer-consumer-${manager}`,
    private: true,
    type: 'module',
    dependencies: {
      '@closer/sdk': '^0.1.0',
      '@closer/widget': '^0.1.0',
      preact: '^10.27.0',
      '@preact/signals': '^2.3.0',
    },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(join(dir, '.npmrc'), registry.npmrc);
  const env = { ...childEnv(), npm_config_userconfig: join(dir, '.npmrc') };
  if (manager === 'npm')
    await run('npm', ['install', '--no-audit', '--no-fund', '--cache', join(dir, '.npm-cache')], {
      cwd: dir,
      env,
    });
  else
    await run('pnpm', ['install', '--store-dir', join(dir, '.pnpm-store'), '--ignore-workspace'], {
      cwd: dir,
      env,
    });
  return dir;
}

beforeAll(async () => {
  for (const name of PUBLISHED)
    if (!existsSync(join(repo, 'packages', name, 'dist')))
      throw new Error('Build the packages first: pnpm build');
  registry = await startLocalRegistry();
  for (const name of PUBLISHED) await publishWorkspacePackage(registry, name);
  await publishInstalledDependencies(registry, PUBLISHED);
  await startStack();
}, 240_000);

afterAll(async () => {
  await closeStack?.();
  await registry?.close();
});

describe('what the registry serves', () => {
  it('carries no source files and no private export condition', async () => {
    for (const name of PUBLISHED) {
      const packument = (await (await fetch(`${registry.url}@closer%2f${name}`)).json()) as {
        versions: Record<string, { exports: unknown; dependencies?: Record<string, string> }>;
      };
      const [version] = Object.values(packument.versions);
      expect(JSON.stringify(version!.exports)).not.toContain('@closer/source');
      expect(JSON.stringify(version!.exports)).not.toContain('./src/');
      for (const range of Object.values(version!.dependencies ?? {}))
        expect(range).not.toMatch(/^workspace:/);
    }
  });

  it('keeps every workspace export in the published manifest', async () => {
    for (const name of PUBLISHED) {
      const manifest = JSON.parse(await readFile(join(repo, 'packages', name, 'package.json'), 'utf8'));
      expect(Object.keys(manifest.publishConfig.exports)).toEqual(Object.keys(manifest.exports));
    }
  });
});

describe.each(['npm', 'pnpm'] as const)('installed with %s outside the workspace', (manager) => {
  let dir: string;
  beforeAll(async () => {
    dir = await consumer(manager);
  }, 180_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...childEnv(), CLOSER_URL: apiUrl, CLOSER_SECRET_KEY: secretKey });

  async function agentsNamed(name: string): Promise<number> {
    const rows = await db.query<{ n: number }>(
      'select count(*)::int as n from public.agents where name = $1',
      [name],
    );
    return rows[0]!.n;
  }

  it("runs docs/sdk.md's quick start as an ES module", async () => {
    const before = await agentsNamed('Lumen Books');
    await writeFile(join(dir, 'quick-start.mjs'), await quickStart());
    const { stdout } = await run('node', ['quick-start.mjs'], { cwd: dir, env: env() });
    expect(stdout.trim().length).toBeGreaterThan(10);
    expect(await agentsNamed('Lumen Books')).toBe(before + 1);
  }, 60_000);

  it("runs docs/sdk.md's quick start through require()", async () => {
    const before = await agentsNamed('Lumen Books');
    await writeFile(join(dir, 'quick-start.cjs'), asCommonJs(await quickStart()));
    const { stdout } = await run('node', ['quick-start.cjs'], { cwd: dir, env: env() });
    expect(stdout.trim().length).toBeGreaterThan(10);
    expect(await agentsNamed('Lumen Books')).toBe(before + 1);
  }, 60_000);

  it.each(['node16', 'bundler'] as const)(
    'type-checks a typed usage with %s resolution',
    async (resolution) => {
      await writeFile(join(dir, 'usage.ts'), typedUsage);
      await writeFile(join(dir, `tsconfig.${resolution}.json`), tsconfig(resolution));
      await run(bin('tsc'), ['-p', `tsconfig.${resolution}.json`], { cwd: dir });
    },
    60_000,
  );

  it('bundles a page that imports the widget, panel included', async () => {
    await writeFile(
      join(dir, 'page.js'),
      "import { mount } from '@closer/widget';\nmount({ publishableKey: 'pk_test', apiUrl: '/functions/v1' });\n",
    );
    await run(bin('esbuild'), ['page.js', '--bundle', '--format=esm', '--outfile=out/page.js'], { cwd: dir });
    const bundle = await readFile(join(dir, 'out/page.js'), 'utf8');
    expect(bundle).toContain('Leave your details and we will get back to you');
    expect(bundle).toMatch(/function mount\(/);
  }, 60_000);

  it('bundles the script-tag entry for its side effects', async () => {
    await writeFile(join(dir, 'tag.js'), "import '@closer/widget/closer.js';\n");
    await run(bin('esbuild'), ['tag.js', '--bundle', '--outfile=out/tag.js'], { cwd: dir });
    expect((await readFile(join(dir, 'out/tag.js'), 'utf8')).length).toBeGreaterThan(5_000);
  }, 60_000);
});
