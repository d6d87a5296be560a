// The production server's process guards serve the local stack too.
export { keepServingOnFailures, type LogLine } from '@closer/server/src/processGuards.ts';
