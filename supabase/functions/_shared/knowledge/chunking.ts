// Splits long knowledge into retrieval chunks: paragraphs first, then sentences, then hard cuts.
// Each chunk starts with the item's title so a chunk found alone still says what it is about.
// Lengths count code points (as Postgres' length() does) and cuts fall between them: a cut through a UTF-16
// surrogate pair would leave half an emoji, which no database column can hold.

export const CHUNK_CHARS = 1200;

/** The number of code points in `text` (an emoji is one, not two UTF-16 units). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function hardCuts(text: string, max: number): string[] {
  const points = Array.from(text);
  const cuts: string[] = [];
  for (let i = 0; i < points.length; i += max) cuts.push(points.slice(i, i + max).join(''));
  return cuts;
}

function pieces(text: string, max: number): string[] {
  if (codePointLength(text) <= max) return [text];
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim() !== '');
  if (paragraphs.length > 1) return paragraphs.flatMap((p) => pieces(p.trim(), max));
  const sentences = text.match(/[^.!?…。]+[.!?…。]+["')\]]*\s*|[^.!?…。]+$/g) ?? [text];
  if (sentences.length > 1) return sentences.flatMap((s) => pieces(s, max));
  return hardCuts(text, max);
}

export function chunkKnowledge(title: string, content: string, max = CHUNK_CHARS): string[] {
  const budget = Math.max(200, max - codePointLength(title) - 1);
  const chunks: string[] = [];
  let current = '';
  let currentLength = 0;
  for (const piece of pieces(content.trim(), budget)) {
    const separator = current && !current.endsWith('\n') ? '\n' : '';
    const pieceLength = codePointLength(piece);
    const joinedLength = current ? currentLength + separator.length + pieceLength : pieceLength;
    if (joinedLength <= budget) {
      current = current ? `${current}${separator}${piece}` : piece;
      currentLength = joinedLength;
    } else {
      if (current) chunks.push(current);
      current = piece;
      currentLength = pieceLength;
    }
  }
  if (current) chunks.push(current);
  return chunks.map((chunk) => `${title}\n${chunk.trim()}`);
}
