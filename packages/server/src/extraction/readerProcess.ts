// The reader process: reads steps of uploaded files for the serving process that forked it (see readers.ts),
// one at a time, under its own heap limit.
import { readFileOutcome } from '@closer/functions/_shared/knowledge/extract/fileRead.ts';
import workerpool from 'workerpool';

workerpool.worker({ readFileOutcome });
