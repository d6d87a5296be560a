// Runs one edge function under real Deno (from the npm `deno` package), as Supabase would, on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { denoEnv } from '../../../tools/deploy/functionBundles.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// The binary itself: node_modules/.bin/deno is a shell shim, and a signal to the shim would orphan Deno.
export const denoBinary = `${repo}node_modules/deno/deno`;

export interface DenoFunction {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts function `name` from its source (with supabase/functions/deno.json), or from `bundle`: a single file
 * made by `deno bundle`, run with no configuration, lock or import map, as the platform runs a deployed one.
 */
export async function startDenoFunction(
  name: string,
  env: Record<string, string>,
  options: { bundle?: string } = {},
): Promise<DenoFunction> {
  const port = await freePort();
  const entry = options.bundle
    ? ['--no-config', '--no-lock', options.bundle]
    : ['--config', `${repo}supabase/functions/deno.json`, `${repo}supabase/functions/${name}/index.ts`];
  const child: ChildProcess = spawn(
    denoBinary,
    ['run', '--allow-net', '--allow-env', '--allow-read', ...entry],
    {
      env: {
        ...denoEnv(),
        ...env,
        PORT: String(port),
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`deno exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${url}/${name}`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`deno did not listen within 90 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url: `${url}/${name}`,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
