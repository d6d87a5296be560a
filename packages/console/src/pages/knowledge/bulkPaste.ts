// Many knowledge items pasted at once: Markdown where each `# Heading` starts an item (the heading is its title,
// what follows until the next heading its content). Text before the first heading has no title and is reported.
import type { KnowledgeItemCreate } from '@closer/contract';

export interface PastedItems {
  items: KnowledgeItemCreate[];
  /** Lines of text that came before any `# ` heading (not imported). */
  untitled: number;
}

export function parsePastedItems(text: string): PastedItems {
  const items: KnowledgeItemCreate[] = [];
  let untitled = 0;
  let current: { title: string; lines: string[] } | null = null;
  const flush = () => {
    if (current) items.push({ title: current.title, content: current.lines.join('\n').trim() });
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const title = headingTitle(line);
    if (title !== null) {
      flush();
      current = { title, lines: [] };
    } else if (current) current.lines.push(line);
    else if (line.trim()) untitled++;
  }
  flush();
  return { items, untitled };
}

const SPACE = /\s/;
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * The title of a `# Title` line, without closing `#`s and the spaces around them; null when the line is no heading.
 * It reads what `/^#\s+(.+?)\s*#*\s*$/` captured (then trimmed), scanning the line once from each end: the pattern
 * took quartic time on a line of spaces.
 */
export function headingTitle(line: string): string | null {
  if (line[0] !== '#') return null;
  let start = 1;
  while (start < line.length && SPACE.test(line[start]!)) start++;
  if (start === 1) return null;
  if (start === line.length) {
    // `#` and spaces only: still a heading (with an empty title) when a space after the first is no line break.
    for (let i = 2; i < line.length; i++) if (!LINE_BREAK.test(line[i]!)) return '';
    return null;
  }
  let end = line.length;
  while (end > start && SPACE.test(line[end - 1]!)) end--;
  while (end > start && line[end - 1] === '#') end--;
  while (end > start && SPACE.test(line[end - 1]!)) end--;
  const title = line.slice(start, Math.max(end, start + 1));
  return LINE_BREAK.test(title) ? null : title.trim();
}
