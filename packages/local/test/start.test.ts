// `pnpm start` as a user runs it: a real process, a real port, Ctrl-C, and the data still there afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let stateDir = '';
afterAll(async () => stateDir && rm(stateDir, { recursive: true, force: true }));

function start(port: number, where = ['--data-dir', stateDir]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', 'src/main.ts', '--port', String(port), ...where],
    { cwd: packageDir, env: { ...process.env, DATABASE_URL: '' } },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Closer local stack ready')) resolve();
    });
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  // A stack that neither gets ready nor exits fails the test with what it printed, not a bare timeout.
  const stuck = (what: string) =>
    new Promise<never>((_, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what} within 90 s; it printed:\n${output}`)),
        90_000,
      );
      child.once('exit', () => clearTimeout(timer));
    });
  return { child, output: () => output, ready: Promise.race([ready, stuck('not ready')]) };
}

const exit = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** A port nothing listens on now (the kernel's pick), and a listener holding it until `close()`. */
async function takePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as { port: number };
  return { port, close: () => new Promise((resolve) => holder.close(() => resolve())) };
}
const freePort = async () => {
  const taken = await takePort();
  await taken.close();
  return taken.port;
};

it('says the port is taken and exits 1, instead of waiting forever', async () => {
  const taken = await takePort();
  try {
    const stack = start(taken.port, ['--memory']);
    stack.ready.catch(() => {});
    expect(await exit(stack.child)).toBe(1);
    expect(stack.output()).toContain(
      `cannot listen on 127.0.0.1:${taken.port}: the address is already in use`,
    );
    expect(stack.output()).toContain('pnpm start --port <n>');
  } finally {
    await taken.close();
  }
}, 180_000);

it('serves health/ready, stops cleanly on Ctrl-C and keeps its data', async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'closer-start-'));
  const port = await freePort();
  const first = start(port);
  await first.ready;
  const migrations = (await readdir(new URL('../../../supabase/migrations', import.meta.url))).length;
  expect(first.output()).toContain(`${migrations} migration(s) applied, demo data seeded`);
  const secretKey = /secret key (sk_\S+)/.exec(first.output())?.[1];
  expect(secretKey).toBeTruthy();
  const ready = await fetch(`http://127.0.0.1:${port}/functions/v1/health/ready`);
  expect(ready.status).toBe(200);
  // The printed console link signs the demo owner in, once.
  const link = /console +(http:\/\/\S+)/.exec(first.output())?.[1];
  expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/console/\\?local=[A-Za-z0-9_-]{43}$`));
  const code = new URL(link!).searchParams.get('local');
  const exchange = () =>
    fetch(`http://127.0.0.1:${port}/local/sign-in`, { method: 'POST', body: JSON.stringify({ code }) });
  const signedIn = await exchange();
  expect(((await signedIn.json()) as { user: { email: string } }).user.email).toBe('owner@demo.closer.local');
  expect((await exchange()).status).toBe(401);
  // A webhook endpoint can be made: the stack seals its secret with the key it remembers in the data directory.
  const endpoint = await fetch(`http://127.0.0.1:${port}/functions/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://hooks.example.com/closer', eventTypes: ['lead.created'] }),
  });
  expect(endpoint.status).toBe(201);
  const key = await readFile(join(stateDir, 'encryption-key'), 'utf8');

  first.child.kill('SIGINT');
  expect(await exit(first.child), first.output()).toBe(0);
  expect(first.output()).toContain('Stopped cleanly.');

  const second = start(await freePort());
  await second.ready;
  expect(second.output()).toMatch(/0 migration\(s\) applied\n/);
  expect(second.output()).toContain(`secret key ${secretKey}`);
  expect(await readFile(join(stateDir, 'encryption-key'), 'utf8')).toBe(key);
  second.child.kill('SIGTERM');
  expect(await exit(second.child), second.output()).toBe(0);
}, 180_000);
