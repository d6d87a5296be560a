// A throwaway PostgreSQL (>= 15) cluster for tests: its own data directory and port, run as `postgres` when root.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresCluster {
  /** Connection URL of the cluster's `postgres` database. */
  url: string;
  port: number;
  /** Stops the server but keeps its data, as an outage would (open connections are cut). */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function binDir(): string {
  const override = process.env.CLOSER_PG_BIN;
  if (override) return override;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => v >= 15)
        .sort((a, b) => b - a)
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      'PostgreSQL >= 15 server binaries not found under /usr/lib/postgresql: install them with ' +
        '`apt-get install -y postgresql` (or set CLOSER_PG_BIN to the bin directory)',
    );
  }
  return join(root, String(versions[0]), 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `settings`: more server settings (`name=value`), e.g. to load pg_stat_statements for a bench. */
export async function startPostgresCluster(extra: { settings?: string[] } = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = await mkdtemp(join(tmpdir(), 'closer-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // initdb refuses to run as root: the cluster belongs to the `postgres` user.
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  // runuser sits in sbin, which a non-login PATH may lack.
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser'].find((path) => existsSync(path)) ?? 'runuser';
  const exec = (file: string, args: string[]) =>
    asRoot ? run(runuser, ['-u', 'postgres', '--', join(bin, file), ...args]) : run(join(bin, file), args);

  await exec('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const optionsFor = (port: number) =>
    [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      ...(extra.settings ?? []).map((setting) => `-c ${setting}`),
    ].join(' ');
  // A loaded machine can take more than pg_ctl's default minute to bring a cluster up.
  const startOn = (port: number) =>
    exec('pg_ctl', ['-D', data, '-o', optionsFor(port), '-l', join(dir, 'log'), '-w', '-t', '180', 'start']);
  // A free port can be taken by another process before the server binds it: then another port, twice at most.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await startOn(port);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const start = () => startOn(port);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async halt() {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async resume() {
      await start();
    },
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
