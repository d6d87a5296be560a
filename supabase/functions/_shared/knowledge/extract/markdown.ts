// Markdown and plain text as headed sections: ATX headings (`#`, `##`, `###`) outside code fences start one.
import type { Section } from './sections.ts';

export function markdownSections(text: string): Section[] {
  const sections: Section[] = [{ heading: '', text: '' }];
  let fenced = false;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : atxHeading(line);
    if (heading) sections.push({ heading, text: '' });
    else sections[sections.length - 1]!.text += `${line}\n`;
  }
  return sections.filter((s) => s.text.trim() || s.heading);
}

/**
 * The text of an ATX heading line of level 1–3 (`## Prices ##` → `Prices`), or null. Written without a pattern
 * over the rest of the line: one with lazy and optional parts backtracked cubically on a line of many spaces
 * (30 KB of them held a reader for an hour).
 */
function atxHeading(line: string): string | null {
  const opening = /^ {0,3}#{1,3}\s/.exec(line);
  if (!opening) return null;
  let text = line.slice(opening[0].length).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  // A closing run of `#` counts only after a space (CommonMark): `# C#` is the heading `C#`.
  if (end === 0 || /\s/.test(text[end - 1]!)) text = text.slice(0, end).trimEnd();
  return text || null;
}

/** Plain text has no headings: one section, split into parts by size. */
export const textSections = (text: string): Section[] => [{ heading: '', text }];
