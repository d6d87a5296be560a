// `DATABASE_URL=… pnpm start --workers 2`: several serving processes share the port (node:cluster), each with its
// own pool on a real PostgreSQL. A serving process that dies is replaced while the other answers; the printed
// console link signs in once whichever process takes it; Ctrl-C stops them all; PGlite refuses to be shared; a
// taken port ends the start with exit 1.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  type PostgresCluster,
  startPostgresCluster,
} from '../../../supabase/tests/helpers/postgresCluster.ts';
import { DEMO_AGENT_IDS } from '../src/demoKeys.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
});
afterAll(async () => cluster?.stop());

/** Stacks started by a test, stopped after it whatever happened (a failed assertion must not leave one running). */
const started = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      for (const pid of await servingProcessesOf(child.pid!)) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }
  }
  started.clear();
});

function start(args: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', 'src/main.ts', ...args],
    { cwd: packageDir, env: { ...process.env, DATABASE_URL: '', CLOSER_WORKERS: '', ...env } },
  );
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => output.includes('Closer local stack ready') && resolve());
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  ready.catch(() => {});
  return { child, output: () => output, ready, exited };
}

/** A port nothing listens on now (the kernel's pick), and a listener holding it until `close()`. */
async function takePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as { port: number };
  return { port, close: () => new Promise((resolve) => holder.close(() => resolve())) };
}

/** The live serving processes whose parent is `pid`. */
async function servingProcessesOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (command.includes('servingProcess.ts')) found.push(Number(entry));
  }
  return found.sort((a, b) => a - b);
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gave up waiting');
}

it('serves chat from two processes on PostgreSQL, replaces one that dies, and stops them all', async () => {
  const { port, close } = await takePort();
  await close();
  const stack = start(['--port', String(port), '--workers', '2'], { DATABASE_URL: cluster.url });
  await stack.ready;
  expect(stack.output()).toContain('processes  2 serving');
  const secretKey = /secret key (sk_\S+)/.exec(stack.output())?.[1];
  const code = /\?local=(\S+)/.exec(stack.output())?.[1];
  const serving = await servingProcessesOf(stack.child.pid!);
  expect(serving).toHaveLength(2);
  const base = `http://127.0.0.1:${port}`;
  const post = (path: string, body: unknown, authorization?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      signal: AbortSignal.timeout(20_000),
      // A fresh connection each, taken by whichever process accepts it first.
      headers: {
        'content-type': 'application/json',
        connection: 'close',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(body),
    });

  // The printed console link signs in once, whichever process takes it, even asked of both at once; then in none.
  const together = await Promise.all(Array.from({ length: 8 }, () => post('/local/sign-in', { code })));
  expect(together.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(401)]);
  const again = await Promise.all(Array.from({ length: 8 }, () => post('/local/sign-in', { code })));
  expect(again.map((r) => r.status)).toEqual(Array(8).fill(401));

  const chat = async () => {
    const response = await post(
      '/functions/v1/chat',
      { agentId: DEMO_AGENT_IDS[0], message: 'How much does a system cost?' },
      `Bearer ${secretKey}`,
    );
    return { status: response.status, body: (await response.json()) as { message?: { status: string } } };
  };
  const turns = await Promise.all(Array.from({ length: 6 }, chat));
  expect(turns.map((t) => [t.status, t.body.message?.status])).toEqual(Array(6).fill([200, 'complete']));

  // One serving process killed outright (a request it held is lost with it): a replacement is started, and the
  // stack answers throughout.
  process.kill(serving[0]!, 'SIGKILL');
  const replaced = await until(
    () => servingProcessesOf(stack.child.pid!),
    (pids) => pids.length === 2 && !pids.includes(serving[0]!),
  );
  expect(replaced).toContain(serving[1]);
  expect(stack.output()).toContain(`serving process ${serving[0]} ended (SIGKILL); starting another`);
  const after = await Promise.all(Array.from({ length: 4 }, chat));
  expect(after.map((t) => [t.status, t.body.message?.status])).toEqual(Array(4).fill([200, 'complete']));

  stack.child.kill('SIGTERM');
  expect(await stack.exited).toBe(0);
  expect(stack.output()).toContain('Stopped cleanly.');
  expect(await servingProcessesOf(stack.child.pid!)).toEqual([]);
}, 180_000);

it('says the port is taken and exits 1 when the serving processes cannot listen', async () => {
  const taken = await takePort();
  try {
    const stack = start(['--port', String(taken.port), '--workers', '2'], { DATABASE_URL: cluster.url });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain(`cannot listen on 127.0.0.1:${taken.port}`);
    expect(await servingProcessesOf(stack.child.pid!)).toEqual([]);
  } finally {
    await taken.close();
  }
}, 180_000);

it('refuses --workers without DATABASE_URL: a PGlite database belongs to one process', async () => {
  const stack = start(['--memory', '--workers', '2', '--port', '0'], {});
  expect(await stack.exited).toBe(1);
  expect(stack.output()).toContain('--workers needs DATABASE_URL');
}, 180_000);

it('refuses --workers that is not a whole number of processes', async () => {
  const stack = start(['--memory', '--workers', 'two', '--port', '0'], {});
  expect(await stack.exited).toBe(1);
  expect(stack.output()).toContain('--workers must be a whole number from 1 to 64, not two');
}, 180_000);
