// Puts the chat on a page: a host element with an open shadow root (styles inside), the Preact app, and the
// API the page talks to. Everything a page can call on `window.Closer` or get from `mount()` is here.
import type { ChatConfig } from '@closer/contract';
import { createChatClient } from '@closer/sdk/chat';
import { effect, signal } from '@preact/signals';
import { h, render } from 'preact';
import type { Failure } from './chat/failure.ts';
import { localConversationStore } from './chat/persistence.ts';
import { createSession, type SessionEvents } from './chat/session.ts';
import { createModel } from './model.ts';
import { App } from './ui/App.tsx';
import { SentenceAnnouncer } from './ui/announcer.ts';
import { applyStyles } from './ui/styles.ts';
import { trackVisualViewport } from './ui/viewport.ts';

export interface MountOptions {
  /** The agent's publishable key (`pk_…`); the page's origin must be in the agent's allowed origins. */
  publishableKey: string;
  /** The functions base URL, e.g. `https://<project>.supabase.co/functions/v1`. */
  apiUrl: string;
  /** Inline mode: render the panel inside this element (always open, no bubble). Default: a floating bubble. */
  target?: HTMLElement;
  /** Force a language (`en`, `ru`, `es`, `pt`, …); default: the agent's, then the browser's. */
  locale?: string;
  /** Force light or dark; default: the agent's theme (`auto` follows the visitor's system). */
  theme?: 'light' | 'dark' | 'auto';
  /** Open the panel at once. */
  open?: boolean;
  /** For tests and unusual runtimes. */
  fetch?: typeof fetch;
}

export interface WidgetEvents {
  open: () => void;
  close: () => void;
  message: SessionEvents['message'];
  lead: SessionEvents['lead'];
  error: (failure: Failure) => void;
}
export type WidgetEventName = keyof WidgetEvents;

export interface Widget {
  open(): void;
  close(): void;
  toggle(): void;
  /** Sends a message as the visitor (the panel opens). Resolves when the reply has ended. */
  send(text: string): Promise<void>;
  /** Details the page knows about the visitor: sent with the next message and pre-filled in the lead form. */
  identify(visitor: { name?: string; email?: string; phone?: string }): void;
  on<E extends WidgetEventName>(event: E, listener: WidgetEvents[E]): void;
  off<E extends WidgetEventName>(event: E, listener: WidgetEvents[E]): void;
  /** Removes the widget from the page and stops what it was doing. */
  destroy(): void;
  /** Resolves when the agent's configuration and any saved conversation are loaded. */
  readonly ready: Promise<void>;
}

export function mount(options: MountOptions): Widget {
  if (!options.publishableKey) throw new Error('Closer: a publishable key (pk_…) is required');
  if (!options.apiUrl) throw new Error('Closer: the API URL (…/functions/v1) is required');
  const listeners = new Map<WidgetEventName, Set<(...args: never[]) => void>>();
  const emit = <E extends WidgetEventName>(event: E, ...args: Parameters<WidgetEvents[E]>) => {
    for (const listener of listeners.get(event) ?? []) {
      try {
        (listener as (...a: Parameters<WidgetEvents[E]>) => void)(...args);
      } catch (error) {
        console.error('Closer: an event listener failed', error);
      }
    }
  };

  const client = createChatClient({
    url: options.apiUrl.replace(/\/+$/, ''),
    publishableKey: options.publishableKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const config = signal<ChatConfig | null>(null);
  const session = createSession({
    client,
    store: localConversationStore(options.publishableKey),
    config,
    emit: (event, ...args) => {
      if (event === 'message' && (args[0] as { role: string }).role === 'assistant' && !model.open.value) {
        model.unread.value++;
      }
      (emit as (e: string, ...a: unknown[]) => void)(event, ...args);
    },
  });
  const inline = Boolean(options.target);
  const model = createModel({
    session,
    config,
    inline,
    locale: options.locale,
    theme: options.theme,
    onOpenChange: (open) => emit(open ? 'open' : 'close'),
  });

  const host = document.createElement('closer-chat');
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);
  const container = document.createElement('div');
  shadow.appendChild(container);
  (options.target ?? document.body).appendChild(host);
  const stopViewport = trackVisualViewport(host);
  const stopAnnouncing = announceReplies(model.session, (text) => {
    model.announcement.value = text;
  });
  render(h(App, { model }), container);

  let proactive: ReturnType<typeof setTimeout> | undefined;
  const ready = (async () => {
    const [loaded] = await Promise.allSettled([client.config(), session.restore()]);
    if (loaded.status === 'fulfilled') {
      config.value = loaded.value;
      const seconds = loaded.value.proactiveOpenSeconds;
      if (seconds && !inline && !alreadyProactive(options.publishableKey)) {
        proactive = setTimeout(() => {
          markProactive(options.publishableKey);
          if (!model.open.value) model.setOpen(true);
        }, seconds * 1000);
      }
    } else {
      console.warn(
        `Closer: could not load the agent's configuration: ${String(loaded.reason?.message ?? loaded.reason)}`,
      );
    }
  })();
  if (options.open) model.setOpen(true);

  return {
    open: () => model.setOpen(true),
    close: () => model.setOpen(false),
    toggle: () => model.setOpen(!model.open.value),
    async send(text) {
      model.setOpen(true);
      await ready;
      await session.send(text);
    },
    identify(visitor) {
      model.visitor.value = { ...model.visitor.value, ...visitor };
      session.identify(visitor);
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
      clearTimeout(proactive);
      session.stop();
      stopAnnouncing();
      stopViewport();
      render(null, container);
      host.remove();
      listeners.clear();
    },
    ready,
  };
}

/** Sentences of the reply being written go to the polite live region as they complete. */
function announceReplies(session: ReturnType<typeof createSession>, say: (text: string) => void) {
  let tracked: string | null = null;
  let seen = 0;
  let announcer = new SentenceAnnouncer(say);
  return effect(() => {
    const last = session.messages.value.at(-1);
    if (last?.role !== 'assistant') return;
    const text = last.text.value;
    const status = last.status.value;
    if (last.id !== tracked) {
      tracked = last.id;
      // A restored history is not read out; only replies written from now on.
      seen = status === 'streaming' ? 0 : text.length;
      announcer = new SentenceAnnouncer(say);
    }
    seen = announcer.update(text, seen);
    if (status !== 'streaming') announcer.flush();
  });
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
