// Markdown and plain text as headed sections: ATX headings (`#`, `##`, `###`) outside code fences start one.
import type { Section } from './sections.ts';

export function markdownSections(text: string): Section[] {
  const sections: Section[] = [{ heading: '', text: '' }];
  let fenced = false;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^ {0,3}#{1,3}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) sections.push({ heading: heading[1]!, text: '' });
    else sections[sections.length - 1]!.text += `${line}\n`;
  }
  return sections.filter((s) => s.text.trim() || s.heading);
}

/** Plain text has no headings: one section, split into parts by size. */
export const textSections = (text: string): Section[] => [{ heading: '', text }];
