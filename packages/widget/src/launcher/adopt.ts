// Stylesheets into the widget's shadow root, the launcher's first and the panel's beside it.

/**
 * Gives the shadow root a stylesheet: a constructable one where the browser has them (allowed under a
 * `style-src` without 'unsafe-inline'), else a <style> element.
 */
export function adopt(shadow: ShadowRoot, text: string): void {
  if (
    'adoptedStyleSheets' in shadow &&
    typeof CSSStyleSheet === 'function' &&
    'replaceSync' in CSSStyleSheet.prototype
  ) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = text;
  shadow.append(style);
}
