// Whether the widget would load on a page: its origin must be allowed and the agent active.
import type { Agent } from '@closer/contract';

export type EmbedVerdict =
  | { kind: 'invalid_url' }
  | { kind: 'loads'; origin: string }
  | { kind: 'origin_not_allowed'; origin: string }
  | { kind: 'paused'; origin: string };

export function embedVerdict(agent: Pick<Agent, 'allowedOrigins' | 'status'>, pageUrl: string): EmbedVerdict {
  let origin: string;
  try {
    const url = new URL(pageUrl.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'invalid_url' };
    origin = url.origin;
  } catch {
    return { kind: 'invalid_url' };
  }
  if (!originAllowed(agent.allowedOrigins, origin)) return { kind: 'origin_not_allowed', origin };
  if (agent.status !== 'active') return { kind: 'paused', origin };
  return { kind: 'loads', origin };
}

function originAllowed(allowed: readonly string[], origin: string): boolean {
  return allowed.includes('*') || allowed.some((entry) => entry === origin || wildcard(entry, origin));
}

function wildcard(pattern: string, origin: string): boolean {
  const match = /^(https?:\/\/)\*(\.[^*]+)$/.exec(pattern);
  if (!match) return false;
  const [, scheme, rest] = match as unknown as [string, string, string];
  if (!origin.startsWith(scheme) || !origin.endsWith(rest)) return false;
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(origin.slice(scheme.length, origin.length - rest.length));
}
