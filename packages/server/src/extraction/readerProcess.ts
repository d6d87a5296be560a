// The reader process: reads files, pages and sitemaps for the serving process that forked it
// (readerProcesses.ts), one at a time, under its own heap limit.
import { readOutcomes } from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import workerpool from 'workerpool';

workerpool.worker({ ...readOutcomes });
