// The launcher: what a page loads before any visitor shows interest. It reads the agent's configuration, draws
// the bubble (with the unread badge), holds the page's API and event listeners, opens by itself after the
// agent's delay, and loads the panel on intent: hover, focus, click, an API call, the proactive open, or the
// browser's first idle moment after the page has loaded. No Preact, no SDK: a few KB.
import type { ChatConfig } from '@closer/contract';
import { adopt } from './adopt.ts';
import type {
  MountOptions,
  MountPanel,
  PanelBridge,
  PanelHandle,
  Visitor,
  WidgetEventName,
  WidgetEvents,
} from './bridge.ts';
import { loadConfig } from './config.ts';
import { textOn } from './contrast.ts';
import { placeFloating } from './host.ts';
import css from './launcher.css?inline';
import { isRightToLeft, type LauncherWords, wordsFor } from './words.ts';

export interface Widget {
  open(): void;
  close(): void;
  toggle(): void;
  /** Sends a message as the visitor (the panel opens). Resolves when the reply has ended. */
  send(text: string): Promise<void>;
  /** Details the page knows about the visitor: sent with the next message and pre-filled in the lead form. */
  identify(visitor: Visitor): void;
  on<E extends WidgetEventName>(event: E, listener: WidgetEvents[E]): void;
  off<E extends WidgetEventName>(event: E, listener: WidgetEvents[E]): void;
  /** Removes the widget from the page and stops what it was doing. */
  destroy(): void;
  /**
   * Resolves when the agent's configuration, the panel and any saved conversation are loaded (reading it
   * loads the panel). Also resolves when the chat stays hidden because of its configuration.
   */
  readonly ready: Promise<void>;
}

const CHAT_ICON =
  'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 6v2h2v-2H7zm4 0v2h2v-2h-2zm4 0v2h2v-2h-2z';
const CLOSE_ICON =
  'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4L12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

export function createLauncher(options: MountOptions, loadPanel: () => Promise<MountPanel>): Widget {
  if (!options.publishableKey) throw new Error('Closer: a publishable key (pk_…) is required');
  if (!options.apiUrl) throw new Error('Closer: the API URL (…/functions/v1) is required');
  const apiUrl = options.apiUrl.replace(/(?<!\/)\/+$/, '');
  const inline = Boolean(options.target);
  const listeners = new Map<WidgetEventName, Set<(...args: never[]) => void>>();
  const fetcher: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  let config: ChatConfig | null = null;
  let hidden = false;
  let isOpen = false;
  let unread = 0;
  let visitor: Visitor = {};
  let panel: PanelHandle | null = null;
  let loading: Promise<PanelHandle | null> | null = null;
  let proactive: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;

  const host = document.createElement('closer-chat');
  const shadow = host.attachShadow({ mode: 'open' });
  adopt(shadow, css);
  const root = element('div', 'root');
  const slot = element('div', 'slot');
  root.append(slot);
  shadow.append(root);
  const bubble = inline ? null : bubbleButton();
  if (bubble) root.append(bubble);
  let unplace = () => host.remove();

  const words = (): LauncherWords => wordsFor(locale());
  const locale = () => options.locale ?? config?.locale ?? globalThis.navigator?.language ?? 'en';

  function emit<E extends WidgetEventName>(event: E, ...args: Parameters<WidgetEvents[E]>) {
    for (const listener of listeners.get(event) ?? []) {
      try {
        (listener as (...a: Parameters<WidgetEvents[E]>) => void)(...args);
      } catch (error) {
        console.error('Closer: an event listener failed', error);
      }
    }
  }

  /** The root's language, direction, theme and position, and the bubble's state, from what is known now. */
  function paint() {
    root.className = [
      'root',
      inline ? 'inline' : '',
      isOpen ? 'open' : '',
      options.theme ?? config?.theme.mode ?? 'auto',
    ]
      .filter(Boolean)
      .join(' ');
    root.lang = locale();
    root.dir = isRightToLeft(locale()) ? 'rtl' : 'ltr';
    root.dataset.position = config?.theme.position ?? 'right';
    if (config) {
      root.style.setProperty('--agent-accent', config.theme.accentColor);
      root.style.setProperty('--agent-accent-text', textOn(config.theme.accentColor));
    }
    if (!bubble) return;
    const w = words();
    bubble.setAttribute(
      'aria-label',
      isOpen ? w.close : unread > 0 ? `${w.open} (${w.unread(unread)})` : w.open,
    );
    bubble.setAttribute('aria-expanded', String(isOpen));
    if (isOpen && panel) bubble.setAttribute('aria-controls', 'closer-panel');
    else bubble.removeAttribute('aria-controls');
    bubble.replaceChildren(icon(isOpen ? CLOSE_ICON : CHAT_ICON));
    if (!isOpen && unread > 0) {
      const badge = element('span', 'badge');
      badge.setAttribute('aria-hidden', 'true');
      badge.textContent = String(unread);
      bubble.append(badge);
    }
  }

  function setOpen(next: boolean) {
    if (hidden || destroyed || isOpen === next) return;
    isOpen = next;
    if (next) unread = 0;
    paint();
    panel?.setOpen(next);
    if (next && !panel) void ensurePanel();
    emit(next ? 'open' : 'close');
  }

  /** Loads the panel once; a failed download can be tried again (the next intent or the Try again button). */
  function ensurePanel(): Promise<PanelHandle | null> {
    if (hidden || destroyed) return Promise.resolve(null);
    loading ??= (async () => {
      if (!config) await configure();
      if (hidden) return null;
      try {
        const mountPanel = await loadPanel();
        if (destroyed) return null;
        slot.replaceChildren();
        panel = mountPanel(bridge);
        paint();
        return panel;
      } catch (error) {
        console.error(
          `Closer: the chat panel could not be loaded: ${String((error as Error)?.message ?? error)}`,
        );
        loading = null;
        if (isOpen) showFallback();
        return null;
      }
    })();
    return loading;
  }

  function showFallback() {
    const box = element('div', 'fallback');
    box.setAttribute('role', 'alert');
    const text = element('span', '');
    text.textContent = words().unavailable;
    const retry = element('button', '') as HTMLButtonElement;
    retry.type = 'button';
    retry.textContent = words().retry;
    retry.addEventListener('click', () => void ensurePanel());
    box.append(text, retry);
    slot.replaceChildren(box);
  }

  const bridge: PanelBridge = {
    options: { ...options, apiUrl },
    get config() {
      return config;
    },
    host,
    slot,
    bubble,
    inline,
    get open() {
      return isOpen || inline;
    },
    get visitor() {
      return visitor;
    },
    setOpen,
    unread() {
      if (isOpen || inline) return;
      unread++;
      paint();
    },
    emit,
  };

  /** Loads the configuration: shows the bubble, or hides everything for good with one console message. */
  let configuring: Promise<void> | null = null;
  function configure(): Promise<void> {
    configuring ??= loadConfig(apiUrl, options.publishableKey, fetcher).then((outcome) => {
      configuring = null;
      if (destroyed) return;
      if (outcome.kind === 'fatal') {
        hidden = true;
        isOpen = false;
        unplace();
        console.error(outcome.message);
        return;
      }
      if (outcome.kind === 'transient') {
        console.warn(
          `Closer: could not load the agent's configuration yet (${outcome.reason}); will try again`,
        );
      } else {
        config = outcome.config;
        panel?.setConfig(config);
        startProactive(config.proactiveOpenSeconds);
      }
      show();
    });
    return configuring;
  }

  let shown = false;
  function show() {
    paint();
    if (shown) return;
    shown = true;
    if (options.target) options.target.append(host);
    else unplace = placeFloating(host);
    if (bubble) listenForIntent(bubble);
    if (options.open || inline) setOpenOrLoad();
    else whenIdle(() => void ensurePanel());
  }

  function setOpenOrLoad() {
    if (inline) void ensurePanel();
    else setOpen(true);
  }

  function startProactive(seconds: number | null) {
    if (!seconds || inline || proactive || alreadyProactive(options.publishableKey)) return;
    proactive = setTimeout(() => {
      markProactive(options.publishableKey);
      setOpen(true);
    }, seconds * 1000);
  }

  function listenForIntent(button: HTMLButtonElement) {
    button.addEventListener('click', () => setOpen(!isOpen));
    for (const intent of ['pointerenter', 'focus', 'touchstart'] as const) {
      button.addEventListener(intent, () => void ensurePanel(), { once: true, passive: true });
    }
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && isOpen && !inline) {
        event.stopPropagation();
        setOpen(false);
        bubble?.focus();
      }
    });
  }

  void configure();

  return {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen),
    async send(text) {
      setOpen(true);
      const loaded = await ensurePanel();
      await loaded?.send(text);
    },
    identify(details) {
      visitor = { ...visitor, ...details };
      panel?.identify(details);
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as never);
    },
    off(event, listener) {
      listeners.get(event)?.delete(listener as never);
    },
    destroy() {
      destroyed = true;
      clearTimeout(proactive);
      panel?.destroy();
      unplace();
      listeners.clear();
    },
    get ready() {
      return (configuring ?? Promise.resolve()).then(async () => {
        const loaded = await ensurePanel();
        await loaded?.ready;
      });
    },
  };
}

function element(tag: string, className: string): HTMLElement {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

function bubbleButton(): HTMLButtonElement {
  const button = element('button', 'bubble') as HTMLButtonElement;
  button.type = 'button';
  return button;
}

/** An inline SVG icon built as elements (no innerHTML: pages with Trusted Types refuse it). */
function icon(path: string): SVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const d = document.createElementNS(ns, 'path');
  d.setAttribute('d', path);
  svg.append(d);
  return svg;
}

/** After the page has loaded, at the browser's first idle moment: the panel is ready before the visitor asks. */
function whenIdle(task: () => void) {
  const idle = () =>
    typeof requestIdleCallback === 'function'
      ? requestIdleCallback(task, { timeout: 5000 })
      : setTimeout(task, 1500);
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
}

const proactiveKey = (key: string) => `closer:proactive:${key.slice(0, 48)}`;
function alreadyProactive(key: string): boolean {
  try {
    return globalThis.sessionStorage?.getItem(proactiveKey(key)) === '1';
  } catch {
    return false;
  }
}
function markProactive(key: string) {
  try {
    globalThis.sessionStorage?.setItem(proactiveKey(key), '1');
  } catch {
    // Not available: it may open again on the next page.
  }
}
