// The script tag: `<script src=".../closer.js" data-key="pk_…" data-api="https://…/functions/v1" async>`.
// Mounts the bubble from the tag's data- attributes, then replays the calls the page queued on the stub
// (`Closer('open')`, `Closer('on', 'lead', fn)`, …) before the script arrived.
import { type MountOptions, mount, type Widget } from './mount.ts';

type Call = [string, ...unknown[]];
type Stub = ((...args: unknown[]) => void) & { q?: ArrayLike<unknown>[] };
/** `window.Closer`: both `Closer.open()` and the queued style `Closer('open')` work. */
export type CloserGlobal = Widget & ((method: string, ...args: unknown[]) => unknown);

const win = window as unknown as { Closer?: Stub | CloserGlobal };
const script = document.currentScript as HTMLScriptElement | null;

function boot() {
  const existing = win.Closer;
  if (existing && typeof (existing as CloserGlobal).destroy === 'function') return; // loaded twice
  const queued = Array.from((existing as Stub | undefined)?.q ?? [], (args) => Array.from(args) as Call);
  const init = queued.find(([method]) => method === 'init')?.[1] as Partial<MountOptions> | undefined;
  const data = script?.dataset ?? {};
  const targetSelector = data.target;
  const target = targetSelector ? (document.querySelector(targetSelector) as HTMLElement | null) : null;
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
    widget = mount(options);
  } catch (error) {
    console.error(`${(error as Error).message}: set data-key and data-api on the script tag`);
    return;
  }
  const call = (method: string, ...args: unknown[]) => {
    const fn = (widget as unknown as Record<string, unknown>)[method];
    if (method === 'init') return undefined;
    if (typeof fn !== 'function') {
      console.error(`Closer: there is no method "${method}"`);
      return undefined;
    }
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  win.Closer = Object.assign(call, widget) as CloserGlobal;
  for (const [method, ...args] of queued) call(method, ...args);
}

if (document.body) boot();
else document.addEventListener('DOMContentLoaded', boot, { once: true });
