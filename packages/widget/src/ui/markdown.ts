// The markdown a reply may use — bold, italic, inline code, lists, line breaks and links — built as Preact
// elements, never as an HTML string: whatever the model or a knowledge item says, text stays text.
// Links go only to http(s), mailto and tel, and open with rel="noopener noreferrer nofollow".
import { type ComponentChildren, h, type VNode } from 'preact';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** The URL when it may be a link, otherwise null (javascript:, data:, relative paths, junk). */
export function safeHref(raw: string): string | null {
  const value = raw.trim();
  if (!/^(https?:\/\/|mailto:|tel:)/i.test(value)) return null;
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const link = (href: string, children: ComponentChildren) =>
  h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, children);

// One alternation per inline form; the first that matches at a position wins. A link's text and address hold no `[`
// (as in CommonMark, `[a [b](u)` links only `b`): a line of unclosed brackets then costs linear time, not quadratic.
const INLINE =
  /`([^`\n]+)`|\*\*([^\n]+?)\*\*|__([^\n]+?)__|\*([^*\s][^*\n]*?)\*|(?<![\w])_([^_\s][^_\n]*?)_(?![\w])|\[([^[\]\n]+)\]\(([^)\s[]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g;

/** Inline markdown of one line into text and elements. */
export function inline(text: string, allowLinks = true): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, code, bold, bold2, italic, italic2, label, target, bare] = match;
    const at = match.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    last = at + whole.length;
    if (code !== undefined) out.push(h('code', null, code));
    else if (bold !== undefined || bold2 !== undefined)
      out.push(h('strong', null, inline(bold ?? bold2 ?? '', allowLinks)));
    else if (italic !== undefined || italic2 !== undefined)
      out.push(h('em', null, inline(italic ?? italic2 ?? '', allowLinks)));
    else if (label !== undefined && target !== undefined) {
      const href = allowLinks ? safeHref(target) : null;
      // A link that may not be followed is shown as written, so nothing is hidden from the visitor.
      out.push(href ? link(href, inline(label, false)) : whole);
    } else if (bare !== undefined) {
      const href = allowLinks ? safeHref(bare) : null;
      out.push(href ? link(href, bare) : bare);
    }
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const BULLET = /^\s*[-*•]\s+(\S.*|)$/;
const NUMBERED = /^\s*(\d{1,3})[.)]\s+(\S.*|)$/;

/** A whole reply: paragraphs (single newlines kept as line breaks), bullet and numbered lists. */
export function renderMarkdown(source: string): VNode[] {
  const blocks: VNode[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | null = null;

  const endParagraph = () => {
    if (!paragraph.length) return;
    const children: ComponentChildren[] = [];
    paragraph.forEach((line, i) => {
      if (i > 0) children.push(h('br', null));
      children.push(...inline(line));
    });
    blocks.push(h('p', null, children));
    paragraph = [];
  };
  const endList = () => {
    if (!list) return;
    const items = list.items.map((item) => h('li', null, inline(item)));
    const attributes = list.start === 1 ? null : { start: list.start };
    blocks.push((list.ordered ? h('ol', attributes, items) : h('ul', null, items)) as VNode);
    list = null;
  };

  for (const line of lines) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      endParagraph();
      const ordered = Boolean(numbered);
      if (list && list.ordered !== ordered) endList();
      list ??= { ordered, start: numbered ? Number(numbered[1]) : 1, items: [] };
      list.items.push((bullet?.[1] ?? numbered?.[2] ?? '').trim());
    } else if (line.trim() === '') {
      endParagraph();
      endList();
    } else {
      endList();
      paragraph.push(line);
    }
  }
  endParagraph();
  endList();
  return blocks;
}
