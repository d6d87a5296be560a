// closer.js, the script tag: `<script src=".../closer.js" data-key="pk_…" data-api="https://…/functions/v1" async>`.
// A launcher of a few KB: it mounts the bubble from the tag's data- attributes, replays the calls the page
// queued on the stub (`Closer('open')` and `Closer.send(…)` alike) and loads closer-panel.js from beside itself
// when the visitor shows interest.
import type { MountOptions, MountPanel } from './launcher/bridge.ts';
import { createLauncher, type Widget } from './launcher/launcher.ts';

type Call = [string, ...unknown[]];
type Stub = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };
/** `window.Closer`: both `Closer.open()` and the queued style `Closer('open')` work. */
export type CloserGlobal = Widget & ((method: string, ...args: unknown[]) => unknown);

const win = window as unknown as { Closer?: Stub | CloserGlobal; __closerPanel?: MountPanel };
const script = document.currentScript as HTMLScriptElement | null;
/** Where closer-panel.js lives: beside this script (a CDN, the site's own origin). */
const panelUrl = new URL('closer-panel.js', script?.src || document.baseURI).href;

type TrustedTypesApi = {
  createPolicy(
    name: string,
    rules: { createScriptURL(url: string): string },
  ): {
    createScriptURL(url: string): string;
  };
};
let policy: { createScriptURL(url: string): string } | null | undefined;
/**
 * The panel's URL as the page's Trusted Types want it (`require-trusted-types-for 'script'` refuses a plain
 * string for `script.src`): a policy named `closer` that passes only closer-panel.js. Without Trusted Types,
 * or when the page's `trusted-types` list leaves `closer` out, the plain string.
 */
function scriptUrl(url: string): string {
  if (policy === undefined) {
    const api = (globalThis as { trustedTypes?: TrustedTypesApi }).trustedTypes;
    try {
      policy = api?.createPolicy('closer', {
        createScriptURL: (asked) => {
          if (asked !== panelUrl) throw new TypeError(`Closer loads only ${panelUrl}`);
          return asked;
        },
      });
    } catch {
      policy = null;
    }
  }
  return policy ? policy.createScriptURL(url) : url;
}

/** Injects closer-panel.js as a classic script (no CORS needed, allowed wherever closer.js was). */
function loadPanel(): Promise<MountPanel> {
  if (win.__closerPanel) return Promise.resolve(win.__closerPanel);
  return new Promise((resolve, reject) => {
    const tag = document.createElement('script');
    try {
      tag.src = scriptUrl(panelUrl);
    } catch (error) {
      reject(
        new Error(
          `${(error as Error).message} Fix: allow the Trusted Types policy "closer" in the page's Content-Security-Policy (trusted-types closer …)`,
        ),
      );
      return;
    }
    tag.async = true;
    const nonce = script?.nonce;
    if (nonce) tag.nonce = nonce;
    tag.onload = () =>
      win.__closerPanel ? resolve(win.__closerPanel) : reject(new Error(`${panelUrl} did not register`));
    tag.onerror = () => {
      tag.remove();
      reject(new Error(`${panelUrl} could not be downloaded`));
    };
    (document.head ?? document.documentElement).appendChild(tag);
  });
}

function boot() {
  const existing = win.Closer;
  if (existing && (existing as { loaded?: boolean }).loaded) return; // loaded twice
  const queued = Array.from((existing as Stub | undefined)?.q ?? [], (args) => Array.from(args) as Call);
  const init = queued.find(([method]) => method === 'init')?.[1] as Partial<MountOptions> | undefined;
  const data = script?.dataset ?? {};
  const target = data.target ? (document.querySelector(data.target) as HTMLElement | null) : null;
  const theme = data.theme as MountOptions['theme'] | undefined;
  const options: MountOptions = {
    publishableKey: data.key ?? '',
    apiUrl: data.api ?? '',
    ...(target ? { target } : {}),
    ...(data.locale ? { locale: data.locale } : {}),
    ...(theme ? { theme } : {}),
    ...(data.open === 'true' ? { open: true } : {}),
    ...init,
  };
  let widget: Widget;
  try {
    widget = createLauncher(options, loadPanel);
  } catch (error) {
    console.error(`${(error as Error).message}: set data-key and data-api on the script tag`);
    return;
  }
  const call = (method: string, ...args: unknown[]) => {
    if (method === 'init') return undefined;
    const fn = (widget as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') {
      console.error(`Closer: there is no method "${method}"`);
      return undefined;
    }
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  const api = Object.assign(call, { loaded: true }) as unknown as CloserGlobal;
  for (const name of ['open', 'close', 'toggle', 'send', 'identify', 'on', 'off', 'destroy'] as const) {
    (api as unknown as Record<string, unknown>)[name] = widget[name];
  }
  Object.defineProperty(api, 'ready', { get: () => widget.ready });
  win.Closer = api;
  for (const [method, ...args] of queued) call(method, ...args);
}

// The page's own load comes first: the launcher starts after the `load` event (or at most 2 s after the DOM is
// ready, for a page whose images keep `load` waiting), so it adds nothing to the page's main-thread work before
// then beyond reading this script.
let booted = false;
const bootOnce = () => {
  if (booted) return;
  booted = true;
  boot();
};
if (document.readyState === 'complete') bootOnce();
else {
  addEventListener('load', bootOnce, { once: true });
  const soon = () => setTimeout(bootOnce, 2000);
  if (document.readyState === 'interactive') soon();
  else document.addEventListener('DOMContentLoaded', soon, { once: true });
}
