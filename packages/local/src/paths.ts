// Where the repository's Supabase folder and the local state live.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const supabaseDir = fileURLToPath(new URL('../../../supabase/', import.meta.url));
export const migrationsDir = `${supabaseDir}migrations`;
export const seedFile = `${supabaseDir}seed.sql`;
export const defaultStateDir = `${repoRoot}.closer`;
/** The widget's script-tag build: closer.js (the launcher) and closer-panel.js. */
export const widgetDist = `${repoRoot}packages/widget/dist/`;
/** The console's static build (`pnpm --filter @closer/console build`). */
export const consoleDist = `${repoRoot}packages/console/dist/`;
