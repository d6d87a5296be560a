import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/chat.ts', 'src/relay.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // The contract is bundled (consumers get one tree-shaken file per entry), and so is ky: it ships as ESM only,
  // which CommonJS consumers could not require cleanly.
  noExternal: ['@closer/contract', 'ky'],
  // From the contract's sources, module by module, so schemas the SDK never uses are left out.
  esbuildOptions(options) {
    options.conditions = ['@closer/source'];
  },
});
