// Splits long knowledge into retrieval chunks: paragraphs first, then sentences, then hard cuts.
// Each chunk starts with the item's title so a chunk found alone still says what it is about.

export const CHUNK_CHARS = 1200;

function pieces(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim() !== '');
  if (paragraphs.length > 1) return paragraphs.flatMap((p) => pieces(p.trim(), max));
  const sentences = text.match(/[^.!?…。]+[.!?…。]+["')\]]*\s*|[^.!?…。]+$/g) ?? [text];
  if (sentences.length > 1) return sentences.flatMap((s) => pieces(s, max));
  const cuts: string[] = [];
  for (let i = 0; i < text.length; i += max) cuts.push(text.slice(i, i + max));
  return cuts;
}

export function chunkKnowledge(title: string, content: string, max = CHUNK_CHARS): string[] {
  const budget = Math.max(200, max - title.length - 1);
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces(content.trim(), budget)) {
    const joined = current ? `${current}${current.endsWith('\n') ? '' : '\n'}${piece}` : piece;
    if (joined.length <= budget) {
      current = joined;
    } else {
      if (current) chunks.push(current);
      current = piece;
    }
  }
  if (current) chunks.push(current);
  return chunks.map((chunk) => `${title}\n${chunk.trim()}`);
}
