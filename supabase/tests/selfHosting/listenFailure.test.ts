// `pnpm serve` on a port another process holds: it says so and exits 1 (a supervisor restarts or alerts), where
// it used to sit there serving nothing, never exiting, its 'error' event swallowed by the process guards.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

it('exits 1 with "start failed" naming the address when the port is taken', async () => {
  const db = await migratedDatabase('postgres');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as { port: number };
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@closer/source', `${repo}packages/server/src/main.ts`],
      {
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1' },
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(1);
    const failure = output.split('\n').find((line) => line.includes('"start failed"'));
    expect(JSON.parse(failure ?? '{}')).toMatchObject({
      level: 'error',
      error: `ListenError: cannot listen on 127.0.0.1:${port}: the address is already in use by another process`,
    });
    expect(output).not.toContain('"msg":"listening"');
  } finally {
    holder.close();
    await db.close();
  }
}, 180_000);
