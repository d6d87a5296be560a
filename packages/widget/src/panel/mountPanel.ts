// The panel: the conversation, its Preact app and stylesheet, mounted into the launcher's shadow root when the
// visitor shows interest. Loaded as its own chunk (closer-panel.js beside closer.js, or a dynamic import in the
// ESM build), so a page pays for it only when it is about to be used.
import type { ChatConfig } from '@closer/contract';
import { createChatClient } from '@closer/sdk/chat';
import { effect, signal } from '@preact/signals';
import { h, render } from 'preact';
import { localConversationStore } from '../chat/persistence.ts';
import { createSession, type Session } from '../chat/session.ts';
import { adopt } from '../launcher/adopt.ts';
import type { MountPanel } from '../launcher/bridge.ts';
import { createModel } from '../model.ts';
import { App } from '../ui/App.tsx';
import { SentenceAnnouncer } from '../ui/announcer.ts';
import { trackVisualViewport } from '../ui/viewport.ts';
import css from '../ui/widget.css?inline';

export const mountPanel: MountPanel = (bridge) => {
  const { options } = bridge;
  const client = createChatClient({
    url: options.apiUrl,
    publishableKey: options.publishableKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const config = signal<ChatConfig | null>(bridge.config);
  const session = createSession({
    client,
    store: localConversationStore(options.publishableKey),
    config,
    emit: (event, ...args) => {
      if (event === 'message' && (args[0] as { role: string }).role === 'assistant') bridge.unread();
      (bridge.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
    },
  });
  const model = createModel({
    session,
    config,
    inline: bridge.inline,
    open: bridge.open,
    locale: options.locale,
    requestOpen: bridge.setOpen,
    bubble: bridge.bubble,
  });
  model.visitor.value = bridge.visitor;
  if (Object.keys(bridge.visitor).length > 0) session.identify(bridge.visitor);

  const shadow = bridge.host.shadowRoot as ShadowRoot;
  adopt(shadow, css);
  const stopViewport = trackVisualViewport(bridge.host);
  const stopAnnouncing = announceReplies(session, (text) => {
    model.announcement.value = text;
  });
  render(h(App, { model }), bridge.slot);
  const ready = session.restore().then(() => undefined);

  return {
    setOpen(open) {
      model.open.value = open;
    },
    setConfig(next) {
      config.value = next;
    },
    send: (text) => ready.then(() => session.send(text)),
    identify(visitor) {
      model.visitor.value = { ...model.visitor.value, ...visitor };
      session.identify(visitor);
    },
    destroy() {
      session.dispose();
      stopAnnouncing();
      stopViewport();
      render(null, bridge.slot);
    },
    ready,
  };
};

/** Sentences of the reply being written go to the polite live region as they complete. */
function announceReplies(session: Session, say: (text: string) => void) {
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
