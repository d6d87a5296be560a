// Reading files into knowledge items: PDF pages (text, scans, encryption), DOCX sections (and zip bombs), HTML
// main text, Markdown sections, CSV rows with their header, and how a file's type is recognised.
import { readInPlace } from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import { readDocx } from '@closer/functions/_shared/knowledge/extract/docx.ts';
import { mediaTypeOf, openFile } from '@closer/functions/_shared/knowledge/extract/open.ts';
import { NO_TEXT_LAYER } from '@closer/functions/_shared/knowledge/extract/pdf.ts';
import {
  DEFAULT_STEP_SIZES,
  fileStep,
  MAX_FILE_UNITS,
} from '@closer/functions/_shared/knowledge/sources/steps.ts';
import { describe, expect, it } from 'vitest';
import { docx, docxBomb, encryptedPdf, extractionFailure, pdfWithPages } from '../helpers/documents.ts';

const text = (value: string) => new TextEncoder().encode(value);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function readAll(bytes: Uint8Array, mediaType: Parameters<typeof openFile>[1], name: string) {
  const document = await openFile(bytes, mediaType, name);
  return document.read(0, document.total);
}

/** One step of the sources worker over `bytes` stored as the file `name`, read in place. */
function firstStep(bytes: Uint8Array, name: string, mediaType: string) {
  const source = { id: 's', kind: 'file', name, settings: { fileName: name, mediaType, storageKey: 'k' } };
  const storage = { get: async () => bytes, put: async () => {}, delete: async () => {} };
  const deps = {
    uploads: storage,
    storageTimeoutMs: 1000,
    sizes: DEFAULT_STEP_SIZES,
    fetcher: {} as never,
    readers: readInPlace,
    readLimits: { timeoutMs: 1000 },
  };
  return fileStep({ source, state: {} }, deps);
}

describe('PDF', () => {
  it('gives one item per page with text, titled and cited by file name and page, read in batches', async () => {
    const bytes = await pdfWithPages([
      ['Warranty', 'Panels are covered for 25 years.'],
      null,
      ['Returns within 30 days of delivery.'],
    ]);
    const document = await openFile(bytes, 'application/pdf', 'handbook.pdf');
    expect(document.total).toBe(3);
    const first = await document.read(0, 2);
    expect(first).toEqual([
      {
        key: 'page:1',
        title: 'handbook.pdf — page 1',
        content: 'Warranty\nPanels are covered for 25 years.',
        citation: 'handbook.pdf, page 1',
      },
    ]);
    const rest = await document.read(2, 2);
    expect(rest.map((item) => [item.key, item.content])).toEqual([
      ['page:3', 'Returns within 30 days of delivery.'],
    ]);
  });

  it('reports a PDF without a text layer as a scan, not as an empty success', async () => {
    const bytes = await pdfWithPages([null, null]);
    expect(await extractionFailure(firstStep(bytes, 'scan.pdf', 'application/pdf'))).toBe(NO_TEXT_LAYER);
  });

  it('refuses an encrypted PDF with a clear reason, and a damaged one', async () => {
    expect(await extractionFailure(openFile(encryptedPdf(), 'application/pdf', 'locked.pdf'))).toMatch(
      /encrypted with a password/,
    );
    expect(
      await extractionFailure(openFile(text('%PDF-1.7\nnot really'), 'application/pdf', 'broken.pdf')),
    ).toMatch(/not a readable PDF/);
  });
});

describe('DOCX', () => {
  it('gives one item per heading section', async () => {
    const bytes = await docx([
      'Solar for homes.',
      '# Delivery',
      'We install within 3 weeks.',
      '# Financing',
      'Pay over 10 years.',
    ]);
    expect(
      (await readAll(bytes, DOCX, 'offer.docx')).map((item) => [item.key, item.title, item.content]),
    ).toEqual([
      ['section:1', 'offer.docx', 'Solar for homes.'],
      ['section:2', 'offer.docx — Delivery', 'We install within 3 weeks.'],
      ['section:3', 'offer.docx — Financing', 'Pay over 10 years.'],
    ]);
  });

  it('refuses an archive that unpacks beyond the limit before converting it (zip bomb)', async () => {
    const bomb = await docxBomb(3 * 1024 * 1024);
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    expect(await extractionFailure(readDocx(bomb, 2 * 1024 * 1024))).toMatch(/unpacks to more than 2 MiB/);
    // Under the limit the same file is read.
    expect((await readDocx(bomb, 4 * 1024 * 1024)).map((s) => s.text)).toEqual(['Hello']);
  });

  it('refuses a file that is not a Word document', async () => {
    expect(await extractionFailure(readDocx(text('PK\u0003\u0004 not a zip')))).toMatch(
      /not a readable DOCX/,
    );
  });
});

describe('HTML, Markdown, text and CSV', () => {
  it('keeps the main text of an HTML page, not its navigation, in headed sections', async () => {
    const html = `<html><head><title>Heat pumps</title></head><body>
      <nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
      <article><h1>Heat pumps</h1><p>${'A heat pump moves heat instead of making it. '.repeat(8)}</p>
      <h2>Prices</h2><p>From 9,000 euros installed.</p><table><tr><th>Model</th><th>kW</th></tr><tr><td>Mini</td><td>5</td></tr></table></article>
      <footer>© Example</footer></body></html>`;
    const items = await readAll(text(html), 'text/html', 'pumps.html');
    expect(items.map((item) => item.title)).toEqual(['Heat pumps', 'Heat pumps — Prices']);
    expect(items[0]!.content).toMatch(/^A heat pump moves heat/);
    expect(items[1]!.content).toBe('From 9,000 euros installed.\n\nModel | kW\n\nMini | 5');
    expect(items.map((item) => item.content).join()).not.toMatch(/Shop|©/);
  });

  it('splits Markdown at headings, not inside code fences', async () => {
    const markdown = '# Shipping\nWe ship in 2 days.\n\n```\n# not a heading\n```\n## Returns\n30 days.\n';
    const items = await readAll(text(markdown), 'text/markdown', 'faq.md');
    expect(items.map((item) => [item.title, item.content])).toEqual([
      ['faq.md — Shipping', 'We ship in 2 days.\n\n```\n# not a heading\n```'],
      ['faq.md — Returns', '30 days.'],
    ]);
  });

  it('splits a long plain text into parts at paragraph ends', async () => {
    const paragraph = 'Insulation keeps the heat in. '.repeat(100).trim();
    const items = await readAll(text(Array(12).fill(paragraph).join('\n\n')), 'text/plain', 'notes.txt');
    expect(items.length).toBe(2);
    expect(items.map((item) => item.title)).toEqual(['notes.txt (part 1)', 'notes.txt (part 2)']);
    expect(
      items.every((item) => item.content.length <= 20_000 && item.content.startsWith('Insulation')),
    ).toBe(true);
  });

  it('reads headings in linear time, closing runs of # only after a space', async () => {
    // The heading pattern this replaced backtracked cubically here: 30 KB of spaces held a reader for an hour.
    const markdown = `# a${' '.repeat(30_000)}b\nIntro.\n## Prices ##\nPanels.\n# C#\nA language.\n`;
    const items = await readAll(text(markdown), 'text/markdown', 'faq.md');
    expect(items.map((item) => [item.title, item.content])).toEqual([
      ['faq.md — a b', 'Intro.'],
      ['faq.md — Prices', 'Panels.'],
      ['faq.md — C#', 'A language.'],
    ]);
  });

  it('refuses a file of more than 50,000 rows at its first step, naming the count', async () => {
    const rows = Array.from({ length: MAX_FILE_UNITS + 1 }, (_, i) => `${i}`).join('\n');
    const bytes = text(`n\n${rows}\n`);
    expect(await extractionFailure(firstStep(bytes, 'rows.csv', 'text/csv'))).toBe(
      'The file has 50,001 rows; one file may have at most 50,000 — split it into smaller files',
    );
  });

  it('gives one item per CSV row with every value labelled by its header', async () => {
    const csv = 'Product,Price,Notes\n"Panel, 400 W",210,"Black frame\nfits most roofs"\n,,\nInverter,990,\n';
    const items = await readAll(text(csv), 'text/csv', 'prices.csv');
    expect(items).toEqual([
      {
        key: 'row:1',
        title: 'prices.csv — Product: Panel, 400 W',
        content: 'Product: Panel, 400 W\nPrice: 210\nNotes: Black frame\nfits most roofs',
        citation: 'prices.csv, row 1',
      },
      {
        key: 'row:2',
        title: 'prices.csv — Product: Inverter',
        content: 'Product: Inverter\nPrice: 990',
        citation: 'prices.csv, row 2',
      },
    ]);
  });
});

describe('file types', () => {
  it('recognises accepted types by content for PDF and DOCX, by name or declared type for text', async () => {
    const pdf = await pdfWithPages([['x']]);
    const word = await docx(['x']);
    expect(mediaTypeOf('report.bin', 'application/octet-stream', pdf)).toBe('application/pdf');
    expect(mediaTypeOf('offer.docx', '', word)).toBe(DOCX);
    expect(mediaTypeOf('notes.MD', '', text('# x'))).toBe('text/markdown');
    expect(mediaTypeOf('export', 'text/csv; charset=utf-8', text('a,b'))).toBe('text/csv');
    // A name that lies about the content, and types that are not read.
    expect(mediaTypeOf('fake.pdf', 'application/pdf', text('hello'))).toBeNull();
    expect(mediaTypeOf('fake.docx', DOCX, text('hello'))).toBeNull();
    expect(mediaTypeOf('photo.png', 'image/png', Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).toBeNull();
    expect(mediaTypeOf('archive.zip', 'application/zip', word)).toBeNull();
  });
});
