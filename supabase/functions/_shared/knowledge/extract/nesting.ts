// How deep a document's elements nest, measured on its text before any parser builds a tree. linkedom's tree
// building (and Readability, and the section walk) slow down with the square of the depth: a 1 MB page of nested
// <div>s held the process for 18 s and then overflowed the stack. No real page nests anywhere near
// MAX_NESTING_DEPTH (browsers stop nesting at 512 too), so a deeper one is refused unread.

/** Deepest element nesting read; deeper documents are refused. */
export const MAX_NESTING_DEPTH = 512;

// Elements that never hold others (void), or whose end tag HTML lets a page leave out (a <p> or <li> closes
// the one before it): they do not count towards the depth, so tag soup is not mistaken for nesting.
const NOT_NESTING = new Set(
  (
    'area base br col embed hr img input link meta param source track wbr ' +
    'p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp'
  ).split(' '),
);
// Elements whose content is text, not markup: what is inside is skipped to their end tag.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

const TAG = /^(\/?)([a-zA-Z][^\s/>]*)/;
const rawTextEnd = new Map<string, RegExp>();
const endOf = (name: string) => {
  let pattern = rawTextEnd.get(name);
  if (!pattern) {
    pattern = new RegExp(`</${name}`, 'gi');
    rawTextEnd.set(name, pattern);
  }
  return pattern;
};

/**
 * The deepest nesting of elements in `markup` (HTML, or XML with `xml`), counted up to `limit + 1` (it stops
 * there). End tags close the nearest open element of their name, or nothing when none is open. One pass over the
 * text: every character is looked at a bounded number of times, whatever the markup (stray `<`, unclosed
 * comments and tags included).
 */
export function nestingDepth(markup: string, limit = MAX_NESTING_DEPTH, xml = false): number {
  const open: string[] = [];
  let deepest = 0;
  let at = markup.indexOf('<');
  while (at >= 0) {
    if (markup.startsWith('<!--', at)) {
      const end = markup.indexOf('-->', at + 4);
      if (end < 0) break;
      at = markup.indexOf('<', end + 3);
      continue;
    }
    let close = markup.indexOf('>', at + 1);
    if (close < 0) break;
    // A stray `<` before the tag: the tag starts at the last `<` before its `>`.
    at = markup.lastIndexOf('<', close);
    const tag = TAG.exec(markup.slice(at + 1, close));
    const next = close + 1;
    at = markup.indexOf('<', next);
    if (!tag) continue;
    const [, closing, rawName] = tag;
    const name = xml ? rawName! : rawName!.toLowerCase();
    if (closing) {
      const index = open.lastIndexOf(name);
      if (index >= 0) open.length = index;
      continue;
    }
    if (markup[close - 1] === '/' && (xml || NOT_NESTING.has(name))) continue;
    if (!xml && NOT_NESTING.has(name)) continue;
    if (!xml && RAW_TEXT.has(name)) {
      const end = endOf(name);
      end.lastIndex = next;
      close = end.exec(markup)?.index ?? -1;
      at = close < 0 ? -1 : close;
      continue;
    }
    open.push(name);
    if (open.length > deepest) deepest = open.length;
    if (deepest > limit) return deepest;
  }
  return deepest;
}
