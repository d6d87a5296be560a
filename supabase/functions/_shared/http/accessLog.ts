// One JSON line per answered request (`CLOSER_ACCESS_LOG=json`; `pnpm serve` turns it on): request id,
// organisation, principal kind, route pattern, status and latency. No query strings, bodies or keys: the route
// pattern (`/agents/:id`) is logged, not the path. A stream is logged when its response starts.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app.ts';

export interface AccessLogLine {
  level: 'info';
  msg: 'request';
  requestId: string;
  method: string;
  route: string;
  status: number;
  latencyMs: number;
  org?: string;
  principal?: string;
}

export function accessLog(
  write: (line: string) => void = (line) => console.log(line),
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const principal = c.get('principal') as { kind: string; orgId?: string } | undefined;
    const line: AccessLogLine = {
      level: 'info',
      msg: 'request',
      requestId: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      ...(principal?.orgId ? { org: principal.orgId } : {}),
      ...(principal ? { principal: principal.kind } : {}),
    };
    write(JSON.stringify(line));
  };
}
