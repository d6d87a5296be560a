// `pnpm bench` (knowledge sources): the time one worker step takes for big files, as the worker runs it — the file
// opened again from its bytes, then one batch read (10 PDF pages, 200 CSV rows, 25 sections). A step must stay far
// below the edge runtime's 2 s of CPU per request. Pure CPU, no database.
import { openFile } from '../../supabase/functions/_shared/knowledge/extract/open.ts';
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

console.log('| file | size | steps | step p50 | step max | whole file |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const file of files) {
  const times: number[] = [];
  let total = 1;
  for (let from = 0; from < total; from += file.per) {
    const started = performance.now();
    const document = await openFile(file.bytes, file.type, 'bench');
    total = document.total;
    await document.read(from, file.per);
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(
    `| ${file.label} | ${(file.bytes.byteLength / 1024).toFixed(0)} KiB | ${times.length} | ${ms(sorted[Math.floor(sorted.length / 2)]!)} | ${ms(sorted.at(-1)!)} | ${ms(times.reduce((x, y) => x + y, 0))} |`,
  );
}
