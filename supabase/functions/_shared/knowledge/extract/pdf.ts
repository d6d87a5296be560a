// PDF text, a few pages at a time (unpdf: pdf.js built for servers, no native code). One item per page with text.
import { getDocumentProxy } from 'unpdf';
import { type ExtractedDocument, ExtractionError, item, tidyText } from './document.ts';

interface TextPiece {
  str?: string;
  hasEOL?: boolean;
}

/** Opens a PDF; an encrypted or damaged file is an ExtractionError naming the problem. */
export async function openPdf(bytes: Uint8Array, fileName: string): Promise<ExtractedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may take over the buffer it reads: give it a copy.
    pdf = await getDocumentProxy(bytes.slice(), { stopAtErrors: false });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'PasswordException') {
      throw new ExtractionError(
        'The PDF is encrypted with a password; upload a copy without a password (or export it again)',
      );
    }
    throw new ExtractionError('The file is not a readable PDF (damaged or not a PDF)');
  }
  return {
    total: pdf.numPages,
    async read(from, count) {
      const items = [];
      for (let index = from; index < Math.min(from + count, pdf.numPages); index++) {
        const number = index + 1;
        const page = await pdf.getPage(number);
        const content = await page.getTextContent();
        const text = tidyText(
          (content.items as TextPiece[])
            .map((piece) => `${piece.str ?? ''}${piece.hasEOL ? '\n' : ''}`)
            .join(''),
        );
        page.cleanup();
        if (text)
          items.push(
            item(`page:${number}`, `${fileName} — page ${number}`, text, `${fileName}, page ${number}`),
          );
      }
      return items;
    },
  };
}

/** Why a PDF gave no text at all: its pages are images (a scan). */
export const NO_TEXT_LAYER =
  'The PDF has no text layer (a scanned document?): text recognition (OCR) is not supported — upload the document it was made from, or a PDF with selectable text';
