// Defects of the first reader process (packages/server/src/extraction) found by trying to break it with real
// processes; each test failed on 781656e and passes since the fix.
// - A heap limit the server's own command line overrides: workerpool appends the parent's --max-old-space-size
//   after the reader's own, and V8 takes the last one.
// - A read started while close() is still ending the process waits for its own time limit: a graceful shutdown
//   during a crawl (the next page of the step is read right after close() rejected the current one) ends
//   "timed out", exit 1.
// - A reader left running after the server is killed (SIGKILL, the kernel's OOM killer): its busy event loop never
//   sees the IPC channel close, so it reads on — a core used for as long as the read takes.
// - A graceful stop while a page is read fails the page (and a one-page source) with "Unexpected failure: Error:
//   Worker terminated", where the step should be tried again after the restart.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KnowledgeSource } from '@closer/contract';
import type { PageRead } from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { startReaderProcess } from '@closer/server/src/extraction/readerProcesses.ts';
import { startWorkers } from '@closer/server/src/workers.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { docxOfRawXml } from '../helpers/documents.ts';
import { createTenant } from '../helpers/tenants.ts';
import { startTestSite } from '../helpers/testSite.ts';

const run = promisify(execFile);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const READERS = fileURLToPath(
  new URL('../../../packages/server/src/extraction/readerProcesses.ts', import.meta.url),
);
const TSX = import.meta.resolve('tsx');

/** A page of 700,000 empty paragraphs: seconds of the HTML parser at any heap limit that lets it finish. */
const hugePage = (): PageRead => ({
  html: `<html><body>${'<p></p>'.repeat(700_000)}</body></html>`,
  url: 'https://solar.example/huge',
  robotsHeader: null,
});

/** Node running `code` (an ES module that may import TypeScript) with `flags`; its output is collected. */
function node(flags: string[], code: string) {
  const child = spawn(
    process.execPath,
    [...flags, '--import', TSX, '--conditions=@closer/source', '--input-type=module', '-e', code],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => output };
}

/** The ids of `parent`'s reader processes (Linux `ps`; tsx's esbuild service is a child too). */
async function readersOf(parent: number): Promise<number[]> {
  const listed = await run('ps', ['-o', 'pid=,args=', '--ppid', String(parent)]).catch(() => ({
    stdout: '',
  }));
  return listed.stdout
    .split('\n')
    .filter((line) => line.includes('readerProcess.ts'))
    .map((line) => Number.parseInt(line.trim(), 10));
}

/** A process's resident memory in MiB (Linux /proc), 0 once it is gone. */
async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Whether `pid` still runs. A process that has ended stays a zombie until its parent reaps it — for an orphan, the
 * machine's PID 1, which may take a second or two — and `kill(pid, 0)` still finds a zombie: so read its state.
 */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}

const started: ChildProcess[] = [];
const orphans: number[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const pid of orphans.splice(0)) if (await alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('the reader process, tried to the breaking point', () => {
  it('keeps its heap limit when the server itself runs with --max-old-space-size', async () => {
    // 200,000 empty paragraphs need more than 128 MiB (about 230 MB resident) and ~500 MB with the server's limit.
    const bytes = await docxOfRawXml(
      'Prices',
      `</w:t></w:r></w:p>${'<w:p/>'.repeat(200_000)}<w:p><w:r><w:t>x`,
    );
    const code = `
      const { startReaderProcess } = await import(${JSON.stringify(READERS)});
      const readers = startReaderProcess(128);
      const bytes = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(bytes).toString('base64'))}, 'base64'));
      try {
        await readers.file({ bytes, mediaType: ${JSON.stringify(DOCX)}, fileName: 'x.docx', from: 0, count: 5 }, { timeoutMs: 60000 });
        console.log('OUTCOME read');
      } catch (error) {
        console.log('OUTCOME ' + error.message);
      }
      await readers.close();`;
    const server = node(['--max-old-space-size=4096'], code);
    started.push(server.child);
    await server.exited;
    expect(server.output()).toContain(
      'OUTCOME Reading the file needs more than 128 MiB of memory; it was not read (split it into smaller files, or export it again)',
    );
  }, 60_000);

  it('settles a read started while close() is still ending the process', async () => {
    const readers = startReaderProcess(2048);
    try {
      // The process is up and reading the huge page when close() comes, as when a server drains mid-crawl.
      await readers.page(
        { html: '<p>warm</p>', url: 'https://solar.example/', robotsHeader: null },
        {
          timeoutMs: 30_000,
        },
      );
      const current = readers.page(hugePage(), { timeoutMs: 600_000 }).catch(() => 'ended');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const closing = readers.close();
      expect(await current).toBe('ended');
      // The crawl's next page, read at once: it must settle (refused, or read), not wait for its time limit.
      const next = readers
        .page(
          { html: '<p>Inverters</p>', url: 'https://solar.example/next', robotsHeader: null },
          {
            timeoutMs: 600_000,
          },
        )
        .then(
          () => 'settled',
          () => 'settled',
        );
      expect(await next).toBe('settled');
      await closing;
    } finally {
      await readers.close();
    }
  }, 45_000);

  it('does not outlive a server that is killed while it reads', async () => {
    // A read of several seconds (5 on a quiet machine): a million empty paragraphs, with room enough to finish.
    const bytes = await docxOfRawXml(
      'Prices',
      `</w:t></w:r></w:p>${'<w:p/>'.repeat(1_000_000)}<w:p><w:r><w:t>x`,
    );
    const code = `
      const { startReaderProcess } = await import(${JSON.stringify(READERS)});
      const readers = startReaderProcess(4096);
      const bytes = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(bytes).toString('base64'))}, 'base64'));
      console.log('READING');
      await readers.file({ bytes, mediaType: ${JSON.stringify(DOCX)}, fileName: 'x.docx', from: 0, count: 5 }, { timeoutMs: 3600000 });`;
    const server = node([], code);
    started.push(server.child);
    await expect.poll(server.output, { timeout: 30_000 }).toContain('READING');
    const pid = server.child.pid as number;
    let reader = 0;
    await expect
      .poll(async () => {
        [reader = 0] = await readersOf(pid);
        return reader;
      })
      .toBeGreaterThan(0);
    orphans.push(reader);
    // Once it is well into the read (its memory grows with the document; a reader that is still starting up would
    // end on its own when it finds its parent gone), kill the server as the kernel or a supervisor would.
    await expect.poll(() => residentMiB(reader), { timeout: 30_000 }).toBeGreaterThan(200);
    server.child.kill('SIGKILL');
    await server.exited;
    // Its read has seconds to go: only the watchdog ends it this soon.
    await expect.poll(() => alive(reader), { timeout: 1_500 }).toBe(false);
  }, 60_000);

  it('leaves a page read when the server stops to be read again, not failed', async () => {
    const db = await migratedDatabase('pglite');
    const site = await startTestSite();
    try {
      const a = await createTenant(db, 'Acme');
      const env = { ALLOW_PRIVATE_CRAWL: 'true', CLOSER_EXTRACTION_MEMORY_MB: '2048' };
      const api = createApi(db, env);
      site.pages.set('/robots.txt', { contentType: 'text/plain', body: '' });
      site.pages.set('/huge', { body: hugePage().html });
      const created = await api.as(a.secretKey)<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
        kind: 'url',
        urls: [`${site.origin}/huge`],
      });
      expect(created.status).toBe(201);
      const workers = startWorkers(db, env, createRuntime(db, env), { outboxMs: 0, sourcesMs: 20 });
      // The page is fetched; its read (seconds of the HTML parser) is under way when the server stops.
      await expect.poll(() => site.requests.includes('/huge')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await workers.stop();
      const source = await api.as(a.secretKey)<KnowledgeSource>(
        'GET',
        `/agents/${a.agentId}/sources/${created.body.id}`,
      );
      expect(source.body.failureReason ?? '').not.toContain('Worker terminated');
      expect(source.body.status).not.toBe('failed');
    } finally {
      await site.close();
      await db.close();
    }
  }, 60_000);
});
