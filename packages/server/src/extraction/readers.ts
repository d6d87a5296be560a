// Uploaded files are read in a child process with a heap limit, and each read is bounded in time: a crafted DOCX
// of 100 KB makes mammoth hold the event loop for seconds and then exhaust the heap, which in the serving process
// would stall every chat stream and then end the server. In a child, the read fails that file's sync with the
// reason and the next file gets a fresh process. (A worker thread would not do: a thread reaching its heap limit
// can still abort the whole process, nodejs/node#47224.)
import { fileURLToPath } from 'node:url';
import type { Env } from '@closer/functions/_shared/env.ts';
import { ExtractionError } from '@closer/functions/_shared/knowledge/extract/document.ts';
import type {
  FileRead,
  FileReader,
  FileReadOutcome,
} from '@closer/functions/_shared/knowledge/extract/fileRead.ts';
import workerpool from 'workerpool';

export interface FileReaderSettings {
  /** Heap one reader process may use, in MiB (default 512); a read that needs more fails its sync. */
  memoryMb?: number;
}

export interface FileReaders {
  readFile: FileReader;
  /** Ends the reader process; a read in progress is abandoned (the next worker tries its step again). */
  close(): Promise<void>;
}

/** Heap of a reader process when CLOSER_EXTRACTION_MEMORY_MB is not set, in MiB. */
export const DEFAULT_READER_MEMORY_MB = 512;

/** CLOSER_EXTRACTION_MEMORY_MB (MiB, at least 64), or the default; throws naming the variable when it is not one. */
export function readerMemoryMb(env: Env): number {
  const raw = env.CLOSER_EXTRACTION_MEMORY_MB?.trim();
  if (!raw) return DEFAULT_READER_MEMORY_MB;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 64) {
    throw new Error(
      `CLOSER_EXTRACTION_MEMORY_MB must be a whole number of MiB, at least 64, not ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * Starts reading files in a child process (forked on the first read, kept for the next ones, forked again when
 * one ends). Reads queue for it: one file is read at a time, on at most one core.
 */
export function startFileReaders(settings: FileReaderSettings = {}): FileReaders {
  const memoryMb = settings.memoryMb ?? DEFAULT_READER_MEMORY_MB;
  let pool = readerPool(memoryMb);
  return {
    async readFile(read: FileRead, limits) {
      // The process reading is ended at the limit (workerpool's own task timeout can leave the pool without a
      // process for the next task); the next read starts a fresh one.
      const reading = pool;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        pool = readerPool(memoryMb);
        void reading.terminate(true);
      }, limits.timeoutMs);
      let outcome: FileReadOutcome;
      try {
        outcome = await reading.exec('readFileOutcome', [read]);
      } catch (error) {
        throw refusal(error, timedOut, limits.timeoutMs, memoryMb) ?? error;
      } finally {
        clearTimeout(timer);
      }
      if (!outcome.ok) throw new ExtractionError(outcome.extractionError);
      return outcome.result;
    },
    async close() {
      await pool.terminate(true);
    },
  };
}

function readerPool(memoryMb: number) {
  return workerpool.pool(fileURLToPath(new URL('./readerProcess.ts', import.meta.url)), {
    workerType: 'process',
    maxWorkers: 1,
    // The child's output (V8's report when it runs out of heap) is not a log line of this server's.
    emitStdStreams: true,
    forkOpts: {
      execArgv: [
        '--import',
        import.meta.resolve('tsx'),
        '--conditions=@closer/source',
        `--max-old-space-size=${memoryMb}`,
      ],
      // Structured clone: the file's bytes cross as bytes, not as JSON.
      serialization: 'advanced',
    },
  });
}

/** The ExtractionError a reader's end means for the file, or null for a failure of the moment (tried again). */
function refusal(
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  memoryMb: number,
): ExtractionError | null {
  const advice = 'it was not read (split it into smaller files, or export it again)';
  if (timedOut) {
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    return new ExtractionError(`Reading the file took longer than ${limit}; ${advice}`);
  }
  // V8 aborts a process that runs out of heap.
  if (/signalCode: `SIGABRT`/.test(String((error as Error)?.message))) {
    return new ExtractionError(`Reading the file needs more than ${memoryMb} MiB of memory; ${advice}`);
  }
  return null;
}
