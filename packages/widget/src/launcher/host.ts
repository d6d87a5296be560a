// Where the widget's host element lives on the page. A floating widget goes in the top layer (a manual popover
// on <html>): no transform, filter, zoom, `contain`, `overflow` or z-index of the page's own elements can move,
// clip or cover it, and a page that replaces `document.body` does not take it away. If the page removes it
// anyway (a framework re-rendering <html>), it is put back.

/** Inline styles through the CSSOM (allowed under a strict `style-src`), important so page CSS cannot move it. */
const HOST_STYLE: Record<string, string> = {
  position: 'fixed',
  inset: 'auto',
  margin: '0',
  padding: '0',
  border: '0',
  width: '0',
  height: '0',
  overflow: 'visible',
  background: 'none',
  display: 'block',
  transform: 'none',
  filter: 'none',
  opacity: '1',
  visibility: 'visible',
  'pointer-events': 'none',
};

/** Puts a floating host on the page and keeps it there; returns how to take it away. */
export function placeFloating(host: HTMLElement): () => void {
  for (const [property, value] of Object.entries(HOST_STYLE))
    host.style.setProperty(property, value, 'important');
  const popover = typeof host.showPopover === 'function';
  if (popover) host.setAttribute('popover', 'manual');
  const attach = () => {
    document.documentElement.appendChild(host);
    if (popover && !host.matches(':popover-open')) {
      try {
        host.showPopover();
      } catch {
        // Not in a document yet, or the page's own top-layer rules refuse it: z-index still applies.
      }
    }
  };
  attach();
  const watch = new MutationObserver(() => {
    if (!host.isConnected) attach();
  });
  watch.observe(document, { childList: true, subtree: false });
  watch.observe(document.documentElement, { childList: true });
  return () => {
    watch.disconnect();
    host.remove();
  };
}
