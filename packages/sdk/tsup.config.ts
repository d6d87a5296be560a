import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/chat.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // The contract is bundled: consumers get one tree-shaken file per entry, not a second package to resolve.
  noExternal: ['@closer/contract'],
  // From the contract's sources, module by module, so schemas the SDK never uses are left out.
  esbuildOptions(options) {
    options.conditions = ['@closer/source'];
  },
});
