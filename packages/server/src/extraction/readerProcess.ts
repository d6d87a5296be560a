// The reader process: reads files, pages and sitemaps for the serving process that forked it
// (readerProcesses.ts), one at a time. A watchdog thread keeps it honest while a read holds its event loop: it ends
// the process when the server that forked it is gone (a killed server must not leave a reader running) and when
// its resident memory passes the limit in argv[2] (--max-old-space-size bounds only the JavaScript heap, not the
// buffers a PDF inflates into). SIGABRT, as V8 ends a process out of heap: the server reads both the same way.
import { Worker } from 'node:worker_threads';
import { readOutcomes } from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import workerpool from 'workerpool';

const watchdog = `
  const { workerData } = require('node:worker_threads');
  setInterval(() => {
    if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
    else if (process.memoryUsage.rss() > workerData.residentLimit) process.kill(process.pid, 'SIGABRT');
  }, 100);
`;
new Worker(watchdog, {
  eval: true,
  workerData: { parent: process.ppid, residentLimit: Number(process.argv[2]) },
}).unref();

workerpool.worker({ ...readOutcomes });
