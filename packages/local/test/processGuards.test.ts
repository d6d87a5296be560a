// The local server's process guards: background failures are logged and the process keeps answering.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('keeps serving after an unhandled rejection and an uncaught exception, logging both', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', 'test/fixtures/failingBackground.ts'],
    { cwd: packageDir },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  // Both failures have happened once both are logged (however long a loaded machine takes).
  await expect
    .poll(() => stderr.includes('timer callback failed') && stderr.includes('background'))
    .toBe(true);
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { where: string; error: string });
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ where: 'unhandledRejection', error: 'Error: background write failed' }),
      expect.objectContaining({ where: 'uncaughtException', error: 'Error: timer callback failed' }),
    ]),
  );
  expect(child.exitCode).toBeNull();
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(await health.json()).toEqual({ status: 'ok' });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 120_000);
