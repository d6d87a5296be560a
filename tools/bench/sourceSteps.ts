// `pnpm bench` (knowledge sources): the time one worker step takes for big files, as the worker runs it — the file
// opened again from its bytes, then one batch read (10 PDF pages, 200 CSV rows, 25 sections). A step must stay far
// below the edge runtime's 2 s of CPU per request. Pure CPU, no database. Each step is timed in place (as on
// Supabase) and in the reader process of `pnpm serve` (packages/server/src/extraction), after its fork.

import { startReaderProcess } from '../../packages/server/src/extraction/readerProcesses.ts';
import {
  type DocumentReaders,
  readInPlace,
} from '../../supabase/functions/_shared/knowledge/extract/documentReaders.ts';
import { DEFAULT_STEP_SIZES } from '../../supabase/functions/_shared/knowledge/sources/steps.ts';
import { docx, pdfWithPages } from '../../supabase/tests/helpers/documents.ts';

const sentence =
  'Our heat pumps are installed in one day and carry a seven year warranty on parts and labour. ';
const pdf = await pdfWithPages(
  Array.from({ length: 200 }, (_, page) =>
    Array.from({ length: 40 }, (_, line) => `${page}.${line} ${sentence}`),
  ),
);
const csv = new TextEncoder().encode(
  `Product,Price,Description\n${Array.from({ length: 5_000 }, (_, i) => `Item ${i},${i * 3},"${sentence}"`).join('\n')}\n`,
);
const word = await docx(
  Array.from({ length: 200 }, (_, i) => [`# Section ${i}`, sentence.repeat(20)]).flat(),
);

const files = [
  { label: 'PDF, 200 pages', bytes: pdf, type: 'application/pdf', per: DEFAULT_STEP_SIZES.pdfPages },
  { label: 'CSV, 5,000 rows', bytes: csv, type: 'text/csv', per: DEFAULT_STEP_SIZES.rows },
  {
    label: 'DOCX, 200 sections',
    bytes: word,
    type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    per: DEFAULT_STEP_SIZES.sections,
  },
] as const;

type Step = (from: number) => Promise<number>;
// As on Supabase (in place), and as `pnpm serve` reads: in its reader process (the bytes cross for every step).
const readers = startReaderProcess();
const stepsOf =
  (reader: DocumentReaders, file: (typeof files)[number]): Step =>
  async (from) => {
    const read = await reader.file(
      { bytes: file.bytes, mediaType: file.type, fileName: 'bench', from, count: file.per },
      { timeoutMs: 60_000 },
    );
    return read.total;
  };

async function stepTimes(step: Step, per: number): Promise<number[]> {
  const times: number[] = [];
  let total = 1;
  for (let from = 0; from < total; from += per) {
    const started = performance.now();
    total = await step(from);
    times.push(performance.now() - started);
  }
  return times;
}

await readers.file(
  { bytes: word, mediaType: files[2].type, fileName: 'warm-up', from: 0, count: 1 },
  { timeoutMs: 60_000 },
);
const ms = (n: number) => `${n.toFixed(0)} ms`;
console.log('| file | size | where | steps | step p50 | step max | whole file |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const file of files) {
  for (const [where, step] of [
    ['in place', stepsOf(readInPlace, file)],
    ['reader process', stepsOf(readers, file)],
  ] as const) {
    const times = await stepTimes(step, file.per);
    const sorted = [...times].sort((x, y) => x - y);
    console.log(
      `| ${file.label} | ${(file.bytes.byteLength / 1024).toFixed(0)} KiB | ${where} | ${times.length} | ${ms(sorted[Math.floor(sorted.length / 2)]!)} | ${ms(sorted.at(-1)!)} | ${ms(times.reduce((x, y) => x + y, 0))} |`,
    );
  }
}
await readers.close();
