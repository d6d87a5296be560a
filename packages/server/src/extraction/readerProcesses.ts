// Files, pages and sitemaps are read in a child process with a heap limit, each read bounded in time: a crafted
// DOCX of 100 KB makes mammoth hold the event loop for seconds and then exhaust the heap, a 5 MB page of empty
// paragraphs holds the HTML parser 20 s; in the serving process that would stall every chat stream, then end the
// server. In a child, the read fails that file's sync (or that page) with the reason and the next read gets a
// fresh process. (A worker thread would not do: a thread reaching its heap limit can still abort the whole process,
// nodejs/node#47224.)
import { fileURLToPath } from 'node:url';
import type { Env } from '@closer/functions/_shared/env.ts';
import { ExtractionError } from '@closer/functions/_shared/knowledge/extract/document.ts';
import {
  type DocumentReaders,
  ReaderUnavailable,
  type ReadLimits,
  type ReadOutcome,
} from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import workerpool from 'workerpool';

export interface ReaderProcess extends DocumentReaders {
  /**
   * Ends the reader process. The read in progress and any read after it reject with ReaderUnavailable: their
   * step is tried again (on the next start).
   */
  close(): Promise<void>;
}

/** Heap of the reader process when CLOSER_EXTRACTION_MEMORY_MB is not set, in MiB. */
export const DEFAULT_READER_MEMORY_MB = 512;

/** Resident memory the reader process may use besides its heap (its code, libraries and buffers), in MiB. */
export const READER_OVERHEAD_MB = 256;

/** CLOSER_EXTRACTION_MEMORY_MB (MiB, at least 64), or the default; throws naming the variable when it is not one. */
export function readerMemoryMb(env: Env): number {
  const raw = env.CLOSER_EXTRACTION_MEMORY_MB?.trim();
  if (!raw) return DEFAULT_READER_MEMORY_MB;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 64)) {
    throw new Error(
      `CLOSER_EXTRACTION_MEMORY_MB must be a whole number of MiB, at least 64, not ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

type Operation = keyof DocumentReaders;
const WHAT: Record<Operation, string> = { file: 'the file', page: 'the page', sitemap: 'the sitemap' };

/**
 * Starts reading in a child process (forked on the first read, kept for the next ones, forked again when one
 * ends). Reads queue for it: one document is read at a time, on at most one core.
 */
export function startReaderProcess(memoryMb = DEFAULT_READER_MEMORY_MB): ReaderProcess {
  let pool = readerPool(memoryMb);
  let closed = false;
  async function read<T>(operation: Operation, argument: unknown, limits: ReadLimits): Promise<T> {
    if (closed) throw new ReaderUnavailable('closed');
    // At the limit the process is ended (workerpool's own task timeout can leave the pool without a process for
    // the next task); the next read forks a fresh one.
    const reading = pool;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      pool = readerPool(memoryMb);
      void reading.terminate(true);
    }, limits.timeoutMs);
    let outcome: ReadOutcome<T>;
    try {
      outcome = await reading.exec(operation, [argument]);
    } catch (error) {
      // An error the reading itself threw (a library's bug on this document) is the same as in place.
      if (!closed && !timedOut && !readerEnded(error)) throw error;
      if (closed) throw new ReaderUnavailable(error);
      throw (
        refusal(WHAT[operation], error, timedOut ? limits.timeoutMs : null, memoryMb) ??
        new ReaderUnavailable(error)
      );
    } finally {
      clearTimeout(timer);
    }
    if (!outcome.ok) throw new ExtractionError(outcome.extractionError);
    return outcome.result;
  }
  return {
    file: (fileRead, limits) => read('file', fileRead, limits),
    page: (pageRead, limits) => read('page', pageRead, limits),
    sitemap: (xml, limits) => read('sitemap', xml, limits),
    async close() {
      closed = true;
      await pool.terminate(true);
    },
  };
}

function readerPool(memoryMb: number) {
  return workerpool.pool(fileURLToPath(new URL('./readerProcess.ts', import.meta.url)), {
    workerType: 'process',
    maxWorkers: 1,
    // The resident limit its watchdog holds it to, in bytes.
    forkArgs: [String((memoryMb + READER_OVERHEAD_MB) * 1024 * 1024)],
    // The child's output (V8's report when it runs out of heap) is not a log line of this server's.
    emitStdStreams: true,
    forkOpts: {
      // workerpool appends the server's own --max-old-space-size, if it has one, after this (V8 takes the last):
      // the resident limit above holds either way.
      execArgv: [
        '--import',
        import.meta.resolve('tsx'),
        '--conditions=@closer/source',
        `--max-old-space-size=${memoryMb}`,
      ],
      // Structured clone: a file's bytes cross as bytes, not as JSON.
      serialization: 'advanced',
    },
  });
}

/** The reader process ended under the read (it died, or was ended): workerpool's own errors for it. */
const readerEnded = (error: unknown) =>
  error instanceof workerpool.TerminateError ||
  /^(Pool|Worker) terminated$/.test(String((error as Error | undefined)?.message));

/** The ExtractionError a reader's end means for the document, or null when it says nothing of the document. */
function refusal(
  what: string,
  error: unknown,
  timedOutAfterMs: number | null,
  memoryMb: number,
): ExtractionError | null {
  const advice =
    what === 'the file'
      ? 'it was not read (split it into smaller files, or export it again)'
      : 'it was not read';
  if (timedOutAfterMs !== null) {
    const limit =
      timedOutAfterMs >= 1000 ? `${Math.round(timedOutAfterMs / 1000)} s` : `${timedOutAfterMs} ms`;
    return new ExtractionError(`Reading ${what} took longer than ${limit}; ${advice}`);
  }
  // V8 aborts a process that runs out of heap; the watchdog one past its resident limit.
  if (/signalCode: `SIGABRT`/.test(String((error as Error)?.message))) {
    return new ExtractionError(`Reading ${what} needs more than ${memoryMb} MiB of memory; ${advice}`);
  }
  return null;
}
