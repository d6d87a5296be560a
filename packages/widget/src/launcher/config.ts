// Loads the agent's public configuration and sorts a failure into what a retry may fix (a dropped connection,
// a busy server) and what it never will (an origin not allowed, a paused agent, an unknown key, a wrong
// `data-api`). For the latter the chat stays hidden and the site owner gets one console message: reason and fix.
import type { ChatConfig } from '@closer/contract';

export type ConfigOutcome =
  | { kind: 'ok'; config: ChatConfig }
  /** A retry will not help: show nothing to visitors; `message` is for the site owner's console. */
  | { kind: 'fatal'; message: string }
  /** Worth another try later (on open, on send). */
  | { kind: 'transient'; reason: string };

const EXAMPLE_BASE = 'https://<project>.supabase.co/functions/v1';
/** A configuration request still unanswered after this long is given up (the bubble shows; opening tries again). */
const CONFIG_TIMEOUT_MS = 10_000;

export async function loadConfig(apiUrl: string, key: string, fetcher: typeof fetch): Promise<ConfigOutcome> {
  let response: Response;
  try {
    response = await fetcher(`${apiUrl}/chat/config`, {
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS),
    });
  } catch (error) {
    if ((error as Error)?.name === 'TimeoutError') {
      return {
        kind: 'transient',
        reason: `${apiUrl}/chat/config did not answer within ${CONFIG_TIMEOUT_MS / 1000} s`,
      };
    }
    // A wrong base URL usually surfaces as a CORS failure, which looks like a network error: ask `health`.
    return (await wrongBase(apiUrl, fetcher)) ?? { kind: 'transient', reason: String(error) };
  }
  const body = (await response.json().catch(() => null)) as
    | (ChatConfig & { error?: { code?: string; message?: string } })
    | null;
  if (response.ok && body && typeof body.agentId === 'string') return { kind: 'ok', config: body };
  const envelope = body?.error?.code ? body.error : null;
  // Closer's chat/config is never "not found" for a key: a 404 (even a JSON one, from a Closer server's paths
  // outside /functions/v1) means the base URL is wrong.
  if (!envelope || response.status === 404) {
    // Not Closer answering (an HTML page, another API): the base URL is wrong, unless a proxy is struggling.
    if (response.status >= 500) return { kind: 'transient', reason: `HTTP ${response.status}` };
    return {
      kind: 'fatal',
      message: wrongBaseMessage(apiUrl, `GET ${apiUrl}/chat/config answered HTTP ${response.status}`),
    };
  }
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return { kind: 'transient', reason: `${response.status} ${envelope.code}` };
  }
  return { kind: 'fatal', message: refusalMessage(response.status, envelope.message ?? '', key) };
}

function refusalMessage(status: number, said: string, key: string): string {
  const hidden = 'Closer: the chat is hidden on this page because';
  if (status === 401) {
    return `${hidden} the publishable key "${key.slice(0, 12)}…" is not valid (${said}). Fix: copy the agent's publishable key (pk_…) into data-key.`;
  }
  if (status === 403 && /paused/i.test(said)) {
    return `${hidden} the agent is paused (${said}). Fix: set the agent's status back to active in the dashboard or with the API.`;
  }
  // The document's origin (`self.origin`): "null" in a sandboxed frame even though its URL has a host.
  const origin = globalThis.origin ?? globalThis.location?.origin ?? 'this page';
  if (status === 403 && origin === 'null') {
    // An opaque origin names no site, so no allowedOrigins entry can admit it (and "null" must not).
    return `${hidden} the page has no origin of its own: it is in a sandboxed frame without allow-same-origin, or opened from a file (${said}). Fix: add allow-same-origin to the iframe's sandbox attribute, or serve the page over http(s) from an origin in the agent's allowedOrigins.`;
  }
  if (status === 403) {
    return `${hidden} its origin ${origin} is not in the agent's allowed origins (${said}). Fix: add "${origin}" (or a wildcard such as "https://*.example.com") to the agent's allowedOrigins.`;
  }
  return `${hidden} the agent's configuration could not be loaded: HTTP ${status}, ${said}`;
}

/** A fatal outcome when `apiUrl/health` does not answer as Closer's health function either. */
async function wrongBase(apiUrl: string, fetcher: typeof fetch): Promise<ConfigOutcome | null> {
  if (globalThis.navigator?.onLine === false) return null;
  try {
    const response = await fetcher(`${apiUrl}/health`);
    const body = (await response.json().catch(() => null)) as { status?: unknown; version?: unknown } | null;
    if (typeof body?.status === 'string' && typeof body.version === 'string') return null;
    return {
      kind: 'fatal',
      message: wrongBaseMessage(apiUrl, `GET ${apiUrl}/health answered HTTP ${response.status}`),
    };
  } catch {
    // Unreachable as well: only a base URL without the functions path is surely wrong; otherwise try again later.
    return /\/functions\/v1$/.test(apiUrl)
      ? null
      : { kind: 'fatal', message: wrongBaseMessage(apiUrl, `${apiUrl}/health cannot be reached`) };
  }
}

const wrongBaseMessage = (apiUrl: string, seen: string) =>
  `Closer: the chat is hidden on this page because data-api="${apiUrl}" is not the Closer API (${seen}). Fix: set data-api to the functions base URL, such as ${EXAMPLE_BASE}${/\/functions\/v1$/.test(apiUrl) ? '' : ` (it usually ends in /functions/v1)`}.`;
