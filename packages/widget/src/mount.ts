// `mount()` for bundler users: the launcher now, the panel through a dynamic import when the visitor shows
// interest (bundlers split it into its own chunk).
import type { MountOptions } from './launcher/bridge.ts';
import { createLauncher, type Widget } from './launcher/launcher.ts';

export type { MountOptions, Visitor, WidgetEventName, WidgetEvents } from './launcher/bridge.ts';
export type { Widget } from './launcher/launcher.ts';

/**
 * Puts the chat on the page: a bubble (or, with `target`, the panel inside that element). Throws when
 * `publishableKey` or `apiUrl` is missing; a configuration the server refuses (origin not allowed, paused
 * agent, unknown key, wrong `apiUrl`) hides the chat and logs one console error saying why and how to fix it.
 */
export function mount(options: MountOptions): Widget {
  return createLauncher(options, () => import('./panel/mountPanel.ts').then((panel) => panel.mountPanel));
}
