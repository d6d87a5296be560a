// CSV downloads streamed batch by batch: however many rows an export has, only one batch is in memory.
// Quoting (RFC 4180) and the formula guard come from csv-stringify; UTF-8 with a BOM so Excel reads the text.
import { stringify } from 'csv-stringify/sync';
import { logFailure } from '../log.ts';
import type { ResponseContent } from './route.ts';

/** One batch of records and where the next one starts (null: this was the last). */
export interface CsvBatch<K> {
  records: unknown[][];
  next: K | null;
}

export interface CsvDownload<K> {
  /** The file name offered to the browser (ASCII: it goes into `Content-Disposition` as it is). */
  filename: string;
  /** The header row. */
  columns: readonly string[];
  /** Reads the batch starting after `after` (null: the first batch). Each call is its own transaction. */
  read: (after: K | null) => Promise<CsvBatch<K>>;
  /** For the log line when the stream fails after its first batch. */
  requestId: string;
}

const encoder = new TextEncoder();

/**
 * Cells are quoted when they hold a comma, a quote or a line break; a cell starting with `=`, `+`, `-`, `@`, a
 * tab or a carriage return is prefixed with `'`, so a spreadsheet shows it as text instead of running it
 * (CSV injection). Records end with CRLF.
 */
const csvOptions = { escape_formulas: true, record_delimiter: 'windows' } as const;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * A `text/csv` response whose body is written as the client reads it. The first batch is read before answering,
 * so a failure there is an ordinary error response; a later failure ends the body with an error (the download
 * fails rather than looking complete) and is logged with the request id. A client that goes away stops the reads.
 */
export async function csvResponse<K>(download: CsvDownload<K>): Promise<Response> {
  const first = await download.read(null);
  let pending: CsvBatch<K> | null = first;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (pending === null) {
          controller.close();
          return;
        }
        const batch = pending;
        const chunk =
          batch === first
            ? stringify([[...download.columns], ...batch.records], { ...csvOptions, bom: true })
            : stringify(batch.records, csvOptions);
        if (chunk) controller.enqueue(encoder.encode(chunk));
        pending = batch.next === null || cancelled ? null : await download.read(batch.next);
      } catch (failure) {
        logFailure(failure, { where: 'csv export', requestId: download.requestId });
        controller.error(new Error('The export failed part way; see the server log'));
      }
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(body, {
    headers: {
      'content-type': CSV_CONTENT_TYPE,
      'content-disposition': `attachment; filename="${download.filename}"`,
    },
  });
}

/** `<what>[-from-YYYY-MM-DD][-to-YYYY-MM-DD].csv` from the period's instants as the caller wrote them. */
export function csvFilename(what: string, period: { from?: string | undefined; to?: string | undefined }) {
  const day = (instant: string) => instant.slice(0, 10);
  return `${what}${period.from ? `-from-${day(period.from)}` : ''}${period.to ? `-to-${day(period.to)}` : ''}.csv`;
}

/** The OpenAPI response of a CSV download with these columns. */
export function csvDownloadResponse(description: string, columns: readonly string[]): ResponseContent {
  return {
    description: `${description}; columns: ${columns.join(', ')}`,
    content: { 'text/csv': { type: 'string', description: `CSV with the header row ${columns.join(',')}` } },
    headers: {
      'content-disposition': {
        description: 'attachment; filename="<what>[-from-YYYY-MM-DD][-to-YYYY-MM-DD].csv"',
        schema: { type: 'string' },
      },
    },
  };
}
