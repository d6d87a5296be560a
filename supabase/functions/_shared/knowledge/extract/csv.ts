// CSV: one knowledge item per row, each value labelled with its column's header (papaparse).
import Papa from 'papaparse';
import { type ExtractedDocument, ExtractionError, item } from './document.ts';

export function openCsv(text: string, fileName: string): ExtractedDocument {
  // Typed here: Deno does not see @types/papaparse.
  const parsed: { data: string[][] } = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' });
  const [header, ...rows] = parsed.data;
  if (!header || header.every((cell) => !cell.trim()))
    throw new ExtractionError('The CSV file has no header row');
  const names = header.map((cell, index) => cell.trim() || `Column ${index + 1}`);
  return {
    total: rows.length,
    async read(from, count) {
      return rows.slice(from, from + count).flatMap((row, offset) => {
        const number = from + offset + 1;
        const lines = row
          .map((value, index) => [names[index] ?? `Column ${index + 1}`, value.trim()] as const)
          .filter(([, value]) => value !== '');
        if (lines.length === 0) return [];
        const [firstName, firstValue] = lines[0]!;
        return [
          item(
            `row:${number}`,
            `${fileName} — ${firstName}: ${firstValue}`,
            lines.map(([name, value]) => `${name}: ${value}`).join('\n'),
            `${fileName}, row ${number}`,
          ),
        ];
      });
    },
  };
}
