// Which reader a file needs: its media type from the name, the declared type and its first bytes.
import { type AcceptedMediaType, acceptedFileTypes } from '@closer/contract';
import { openCsv } from './csv.ts';
import { decodeText, type ExtractedDocument } from './document.ts';
import { readDocx } from './docx.ts';
import { readHtml } from './html.ts';
import { markdownSections, textSections } from './markdown.ts';
import { openPdf } from './pdf.ts';
import { sectionedDocument } from './sections.ts';

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4

/**
 * The accepted media type of a file, or null. The file's own bytes win over its name for PDF and DOCX (a PDF
 * named .txt is read as a PDF); text formats go by the extension, then the declared type.
 */
export function mediaTypeOf(fileName: string, declared: string, bytes: Uint8Array): AcceptedMediaType | null {
  if (startsWith(bytes, PDF_MAGIC)) return 'application/pdf';
  const extension = /\.[a-z0-9]+$/i.exec(fileName)?.[0]?.toLowerCase() ?? '';
  const byName = Object.entries(acceptedFileTypes).find(([, extensions]) =>
    (extensions as readonly string[]).includes(extension),
  )?.[0] as AcceptedMediaType | undefined;
  const type = byName ?? (declared.split(';')[0]!.trim().toLowerCase() as AcceptedMediaType);
  if (!(type in acceptedFileTypes)) return null;
  if (type === 'application/pdf') return null; // Named .pdf but not a PDF.
  const docx = type === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  if (docx !== startsWith(bytes, ZIP_MAGIC)) return null;
  return type;
}

/** Opens a file of an accepted type for reading in steps. */
export async function openFile(
  bytes: Uint8Array,
  mediaType: AcceptedMediaType,
  fileName: string,
): Promise<ExtractedDocument> {
  switch (mediaType) {
    case 'application/pdf':
      return openPdf(bytes, fileName);
    case 'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
      return sectionedDocument(fileName, await readDocx(bytes));
    case 'text/html': {
      const page = readHtml(decodeText(bytes));
      return sectionedDocument(page.title || fileName, page.sections);
    }
    case 'text/markdown':
      return sectionedDocument(fileName, markdownSections(decodeText(bytes)));
    case 'text/csv':
      return openCsv(decodeText(bytes), fileName);
    case 'text/plain':
      return sectionedDocument(fileName, textSections(decodeText(bytes)));
  }
}

/** The accepted types, for a 415's message. */
export const acceptedTypesText = Object.entries(acceptedFileTypes)
  .map(([type, extensions]) => `${extensions.join('/')} (${type})`)
  .join(', ');
