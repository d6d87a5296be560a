// The widget's state beyond the conversation: open or not, unread replies, the agent's configuration and the
// language and theme it implies, what to announce to screen readers.
import type { ChatConfig } from '@closer/contract';
import { computed, type ReadonlySignal, type Signal, signal } from '@preact/signals';
import type { Session } from './chat/session.ts';
import { isRightToLeft, type Strings, stringsFor } from './i18n.ts';

export interface WidgetModel {
  session: Session;
  config: Signal<ChatConfig | null>;
  open: Signal<boolean>;
  /** Inline mode: the panel fills a page element, always open, no bubble. */
  inline: boolean;
  unread: Signal<number>;
  announcement: Signal<string>;
  visitor: Signal<{ name?: string; email?: string; phone?: string }>;
  leadThanks: Signal<boolean>;
  locale: ReadonlySignal<string>;
  strings: ReadonlySignal<Strings>;
  rtl: ReadonlySignal<boolean>;
  themeMode: ReadonlySignal<'light' | 'dark' | 'auto'>;
  setOpen(open: boolean): void;
}

export function createModel(options: {
  session: Session;
  config: Signal<ChatConfig | null>;
  inline: boolean;
  /** A locale the page forces (`data-locale`); otherwise the agent's, then the browser's. */
  locale?: string | undefined;
  /** A theme mode the page forces (`data-theme`). */
  theme?: 'light' | 'dark' | 'auto' | undefined;
  onOpenChange: (open: boolean) => void;
}): WidgetModel {
  const config = options.config;
  const open = signal(false);
  const unread = signal(0);
  const locale = computed(
    () => options.locale ?? config.value?.locale ?? globalThis.navigator?.language ?? 'en',
  );
  return {
    session: options.session,
    config,
    open,
    inline: options.inline,
    unread,
    announcement: signal(''),
    visitor: signal({}),
    leadThanks: signal(true),
    locale,
    strings: computed(() => stringsFor(locale.value)),
    rtl: computed(() => isRightToLeft(locale.value)),
    themeMode: computed(() => options.theme ?? config.value?.theme.mode ?? 'auto'),
    setOpen(next) {
      if (open.value === next) return;
      open.value = next;
      if (next) unread.value = 0;
      options.onOpenChange(next);
    },
  };
}
