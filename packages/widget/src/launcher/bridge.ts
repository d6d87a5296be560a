// What the launcher hands the panel when it loads, and what the panel hands back. The launcher owns the host
// element, the bubble, the open state, the unread count and the page's event listeners; the panel owns the
// conversation. Kept to types so the launcher bundle carries none of the panel's code.
import type { ChatConfig } from '@closer/contract';
import type { Failure } from '../chat/failure.ts';

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
  /** For tests and unusual runtimes; resolved at call time, so a page may patch `window.fetch` later. */
  fetch?: typeof fetch;
}

export interface WidgetEvents {
  open: () => void;
  close: () => void;
  /** A visitor's message as it is sent, and each finished reply. */
  message: (message: { role: 'user' | 'assistant'; text: string }) => void;
  lead: (lead: { leadId: string; fields: Record<string, string | undefined> }) => void;
  error: (failure: Failure) => void;
}
export type WidgetEventName = keyof WidgetEvents;

export type Visitor = { name?: string; email?: string; phone?: string };

export interface PanelBridge {
  options: MountOptions;
  /** The agent's configuration; null until loaded (or while a transient failure lasts). */
  config: ChatConfig | null;
  host: HTMLElement;
  /** Where the panel renders, inside the launcher's root in the shadow root. */
  slot: HTMLElement;
  /** The bubble, for focus to return to on close; null inline. */
  bubble: HTMLButtonElement | null;
  inline: boolean;
  open: boolean;
  visitor: Visitor;
  /** Asks the launcher to open or close; it answers with `PanelHandle.setOpen`. */
  setOpen(open: boolean): void;
  /** A reply finished while the panel was closed. */
  unread(): void;
  emit<E extends WidgetEventName>(event: E, ...args: Parameters<WidgetEvents[E]>): void;
}

export interface PanelHandle {
  setOpen(open: boolean): void;
  setConfig(config: ChatConfig): void;
  send(text: string): Promise<void>;
  identify(visitor: Visitor): void;
  destroy(): void;
  /** The saved conversation has been read back. */
  ready: Promise<void>;
}

export type MountPanel = (bridge: PanelBridge) => PanelHandle;
