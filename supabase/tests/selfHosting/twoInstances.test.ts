// `pnpm serve` as a company runs it: two instances of the production server on one PostgreSQL 15, started at
// once on an empty database, serving chat streams and API requests while one of them is restarted. Nothing a
// client sent is lost: the stopping instance finishes its running streams before it exits, the other keeps
// answering, and the restarted one comes back on the same schema.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDatabase } from '../helpers/databases.ts';
import { freePort } from '../helpers/denoFunction.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Instance {
  url: string;
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function startInstance(databaseUrl: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', `${repo}packages/server/src/main.ts`],
    {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        CLOSER_OFFLINE_WORD_MS: '40',
        CLOSER_SHUTDOWN_GRACE_MS: '20000',
        // Both instances run the outbox workers; the web sources read a site on 127.0.0.1.
        CLOSER_SOURCES_INTERVAL_MS: '200',
        ALLOW_PRIVATE_CRAWL: 'true',
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let attempt = 0; !output.includes('"msg":"listening"'); attempt++) {
    if (child.exitCode !== null || attempt > 600) throw new Error(`the server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `http://127.0.0.1:${port}/functions/v1`, process: child, output: () => output, exited };
}

let db: Database;
let site: TestSite;
let databaseUrl: string;
let tenant: TenantFixture;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  const empty = await emptyDatabase('postgres');
  databaseUrl = empty.url!;
  await empty.close();
  [a, b] = await Promise.all([startInstance(databaseUrl), startInstance(databaseUrl)]);
  db = createPostgresDatabase(databaseUrl);
  tenant = await createTenant(db, 'Acme');
}, 120_000);

afterAll(async () => {
  await site?.close();
  for (const instance of [a, b]) if (instance?.process.exitCode === null) instance.process.kill('SIGKILL');
  await db?.close();
});

const asTenant = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: {
    authorization: `Bearer ${tenant.secretKey}`,
    'content-type': 'application/json',
    ...init.headers,
  },
});

/** A chat stream that has started: the instance answered with its headers. */
const openChat = (instance: Instance, message: string) =>
  fetch(
    `${instance.url}/chat`,
    asTenant({
      method: 'POST',
      headers: { accept: 'text/event-stream' },
      body: JSON.stringify({ agentId: tenant.agentId, message }),
    }),
  );

async function readChat(response: Response) {
  const { events } = await readSse(response);
  return { status: response.status, events };
}

describe('two production servers on one PostgreSQL', () => {
  it('both came up from one empty database, each migration applied once between them', async () => {
    const rows = await db.query<{ n: number; distinct_n: number }>(
      'select count(*)::int as n, count(distinct version)::int as distinct_n from supabase_migrations.schema_migrations',
    );
    expect(rows[0]!.n).toBe(rows[0]!.distinct_n);
    expect(rows[0]!.n).toBeGreaterThan(10);
    const applied = [a, b].map((i) => Number(/"migrationsApplied":(\d+)/.exec(i.output())?.[1]));
    expect(applied[0]! + applied[1]!).toBe(rows[0]!.n);
  });

  it('keeps serving while one restarts: running streams finish, no request fails', async () => {
    // Every stream running before A is stopped (a pause here let a loaded machine stop A before it took them).
    const opened = await Promise.all(
      [a, a, a, b, b].map((instance, i) => openChat(instance, `How much does it cost? (${i})`)),
    );
    const streams = opened.map(readChat);
    const stopping = a;
    stopping.process.kill('SIGTERM');
    // While A drains and stays down, B answers every request.
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      answers.push((await fetch(`${b.url}/agents`, asTenant())).status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finished = await Promise.all(streams);
    expect(await stopping.exited).toBe(0);
    a = await startInstance(databaseUrl);
    expect(answers.every((status) => status === 200)).toBe(true);
    for (const { status, events } of finished) {
      expect(status).toBe(200);
      expect(events.at(-1)?.event).toBe('done');
      expect(text(events).length).toBeGreaterThan(0);
    }
    expect(stopping.output()).toContain('"msg":"draining"');
    expect(stopping.output()).toContain('"msg":"stopped"');
  }, 120_000);

  it('the restarted instance applies nothing and serves the same data', async () => {
    expect(a.output()).toContain('"migrationsApplied":0');
    const response = await fetch(`${a.url}/agents/${tenant.agentId}`, asTenant());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe(tenant.agentId);
  });

  it('runs each outbox job once between them: 30 web sources, each page read once, each item stored once', async () => {
    site = await startTestSite();
    const urls = Array.from({ length: 30 }, (_, i) => `/page-${i}`);
    for (const [i, path] of urls.entries())
      site.pages.set(path, htmlPage(`Page ${i}`, [`Solar fact number ${i}. `.repeat(30)]));
    const created = await Promise.all(
      urls.map((path, i) =>
        fetch(
          `${(i % 2 ? a : b).url}/agents/${tenant.agentId}/sources`,
          asTenant({
            method: 'POST',
            body: JSON.stringify({ kind: 'url', urls: [`${site.origin}${path}`] }),
          }),
        ),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(urls.map(() => 201));
    const ids = await Promise.all(created.map(async (r) => ((await r.json()) as { id: string }).id));
    const statusesNow = async () =>
      (
        await db.query<{ status: string }>(
          'select status from public.knowledge_sources where id = any ($1::uuid[])',
          [ids],
        )
      ).map((row) => row.status);
    // Until every source settles, however long a loaded machine takes (the test's own timeout bounds it).
    await expect
      .poll(statusesNow, { timeout: 110_000, interval: 200 })
      .toSatisfy(
        (statuses: string[]) =>
          statuses.length === 30 && statuses.every((status) => status === 'ready' || status === 'failed'),
      );
    const statuses = await statusesNow();
    expect(statuses.filter((status) => status === 'ready')).toHaveLength(30);
    for (const path of urls)
      expect(
        site.requests.filter((request) => request === path),
        path,
      ).toHaveLength(1);
    const items = await db.query<{ n: number; distinct_n: number }>(
      `select count(*)::int as n, count(distinct source_id)::int as distinct_n from public.company_knowledge
        where source_id = any ($1::uuid[])`,
      [ids],
    );
    expect(items[0]).toEqual({ n: 30, distinct_n: 30 });
    const runs = await db.query<{ n: number }>(
      `select count(*)::int as n from public.knowledge_source_runs where status = 'succeeded' and source_id = any ($1::uuid[])`,
      [ids],
    );
    expect(runs[0]!.n).toBe(30);
  }, 120_000);

  it('logs one JSON line per request with the organisation and route pattern, and never the key', async () => {
    const lines = b
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const agentsList = lines.find((line) => line.route === '/agents' && line.method === 'GET');
    expect(agentsList).toMatchObject({ level: 'info', status: 200, org: tenant.orgId, principal: 'secret' });
    expect(typeof agentsList?.requestId).toBe('string');
    expect(typeof agentsList?.latencyMs).toBe('number');
    expect(b.output()).not.toContain(tenant.secretKey);
  });
});
