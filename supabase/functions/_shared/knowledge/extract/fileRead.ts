// One step's reading of an uploaded file, as the sources worker asks for it: a few units of the file (pages, rows,
// sections) and how many there are. A long-lived Node process reads in a worker thread with time and memory limits
// (packages/server/src/extraction): a crafted 100 KB DOCX can hold a parser for seconds or exhaust its heap, which
// must end that file's sync, not the process serving every tenant. On Supabase each step is its own request, which
// the platform already bounds (2 s CPU, 256 MB), so the step reads in place.
import type { AcceptedMediaType } from '@closer/contract';
import { type ExtractedItem, ExtractionError } from './document.ts';
import { openFile } from './open.ts';

/** What a step reads: units `from` (0-based) to `from + count - 1` of the file. */
export interface FileRead {
  bytes: Uint8Array;
  mediaType: AcceptedMediaType;
  fileName: string;
  from: number;
  count: number;
}

export interface FileReadResult {
  /** How many units the whole file has. */
  total: number;
  /** The units read that hold text (an empty unit gives none). */
  items: ExtractedItem[];
}

/** Limits a reader that can enforce them applies to one read. */
export interface FileReadLimits {
  /** Longest a read may take, in milliseconds, before it fails with an ExtractionError. */
  timeoutMs: number;
}

/**
 * Reads units of a file. Rejects with an ExtractionError (the sync fails with its message) for a file that cannot
 * be read at all; any other error is a failure of the moment, and the step is tried again.
 */
export type FileReader = (read: FileRead, limits: FileReadLimits) => Promise<FileReadResult>;

/** Reads in this thread (on Supabase, and wherever no worker threads are set up): `limits` are not enforced. */
export const readFileInPlace: FileReader = async (read) => {
  const document = await openFile(read.bytes, read.mediaType, read.fileName);
  return { total: document.total, items: await document.read(read.from, read.count) };
};

/** A read's outcome as it crosses a thread boundary (an Error loses its class on the way). */
export type FileReadOutcome = { ok: true; result: FileReadResult } | { ok: false; extractionError: string };

/** `readFileInPlace`, with an ExtractionError answered as data rather than thrown. */
export async function readFileOutcome(read: FileRead): Promise<FileReadOutcome> {
  try {
    return { ok: true, result: await readFileInPlace(read, { timeoutMs: Number.POSITIVE_INFINITY }) };
  } catch (error) {
    if (error instanceof ExtractionError) return { ok: false, extractionError: error.message };
    throw error;
  }
}
