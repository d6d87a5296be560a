// Which network a request comes from, for per-address limits. Only a source the deployment trusts counts: a
// header its own proxy sets (counted from the right, where that proxy writes), else the connection's peer.
// Forwarding headers a client sends by itself are never believed.
import type { MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';
import type { Env } from '../env.ts';

/** What the server that accepted the connection knows about it; passed as Hono's env bindings. */
export interface ServerBindings {
  /** The connection's peer address (`socket.remoteAddress` in Node, `info.remoteAddr.hostname` in Deno). */
  clientAddress?: string | undefined;
}

export interface ClientAddressSettings {
  /** Lowercase name of the header the trusted proxy sets; null: trust no header, use the connection's peer. */
  header: string | null;
  /**
   * How many entries at the right end of that header the trusted proxies wrote: the client is the
   * `hops`-th entry from the right (`X-Forwarded-For: spoofed, client, proxy1` with 2 proxies → `client`).
   * @default 1
   */
  hops: number;
}

/** The header Cloudflare sets on the way to Supabase's gateway; the default on Supabase's edge runtime. */
export const SUPABASE_CLIENT_IP_HEADER = 'cf-connecting-ip';

const HEADER_NAME = /^[a-z0-9-]{1,64}$/;
const MAX_HOPS = 20;

function warn(message: string): void {
  console.error(JSON.stringify({ level: 'warn', where: 'client address', message }));
}

/**
 * Reads `CLOSER_CLIENT_IP_HEADER` (a header name, or `none`/empty for the peer address) and
 * `CLOSER_TRUSTED_PROXY_HOPS` (1..20). An invalid value is logged and ignored rather than stopping the function.
 */
export function clientAddressSettings(env: Env): ClientAddressSettings {
  const name = (env.CLOSER_CLIENT_IP_HEADER ?? '').trim().toLowerCase();
  let header: string | null = null;
  if (name && name !== 'none') {
    if (HEADER_NAME.test(name)) header = name;
    else warn(`CLOSER_CLIENT_IP_HEADER "${name}" is not a header name; the connection's peer is used`);
  }
  const hopsText = (env.CLOSER_TRUSTED_PROXY_HOPS ?? '').trim();
  let hops = 1;
  if (hopsText) {
    const parsed = Number(hopsText);
    if (Number.isInteger(parsed) && parsed >= 1 && parsed <= MAX_HOPS) hops = parsed;
    else warn(`CLOSER_TRUSTED_PROXY_HOPS "${hopsText}" is not 1..${MAX_HOPS}; 1 is used`);
  }
  return { header, hops };
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, `"::ffff:1.2.3.4"` → the address; anything else → null. */
export function parseAddress(value: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let text = value.trim().replace(/^"|"$/g, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)) return ipaddr.process(text);
  return null;
}

/**
 * The bucket an address is counted in: an IPv4 address as it is, an IPv6 address by its /64 network (one
 * subscriber usually holds a whole /64, so single IPv6 addresses would be free to rotate).
 */
export function addressBucket(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === 'ipv4') return address.toString();
  const network = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${network.join(':')}::/64`;
}

/**
 * The `for=` node of each element of an RFC 7239 `Forwarded` header, in order (one element per proxy):
 * `for=192.0.2.60;proto=http, for="[2001:db8::1]:443"` → `192.0.2.60`, `"[2001:db8::1]:443"`. An element
 * without `for=` keeps its place as an empty entry, so hops still count from the right.
 */
export function forwardedFor(value: string): string[] {
  const elements = value.match(/(?:"(?:[^"\\]|\\.)*"|[^,"])+|(?<=^|,)(?=,|$)/g) ?? [];
  return elements.map((element) => {
    for (const pair of element.split(';')) {
      const equals = pair.indexOf('=');
      if (equals > 0 && pair.slice(0, equals).trim().toLowerCase() === 'for') return pair.slice(equals + 1);
    }
    return '';
  });
}

/** The client's address bucket by the settings, or null when no trusted source names it. */
export function resolveClientAddress(
  headers: Headers,
  peer: string | undefined,
  settings: ClientAddressSettings,
): string | null {
  if (settings.header) {
    const value = headers.get(settings.header) ?? '';
    const entries = settings.header === 'forwarded' ? forwardedFor(value) : value.split(',');
    const entry = entries.length >= settings.hops ? entries[entries.length - settings.hops] : undefined;
    const address = entry ? parseAddress(entry) : null;
    // Behind a trusted proxy the peer is that proxy, shared by every visitor: never a fallback.
    return address ? addressBucket(address) : null;
  }
  const address = peer ? parseAddress(peer) : null;
  return address ? addressBucket(address) : null;
}

/** Sets `clientAddress` for the request (null when unknown; per-address limits then do not apply). */
export function clientAddress(
  settings: ClientAddressSettings,
): MiddlewareHandler<{ Bindings: ServerBindings; Variables: { clientAddress: string | null } }> {
  let warned = false;
  return async (c, next) => {
    const bindings = c.env as ServerBindings | undefined;
    const address = resolveClientAddress(c.req.raw.headers, bindings?.clientAddress, settings);
    if (address === null && !warned) {
      warned = true;
      warn(
        settings.header
          ? `no usable ${settings.header} header (CLOSER_CLIENT_IP_HEADER): per-address limits are skipped for such requests`
          : 'the connection address is unknown: per-address limits are skipped; set CLOSER_CLIENT_IP_HEADER behind a proxy',
      );
    }
    c.set('clientAddress', address);
    await next();
  };
}
