// The widget's stylesheet, inside its shadow root. The page's CSS cannot reach in, and the inner root resets
// what is inherited through the host, so even `* { font: … !important }` on the page changes nothing here.
// Themable through custom properties set on the host element (they cross the shadow boundary):
// --closer-accent, --closer-accent-text, --closer-bg, --closer-fg, --closer-muted, --closer-font,
// --closer-radius, --closer-z.
import css from './widget.css?inline';

/**
 * Gives the shadow root its styles: a constructable stylesheet where the browser has them (allowed under a
 * `style-src` without 'unsafe-inline'), else a <style> element.
 */
export function applyStyles(shadow: ShadowRoot): void {
  if (
    'adoptedStyleSheets' in shadow &&
    typeof CSSStyleSheet === 'function' &&
    'replaceSync' in CSSStyleSheet.prototype
  ) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  shadow.appendChild(style);
}
