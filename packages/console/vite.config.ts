// Static files under /console/: the app reads its API and auth settings from config.json at run time, so one
// build serves any deployment (the local stack, Supabase Storage, a CDN).
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  resolve: { conditions: ['@closer/source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // The manifest tells `pnpm size` which chunks the first load fetches (tools/sizeBudgets.ts).
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: false, manifest: true },
});
