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
    const heading = /^#\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      current = { title: heading[1]!.trim(), lines: [] };
    } else if (current) current.lines.push(line);
    else if (line.trim()) untitled++;
  }
  flush();
  return { items, untitled };
}
