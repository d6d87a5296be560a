// `@closer/widget` for bundler users: `mount()` gives the same API the script tag puts on `window.Closer`.
export type { Failure, FailureKind } from './chat/failure.ts';
export type { MountOptions, Visitor, Widget, WidgetEventName, WidgetEvents } from './mount.ts';
export { mount } from './mount.ts';
