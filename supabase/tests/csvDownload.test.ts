// csvResponse: a failure before the first byte is an ordinary error; after it the download fails visibly
// (never a file that looks complete); a client that leaves stops the reads.
import { csvResponse } from '@closer/functions/_shared/http/csv.ts';
import { describe, expect, it, vi } from 'vitest';

const batches = (count: number, failAt?: number) => {
  const reads: (number | null)[] = [];
  const read = async (after: number | null) => {
    reads.push(after);
    const index = after === null ? 0 : after;
    if (index === failAt) throw new Error('connection reset by the database');
    return { records: [[`row ${index}`]], next: index + 1 < count ? index + 1 : null };
  };
  return { reads, read };
};

describe('csvResponse', () => {
  it('writes the BOM and header once, then each batch as it is read', async () => {
    const { read } = batches(3);
    const response = await csvResponse({ filename: 'x.csv', columns: ['value'], read, requestId: 'r1' });
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
    expect(text).toBe('\uFEFFvalue\r\nrow 0\r\nrow 1\r\nrow 2\r\n');
  });

  it('rejects before answering when the first batch fails', async () => {
    const { read } = batches(3, 0);
    await expect(csvResponse({ filename: 'x.csv', columns: ['v'], read, requestId: 'r2' })).rejects.toThrow(
      'connection reset',
    );
  });

  it('errors the body when a later batch fails, and logs it with the request id', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { read } = batches(5, 2);
    const response = await csvResponse({ filename: 'x.csv', columns: ['v'], read, requestId: 'req-42' });
    await expect(response.text()).rejects.toThrow('The export failed part way');
    expect(log.mock.calls.map((call) => String(call[0])).join('\n')).toMatch(/req-42.*connection reset/);
    log.mockRestore();
  });

  it('stops reading when the client cancels', async () => {
    const { reads, read } = batches(1000);
    const response = await csvResponse({ filename: 'x.csv', columns: ['v'], read, requestId: 'r3' });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const after = reads.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads.length).toBe(after);
    expect(after).toBeLessThan(5);
  });
});
