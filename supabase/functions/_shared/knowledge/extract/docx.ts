// DOCX to text (mammoth → HTML → headed sections), after checking how big the archive unpacks (zip bombs).
// mammoth is pinned to 1.12.0: 1.13 sets `__proto__`, which Deno (and so the edge runtime) does not allow.
import { Buffer } from 'node:buffer';
import JSZip from 'jszip';
import mammoth from 'mammoth';
import { ExtractionError } from './document.ts';
import { parseHtmlDocument } from './dom.ts';
import { sectionsOfBody } from './html.ts';
import type { Section } from './sections.ts';

/** Most bytes a DOCX may unpack to (100 MiB): more is refused as a zip bomb before mammoth reads it. */
export const MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024;

interface ZipStream {
  on(event: 'data', listener: (chunk: Uint8Array) => void): ZipStream;
  on(event: 'error' | 'end', listener: () => void): ZipStream;
  pause(): ZipStream;
  resume(): ZipStream;
}

/** Unpacks every entry, counting the bytes that really come out (declared sizes can lie), up to `limit`. */
async function checkUnpackedSize(bytes: Uint8Array, limit: number): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
  } catch {
    throw new ExtractionError('The file is not a readable DOCX (not a ZIP archive)');
  }
  let total = 0;
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    await new Promise<void>((resolve, reject) => {
      // internalStream (JSZip's own, untyped) yields the unpacked bytes as they come: stop at the limit.
      const stream = (entry as unknown as { internalStream(type: 'uint8array'): ZipStream }).internalStream(
        'uint8array',
      );
      stream
        .on('data', (chunk: Uint8Array) => {
          total += chunk.byteLength;
          if (total > limit) {
            stream.pause();
            reject(
              new ExtractionError(
                `The DOCX unpacks to more than ${Math.round(limit / 1024 / 1024)} MiB (a zip bomb?); it was not read`,
              ),
            );
          }
        })
        .on('error', () => reject(new ExtractionError('The DOCX archive is damaged')))
        .on('end', () => resolve())
        .resume();
    });
  }
}

/** The document's headed sections. */
export async function readDocx(bytes: Uint8Array, limit = MAX_DOCX_UNPACKED_BYTES): Promise<Section[]> {
  await checkUnpackedSize(bytes, limit);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
  } catch {
    throw new ExtractionError('The file is not a readable DOCX (no Word document inside)');
  }
  const body = parseHtmlDocument(`<html><body>${html}</body></html>`).body;
  return body ? sectionsOfBody(body) : [];
}
