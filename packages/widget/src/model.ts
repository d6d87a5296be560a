// The panel's state beyond the conversation: open or not (the launcher decides), the agent's configuration and
// the language it implies, what to announce to screen readers, what the page told us about the visitor.
import type { ChatConfig } from '@closer/contract';
import { computed, type ReadonlySignal, type Signal, signal } from '@preact/signals';
import type { Session } from './chat/session.ts';
import { type Strings, stringsFor } from './i18n.ts';

export interface WidgetModel {
  session: Session;
  config: Signal<ChatConfig | null>;
  open: Signal<boolean>;
  /** Inline mode: the panel fills a page element, always open, no bubble. */
  inline: boolean;
  /** The launcher's bubble, where focus returns when the panel closes; null inline. */
  bubble: HTMLElement | null;
  announcement: Signal<string>;
  visitor: Signal<{ name?: string; email?: string; phone?: string }>;
  leadThanks: Signal<boolean>;
  locale: ReadonlySignal<string>;
  strings: ReadonlySignal<Strings>;
  /** Asks the launcher to open or close the panel. */
  setOpen(open: boolean): void;
}

export function createModel(options: {
  session: Session;
  config: Signal<ChatConfig | null>;
  inline: boolean;
  open: boolean;
  /** A locale the page forces (`data-locale`); otherwise the agent's, then the browser's. */
  locale?: string | undefined;
  requestOpen: (open: boolean) => void;
  bubble: HTMLElement | null;
}): WidgetModel {
  const config = options.config;
  const locale = computed(
    () => options.locale ?? config.value?.locale ?? globalThis.navigator?.language ?? 'en',
  );
  return {
    session: options.session,
    config,
    open: signal(options.open),
    inline: options.inline,
    bubble: options.bubble,
    announcement: signal(''),
    visitor: signal({}),
    leadThanks: signal(true),
    locale,
    strings: computed(() => stringsFor(locale.value)),
    setOpen: options.requestOpen,
  };
}
