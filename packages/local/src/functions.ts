// The local stack serves the same functions as the production server (packages/server).
export { functionFactories, functionNames } from '@closer/server/src/functions.ts';
