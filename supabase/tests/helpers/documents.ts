// Real documents made in the test, never downloaded: PDFs (pdf-lib, and a hand-written encrypted one), DOCX
// files (the OOXML parts zipped with JSZip, as Word writes them) and a DOCX zip bomb.
import { deflateSync } from 'node:zlib';
import { ExtractionError } from '@closer/functions/_shared/knowledge/extract/document.ts';
import JSZip from 'jszip';
import { PDFDocument, PDFName, rgb, StandardFonts } from 'pdf-lib';
import { expect } from 'vitest';

/** The message of the ExtractionError `promise` rejects with (fails the test when it settles otherwise). */
export async function extractionFailure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExtractionError);
    return (error as Error).message;
  }
  throw new Error('expected an ExtractionError');
}

/** A PDF with one page per entry: its lines of text, or null for a page with only a drawing (like a scan). */
export async function pdfWithPages(pages: (string[] | null)[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([595, 842]);
    if (lines === null) {
      page.drawRectangle({ x: 40, y: 40, width: 515, height: 762, color: rgb(0.85, 0.85, 0.8) });
      continue;
    }
    lines.forEach((line, index) => {
      page.drawText(line, { x: 50, y: 780 - index * 18, size: 12, font });
    });
  }
  return pdf.save();
}

/**
 * A small PDF whose one page's content stream inflates to `inflatedBytes` of blanks: a reader holds them as a
 * buffer, outside the JavaScript heap that --max-old-space-size bounds.
 */
export async function pdfInflatingTo(inflatedBytes: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  const content = pdf.context.stream(deflateSync(Buffer.alloc(inflatedBytes, 0x20), { level: 9 }), {
    Filter: 'FlateDecode',
  });
  page.node.set(PDFName.of('Contents'), pdf.context.register(content));
  return pdf.save();
}

/**
 * A PDF protected by the standard security handler (revision 2) with a user password: no reader opens it
 * without the password. Written by hand because no JS library here encrypts PDFs.
 */
export function encryptedPdf(): Uint8Array {
  const hex = (byte: number) => byte.toString(16).padStart(2, '0').repeat(32);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 8 >>\nstream\n\x8f\x13\xa2\x07\x55\x31\x9c\x04\nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O <${hex(0x5a)}> /U <${hex(0xa7)}> /P -44 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  const id = '<0123456789abcdef0123456789abcdef>';
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 5 0 R /ID [${id} ${id}] >>\nstartxref\n${xref}\n%%EOF\n`;
  return Uint8Array.from(body, (char) => char.charCodeAt(0));
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

function docxParts(zip: JSZip, body: string) {
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`,
  );
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A DOCX of headings (`# ` lines, style Heading1) and paragraphs. */
export async function docx(lines: string[]): Promise<Uint8Array> {
  const body = lines
    .map((line) =>
      line.startsWith('# ')
        ? `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>${escapeXml(line.slice(2))}</w:t></w:r></w:p>`
        : `<w:p><w:r><w:t xml:space="preserve">${escapeXml(line)}</w:t></w:r></w:p>`,
    )
    .join('');
  const zip = new JSZip();
  docxParts(zip, body);
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

/** A small DOCX whose one extra part unpacks to `unpackedBytes` of zeros. */
export async function docxBomb(unpackedBytes: number): Promise<Uint8Array> {
  const zip = new JSZip();
  docxParts(zip, '<w:p><w:r><w:t>Hello</w:t></w:r></w:p>');
  zip.file('word/media/padding.bin', new Uint8Array(unpackedBytes));
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/**
 * A DOCX of one heading and one paragraph whose text is written as raw XML (character references such as
 * `&#0;` or `&#xD800;`, which Word never writes and a hostile or broken generator does).
 */
export async function docxOfRawXml(headingXml: string, paragraphXml: string): Promise<Uint8Array> {
  const zip = new JSZip();
  docxParts(
    zip,
    `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>${headingXml}</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">${paragraphXml}</w:t></w:r></w:p>`,
  );
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}
