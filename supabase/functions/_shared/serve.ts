// Starts a function app under Deno (Supabase edge runtime or plain `deno run`) with the postgres.js driver.
import type { Hono } from 'hono';
import { createPostgresDatabase } from './db/postgres.ts';
import type { Env } from './env.ts';
import type { AppEnv } from './http/app.ts';
import { SUPABASE_CLIENT_IP_HEADER } from './http/clientAddress.ts';
import { createRuntime, type Runtime } from './runtime.ts';

interface DenoLike {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port?: number; onListen?: (addr: { port: number }) => void },
    handler: (request: Request, info?: ServeInfo) => Response | Promise<Response>,
  ): unknown;
}

/** Deno.serve's second handler argument: a TCP peer has a hostname, a Unix socket a path. */
interface ServeInfo {
  remoteAddr: { hostname?: string } | { path: string };
}

export function databaseUrl(env: Env): string {
  const url = env.SUPABASE_DB_URL ?? env.DATABASE_URL;
  if (!url) throw new Error('Set SUPABASE_DB_URL (Supabase sets it) or DATABASE_URL');
  return url;
}

interface FailureEvent {
  preventDefault(): void;
  reason?: unknown;
  error?: unknown;
}

/**
 * Deno ends the process on an unhandled rejection or an uncaught error; one request's failure must not end
 * every other tenant's: log it (one JSON line) and keep serving.
 */
function keepServingOnFailures(): void {
  const target = globalThis as unknown as {
    addEventListener(type: string, listener: (event: FailureEvent) => void): void;
  };
  for (const type of ['unhandledrejection', 'error']) {
    target.addEventListener(type, (event) => {
      event.preventDefault();
      const failure = event.reason ?? event.error;
      console.error(
        JSON.stringify({
          level: 'error',
          where: type,
          error: String(failure),
          stack: failure instanceof Error ? failure.stack : undefined,
        }),
      );
    });
  }
}

export function serve(create: (runtime: Runtime) => Hono<AppEnv>): void {
  keepServingOnFailures();
  const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
  const env = deno.env.toObject();
  // On Supabase every connection comes from its gateway; the visitor's address is in the header Cloudflare
  // sets in front of it (docs/configuration.md). Elsewhere the peer is the visitor unless a proxy is declared.
  if ('EdgeRuntime' in globalThis) env.CLOSER_CLIENT_IP_HEADER ??= SUPABASE_CLIENT_IP_HEADER;
  const app = create(createRuntime(createPostgresDatabase(databaseUrl(env)), env));
  // The edge runtime picks its own port; PORT serves plain `deno run` (tests, self-hosting).
  deno.serve(env.PORT ? { port: Number(env.PORT) } : {}, (request, info) =>
    app.fetch(request, { clientAddress: peerHostname(info) }),
  );
}

function peerHostname(info: ServeInfo | undefined): string | undefined {
  const remote = info?.remoteAddr;
  return remote && 'hostname' in remote ? remote.hostname : undefined;
}
